//! Tests of the hostile-XML defences: paths, refusals, encodings, and refusals at the same
//! byte however the input is cut into reads.

use super::testing::{chunked, Generated};
use super::*;

fn walk(xml: &[u8]) -> Result<Vec<String>, Problem> {
    walk_from(xml)
}

/// Walks a document read from `input`, listing `path=text` of every element as it closes.
fn walk_from<R: std::io::Read>(input: R) -> Result<Vec<String>, Problem> {
    let mut cursor = open(input, &["B"]).cursor?;
    let mut seen = Vec::new();
    loop {
        match cursor.advance()? {
            Node::Open(_) => {}
            Node::Close(_) => seen.push(format!("{}={}", cursor.path(), cursor.text())),
            Node::End => return Ok(seen),
        }
    }
}

fn fails(xml: &[u8], reason: &str) {
    let problem = walk(xml).expect_err("must fail");
    assert!(problem.reason.contains(reason), "{problem}");
}

#[test]
fn paths_index_repeatable_names() {
    let seen =
        walk(b"<?xml version='1.0'?><?pi x?><A><B>1</B><!-- c --><B><C>x &amp; y</C></B></A>").unwrap();
    assert_eq!(seen, ["/A/B[1]=1", "/A/B[2]/C=x & y", "/A/B[2]=", "/A="]);
}

#[test]
fn hostile_documents_are_refused() {
    fails(
        br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><A>&lol2;</A>"#,
        "<!DOCTYPE",
    );
    fails(br#"<!doctype A SYSTEM "file:///etc/passwd"><A/>"#, "<!DOCTYPE");
    fails(b"<A>&xxe;</A>", "entity");
    fails(b"<A x='&xxe;'/>", "entity");
    fails(b"<A><B>1</B>", "truncated");
    fails(b"<A><B>1</", "malformed");
    fails(b"\x00\xff\xfe garbage", "UTF-8");
    fails(b"hello world", "malformed");
    fails(b"", "no root");
    fails(b"<A>\xff\xfe</A>", "UTF-8");
    fails(b"<A/><B/>", "second root");
    let deep = format!("{}{}", "<A>".repeat(10_000), "</A>".repeat(10_000));
    fails(deep.as_bytes(), "deeper than 64");
    let long = format!("<A>{}</A>", "x".repeat(MAX_TEXT + 1));
    fails(long.as_bytes(), "longer than");
}

#[test]
fn declared_encodings_are_followed() {
    let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><A>Pe\xf1a</A>";
    assert_eq!(walk(latin).unwrap(), ["/A=Pe\u{f1}a"]);
    assert_eq!(
        namespace_version("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", "camt.053."),
        Some("001.02".into())
    );
}

/// Every file of `tests/data/xml/bad/` gives the problem its `EXPECTED.tsv` line names.
#[test]
fn bad_files_give_the_expected_problems() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/xml/bad");
    let expected = std::fs::read_to_string(format!("{dir}/EXPECTED.tsv")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, location, reason] = cols[..] else { panic!("bad EXPECTED line {line:?}") };
        let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
        let parsed = crate::formats::parse_any(&bytes, &crate::formats::ParseOptions::default());
        let hit = parsed
            .problems
            .iter()
            .any(|p| p.location.to_string().contains(location) && p.reason.contains(reason));
        assert!(hit, "{file}: no problem at {location:?} with {reason:?}; got {:#?}", parsed.problems);
        checked += 1;
    }
    let files = std::fs::read_dir(dir).unwrap().count() - 1;
    assert_eq!(checked, files, "every bad file has a line in EXPECTED.tsv");
}

#[test]
fn refusals_are_located_like_before() {
    let dtd = walk(b"<?xml version='1.0'?><A><!-- <!doctype x> --></A>").unwrap_err();
    assert_eq!(
        dtd,
        Problem::in_file("", "<!DOCTYPE is not allowed in XML input (DTDs and entities are refused)")
    );
    let entity = walk(b"<A><B>1</B><!ENTITY x 'y'></A>").unwrap_err();
    assert_eq!(
        entity,
        Problem::in_file("", "<!ENTITY is not allowed in XML input (DTDs and entities are refused)")
    );
    let long = format!("<A><B>{}</B></A>", "x".repeat(MAX_TEXT + 1));
    let problem = walk(long.as_bytes()).unwrap_err();
    assert_eq!(problem, Problem::at_element("/A/B[1]", "", format!("text longer than {MAX_TEXT} bytes")));
    let comment = format!("<A><!--{}--></A>", "x".repeat(MAX_RUN));
    let problem = walk(comment.as_bytes()).unwrap_err();
    assert_eq!(problem, Problem::at_element("/A", "", format!("more than {MAX_RUN} bytes without a '<'")));
    let refused = walk(b"<?xml version='1.0' encoding='utf-16'?><A/>").unwrap_err();
    assert_eq!(refused, Problem::in_file("encoding", "unsupported XML encoding \"utf-16\""));
}

