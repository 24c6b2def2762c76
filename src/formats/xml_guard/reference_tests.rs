//! The streaming cursor and guard against the straightforward oracle of `reference.rs`: every
//! step of a walk (names, paths, indexes, relative paths, attributes, text, problems) is the
//! same, on XML-like text and arbitrary bytes, in reads of any size, and at the limits.

use super::input::Guard;
use super::reference::{RefCursor, RefGuard, RefNode};
use super::testing::chunked;
use super::{Node, XmlCursor, MAX_RUN, MAX_TEXT};

const REPEATABLE: &[&str] = &["B", "Stmt"];

/// What a walk sees at each step, as text; the problem that ends it, if any.
type Trace = (Vec<String>, Option<crate::formats::Problem>);

fn trace_fast(bytes: &[u8], sizes: Vec<usize>) -> Trace {
    let mut cursor = XmlCursor::new(Guard::new(chunked(bytes, sizes)), REPEATABLE);
    let mut seen = Vec::new();
    loop {
        let step = match cursor.advance() {
            Ok(Node::End) => return (seen, None),
            Ok(Node::Open(name)) => format!("open {name} {}", cursor.name()),
            Ok(Node::Close(name)) => format!("close {name} {} {:?}", cursor.name(), cursor.text()),
            Err(problem) => return (seen, Some(problem)),
        };
        let rel: Vec<&str> = (0..=cursor.depth() + 1).map(|d| cursor.rel_path(d)).collect();
        seen.push(format!(
            "{step} path={} parent={} index={:?} depth={} rel={rel:?} ccy={:?} x={:?} ns={:?}",
            cursor.path(),
            cursor.parent_path(),
            cursor.index(),
            cursor.depth(),
            cursor.attr("Ccy"),
            cursor.attr("x"),
            cursor.namespace("camt.053."),
        ));
    }
}

fn trace_reference(bytes: &[u8], sizes: Vec<usize>) -> Trace {
    let mut cursor = RefCursor::new(RefGuard::new(chunked(bytes, sizes)), REPEATABLE);
    let mut seen = Vec::new();
    loop {
        let step = match cursor.advance() {
            Ok(RefNode::End) => return (seen, None),
            Ok(RefNode::Open(name)) => format!("open {name} {name}"),
            Ok(RefNode::Close(name)) => format!("close {name} {name} {:?}", cursor.text()),
            Err(problem) => return (seen, Some(problem)),
        };
        let rel: Vec<String> = (0..=cursor.depth() + 1).map(|d| cursor.rel_path(d)).collect();
        seen.push(format!(
            "{step} path={} parent={} index={:?} depth={} rel={rel:?} ccy={:?} x={:?} ns={:?}",
            cursor.path(),
            cursor.parent_path(),
            cursor.index(),
            cursor.depth(),
            cursor.attr("Ccy"),
            cursor.attr("x"),
            cursor.namespace("camt.053."),
        ));
    }
}

fn same(bytes: &[u8], sizes: Vec<usize>) {
    let fast = trace_fast(bytes, sizes.clone());
    let reference = trace_reference(bytes, sizes);
    pretty_assertions::assert_eq!(fast, reference);
}

#[test]
fn entities_cdata_and_attributes_read_as_the_reference_reads_them() {
    let xml = "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02' xmlns:x='y'>\
        <Stmt><B>a &amp; b &lt;c&gt; &#65;&#x42; &quot;q&apos;</B><B><![CDATA[x <y> &amp; z]]> and &amp; \
        <![CDATA[]]>tail</B><Amt Ccy='P&amp;N' x=\"&#233;\">1.00</Amt>\n  <Empty/></Stmt>\
        <Stmt><B>Peña ñ</B></Stmt></Document>";
    same(xml.as_bytes(), vec![7]);
    let (steps, problem) = trace_fast(xml.as_bytes(), vec![5]);
    assert_eq!(problem, None);
    assert!(steps.iter().any(|s| s.starts_with("close B B \"a & b <c> AB \\\"q'\"")), "{steps:#?}");
    assert!(steps.iter().any(|s| s.starts_with("close B B \"x <y> &amp; z and & tail\"")), "{steps:#?}");
    assert!(steps.iter().any(|s| s.contains("ccy=Some(\"P&N\") x=Some(\"é\")")), "{steps:#?}");
}

#[test]
fn bad_entities_and_bytes_fail_where_the_reference_fails() {
    for xml in [
        &b"<A><B>&bad;</B></A>"[..],
        b"<A x='&bad;'/>",
        b"<A><B>\xff</B></A>",
        b"<A \xff='1'/>",
        b"<A><\xff/></A>",
        b"<A><B>1</C></A>",
        b"<A><B>1</B>",
        b"<A/>x",
        b"<A/><A/>",
        b"<A><!DOCTYPE x></A>",
        b"",
        // Once found by the property test below: a `<` opening nothing, read a byte at a time.
        b"<B x='1'><</A>",
    ] {
        same(xml, vec![1]);
        same(xml, vec![3]);
    }
}

/// Text and runs without `<` just under, at and just over the limits, cut into reads that do
/// not line up with them: the guard refuses at the same byte as when it counted bytes one by
/// one.
#[test]
fn limits_are_crossed_at_the_same_byte() {
    for len in [MAX_TEXT - 1, MAX_TEXT, MAX_TEXT + 1] {
        let text = format!("<A><B>{}</B><B>{}</B></A>", "x".repeat(len), "y".repeat(len / 2));
        same(text.as_bytes(), vec![8191, 333]);
    }
    // `>` in text is allowed: it restarts the text count but not the run without `<`.
    let piece = format!(">{}", "x".repeat(MAX_TEXT - 1));
    for extra in [0, 1, 2] {
        let run = format!("<A>{}{}</A>", piece.repeat(MAX_RUN / MAX_TEXT), "z".repeat(extra));
        same(run.as_bytes(), vec![65_537]);
    }
    let comment = format!("<A><!--{}--></A>", "x".repeat(MAX_RUN - 8));
    same(comment.as_bytes(), vec![4096]);
}

#[test]
fn dates_read_as_chrono_reads_them() {
    for text in [
        "2012-07-31",
        "2012-07-31T08:00:00",
        "2012-07-31+05:00",
        "2012-07-31-05:00",
        "2012-07-31Z",
        "2012-02-30",
        "2012-13-01",
        "2012-00-10",
        "0000-01-01",
        "9999-12-31",
        "2012-7-31",
        "2012-07-3",
        "2012/07/31",
        "2012-07-31 ",
        "2012-07-31x",
        " 2012-07-31",
        "+2012-07-31",
        "2012-07-3é",
        "",
        "2012",
    ] {
        assert_eq!(super::xml_date(text), super::reference::xml_date(text), "{text:?}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

    #[test]
    fn dates_of_any_shape_read_as_chrono_reads_them(
        text in "[0-9+ -]{0,3}[0-9]{0,4}[-/]?[0-9]{0,3}[-/]?[0-9]{0,3}(T[0-9:]{0,8}|Z|[+-][0-9:]{0,5}|é|x| )?",
    ) {
        proptest::prop_assert_eq!(super::xml_date(&text), super::reference::xml_date(&text));
    }

    #[test]
    fn xml_like_text_walks_as_the_reference_walks(
        text in "(<A>|</A>|<B>|</B>|<B x='1'>|<Stmt>|</Stmt>|<C Ccy='PEN'>|</C>|<D/>|<p:E xmlns:p='urn:camt.053.001.04'>|</p:E>|&amp;|&lt;|&#65;|&x;|<!\\[CDATA\\[|\\]\\]>|<!--|-->|<!DOCTYPE|<\\?pi\\?>|ñ|[a-z <>!&;\n])*",
        sizes in proptest::collection::vec(1usize..20, 1..5),
    ) {
        let fast = trace_fast(text.as_bytes(), sizes.clone());
        proptest::prop_assert_eq!(fast, trace_reference(text.as_bytes(), sizes));
    }

    #[test]
    fn arbitrary_bytes_walk_as_the_reference_walks(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        sizes in proptest::collection::vec(1usize..20, 1..5),
    ) {
        proptest::prop_assert_eq!(trace_fast(&bytes, sizes.clone()), trace_reference(&bytes, sizes));
    }
}