#[test]
fn a_bom_names_the_encoding_and_is_dropped() {
    let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
    utf16.extend("<A>Peña</A>".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(walk(&utf16).unwrap(), ["/A=Pe\u{f1}a"]);
    assert_eq!(walk(b"\xEF\xBB\xBF<A>x</A>").unwrap(), ["/A=x"]);
}

/// A huge text node is refused after at most `MAX_TEXT` bytes were handed to the parser, and a
/// DTD after a long valid prefix stops the walk there: the file is never read to its end.
#[test]
fn refusals_stop_the_reading_early() {
    let counted = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let huge = Generated::new(b"<A>", 1 << 12, |_| vec![b'x'; 1 << 12], b"</A>"); // 16 MiB
    let input = super::testing::Counted { inner: huge, count: counted.clone() };
    let problem = walk_from(input).unwrap_err();
    assert!(problem.reason.contains("text longer than"), "{problem}");
    assert!(counted.get() < 2 * MAX_TEXT as u64, "read {} bytes", counted.get());

    let piece = |i: usize| format!("<B>{i}</B>").into_bytes();
    let long_prefix = Generated::new(b"<A>", 100_000, piece, b"<!DOCTYPE A><B>after</B></A>");
    let problem = walk_from(long_prefix).unwrap_err();
    assert_eq!(problem.location, crate::formats::Location::File);
    assert!(problem.reason.starts_with("<!DOCTYPE"), "{problem}");
}

fn walk_chunked(bytes: &[u8], sizes: Vec<usize>) -> Result<Vec<String>, Problem> {
    walk_from(chunked(bytes, sizes))
}

#[test]
fn keywords_cut_by_reads_are_still_found() {
    let xml = b"<A><B>1</B><!DocType A></A>";
    for size in 1..12 {
        assert!(walk_chunked(xml, vec![size]).unwrap_err().reason.contains("<!DOCTYPE"), "reads of {size}");
    }
    assert_eq!(walk_chunked(b"<A><!-- <!DOC --><B>2</B></A>", vec![1, 2, 3]).unwrap(), ["/A/B[1]=2", "/A="]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// However the input is cut into reads, the walk sees the same elements and stops with the
    /// same problem.
    #[test]
    fn reads_of_any_size_walk_alike(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        sizes in proptest::collection::vec(1usize..20, 1..5),
    ) {
        proptest::prop_assert_eq!(walk_chunked(&bytes, sizes), walk(&bytes));
    }

    #[test]
    fn xml_like_text_walks_alike(
        text in "(<A>|</A>|<B x='1'>|</B>|<!DOCTYPE|<!--|-->|<!ENTITY|&amp;|&x;|<!\\[CDATA\\[|\\]\\]>|[a-z <>!])*",
        sizes in proptest::collection::vec(1usize..12, 1..5),
    ) {
        proptest::prop_assert_eq!(walk_chunked(text.as_bytes(), sizes), walk(text.as_bytes()));
    }

    /// Text in any encoding a BOM or declaration can name decodes alike in reads of any size.
    #[test]
    fn every_encoding_walks_alike(
        prefix in proptest::sample::select(vec![
            &b"\xFF\xFE"[..], b"\xFE\xFF", b"\xEF\xBB\xBF", b"<?xml version='1.0' encoding='Shift_JIS'?>",
            b"<?xml version='1.0' encoding='ISO-2022-JP'?>", b"<?xml version='1.0' encoding='gb18030'?>",
            b"<?xml version='1.0' encoding='big5'?>", b"<?xml version='1.0' encoding='replacement'?>",
        ]),
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        sizes in proptest::collection::vec(1usize..20, 1..5),
    ) {
        let bytes = [prefix, &body[..]].concat();
        proptest::prop_assert_eq!(walk_chunked(&bytes, sizes), walk(&bytes));
    }
}
