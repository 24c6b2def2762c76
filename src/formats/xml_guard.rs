//! Hostile-XML defences and the streaming reader shared by the ISO 20022 parsers (SPEC §7).
//!
//! [`prepare`] turns a file's bytes into UTF-8 by the XML declaration (or BOM) and refuses any
//! `<!DOCTYPE` or `<!ENTITY` before anything is parsed, so no entity can ever be defined, let
//! alone expanded. [`XmlCursor`] then walks the document with quick-xml's event API and a reused
//! buffer, never building a tree: it keeps only the stack of open elements (at most
//! [`MAX_DEPTH`]), the attributes of the element just opened and the text of the innermost one
//! (at most [`MAX_TEXT`] bytes). Unknown entity references, malformed or truncated XML, garbage
//! bytes, too deep nesting and too long text are each a fatal [`Problem`] located at the element
//! path where reading stopped. Processing instructions and comments are ignored.

use super::Problem;
use crate::domain::money;
use chrono::NaiveDate;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::io::BufRead;

/// Deepest element nesting accepted; ISO 20022 messages stay well under 20.
pub const MAX_DEPTH: usize = 64;
/// Longest text node or attribute value accepted, in bytes.
pub const MAX_TEXT: usize = 1 << 20;

/// Decodes the document to UTF-8 and refuses DTDs and entity declarations.
///
/// The encoding comes from a BOM or the `encoding` of the XML declaration (SPEC §7: "XML follows
/// its own declaration"); without either it is UTF-8.
pub fn prepare(bytes: &[u8]) -> Result<Cow<'_, [u8]>, Problem> {
    let text = decode(bytes)?;
    if let Some(what) = find_dtd(&text) {
        return Err(Problem::in_file(
            "",
            format!("{what} is not allowed in XML input (DTDs and entities are refused)"),
        ));
    }
    Ok(text)
}

fn decode(bytes: &[u8]) -> Result<Cow<'_, [u8]>, Problem> {
    let (encoding, bom_len) = match encoding_rs::Encoding::for_bom(bytes) {
        Some((enc, len)) => (enc, len),
        None => (declared_encoding(bytes)?, 0),
    };
    let body = bytes.get(bom_len..).unwrap_or_default();
    if encoding == encoding_rs::UTF_8 {
        return Ok(Cow::Borrowed(body));
    }
    let (text, _) = encoding.decode_without_bom_handling(body);
    Ok(Cow::Owned(text.into_owned().into_bytes()))
}

/// The encoding named by `<?xml … encoding="…"?>`, UTF-8 when absent.
fn declared_encoding(bytes: &[u8]) -> Result<&'static encoding_rs::Encoding, Problem> {
    let head = bytes.get(..bytes.len().min(200)).unwrap_or_default();
    if !head.starts_with(b"<?xml") {
        return Ok(encoding_rs::UTF_8);
    }
    let end = head.windows(2).position(|w| w == b"?>").unwrap_or(head.len());
    let decl = String::from_utf8_lossy(head.get(..end).unwrap_or_default()).into_owned();
    let Some(at) = decl.find("encoding") else { return Ok(encoding_rs::UTF_8) };
    let rest = decl.get(at + "encoding".len()..).unwrap_or_default().trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
    let label: String = rest.chars().skip(1).take_while(|c| *c != '"' && *c != '\'').collect();
    encoding_rs::Encoding::for_label(label.trim().as_bytes())
        .filter(|e| *e != encoding_rs::UTF_16LE && *e != encoding_rs::UTF_16BE)
        .ok_or_else(|| Problem::in_file("encoding", format!("unsupported XML encoding {label:?}")))
}

/// Finds `<!DOCTYPE` or `<!ENTITY` anywhere (case-insensitive), even inside comments: the
/// rule is about the bytes of the file, and a cheap scan cannot be fooled by the parser.
fn find_dtd(text: &[u8]) -> Option<&'static str> {
    text.windows(9).find_map(|w| {
        if w.eq_ignore_ascii_case(b"<!DOCTYPE") {
            Some("<!DOCTYPE")
        } else if w.get(..8).is_some_and(|p| p.eq_ignore_ascii_case(b"<!ENTITY")) {
            Some("<!ENTITY")
        } else {
            None
        }
    })
}

/// The ISO 20022 version in a namespace: `urn:…:camt.053.001.02` with marker `camt.053.` gives
/// `001.02`.
pub fn namespace_version(namespace: &str, marker: &str) -> Option<String> {
    let at = namespace.find(marker)? + marker.len();
    let version: String =
        namespace.get(at..)?.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let version = version.trim_end_matches('.');
    let ok = version.len() == 6 && version.as_bytes().get(3) == Some(&b'.');
    ok.then(|| version.to_owned())
}

/// Reads an `xs:date` or `xs:dateTime` by its date as written (SPEC §7: date-times count by their
/// date): `2024-03-07`, `2024-03-07+01:00`, `2024-03-07T08:00:00.000+01:00`.
pub fn xml_date(text: &str) -> Result<NaiveDate, String> {
    let bad = || format!("not a date: {:?}", crate::domain::dni::shorten(text));
    let (date, rest) = (text.get(..10).ok_or_else(bad)?, text.get(10..).unwrap_or_default());
    let rest_ok = rest.is_empty() || rest.starts_with(['T', 'Z', '+', '-']);
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
    rest_ok.then_some(date).ok_or_else(bad)
}

/// Reads an ISO 20022 amount whose `Ccy` must be the bank currency. Problems go to `problems`
/// (at `path`, field `field`); the value is still returned when it reads as a plain decimal,
/// so that `inspect` can show what a refused file states.
pub fn xml_amount(
    path: &str,
    field: &str,
    text: &str,
    ccy: Option<&str>,
    currency: &str,
    problems: &mut Vec<Problem>,
) -> Option<Decimal> {
    match ccy {
        None => {
            problems.push(Problem::at_element(path, format!("{field}@Ccy"), "the currency (Ccy) is missing"))
        }
        Some(c) if c != currency => problems.push(Problem::at_element(
            path,
            format!("{field}@Ccy"),
            format!("currency {c} is not the bank currency {currency}"),
        )),
        Some(_) => {}
    }
    match money::parse_xml_amount(text) {
        Ok(value) => Some(value),
        Err(reason) => {
            problems.push(Problem::at_element(path, field, reason));
            let plain =
                !text.is_empty() && text.len() <= 40 && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            plain.then(|| Decimal::from_str_exact(text).ok()).flatten()
        }
    }
}

/// One step through the document.
#[derive(Debug, PartialEq, Eq)]
pub enum Node {
    /// An element opened; its attributes are in [`XmlCursor::attr`] until the next step.
    Open(String),
    /// An element closed; [`XmlCursor::text`] holds its own text (trimmed) and
    /// [`XmlCursor::path`] still names it until the next step.
    Close(String),
    /// The document ended properly.
    End,
}

struct Frame {
    name: String,
    /// 1-based index among same-named siblings, shown only for repeatable names.
    index: Option<usize>,
    /// Same-named children seen so far (name, count), for the next child's index.
    children: Vec<(String, usize)>,
}

/// A streaming walk over an XML document that tracks the element path.
pub struct XmlCursor<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    stack: Vec<Frame>,
    repeatable: &'static [&'static str],
    attrs: Vec<(String, String)>,
    text: String,
    pop_pending: bool,
    root_seen: bool,
}

impl<R: BufRead> XmlCursor<R> {
    /// Starts a walk; elements named in `repeatable` get `[n]` in paths.
    pub fn new(input: R, repeatable: &'static [&'static str]) -> Self {
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = false;
        Self {
            reader,
            buf: Vec::new(),
            stack: Vec::new(),
            repeatable,
            attrs: Vec::new(),
            text: String::new(),
            pop_pending: false,
            root_seen: false,
        }
    }

    /// The path of the innermost open (or just closed) element, e.g. `/Document/A/Stmt[2]`.
    pub fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.stack {
            path.push('/');
            path.push_str(&frame.name);
            if let Some(i) = frame.index {
                path.push_str(&format!("[{i}]"));
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }

    /// Number of open elements (the root is depth 1).
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Local names of the open elements from `depth` (0-based) down, joined by `/`.
    pub fn rel_path(&self, depth: usize) -> String {
        let names: Vec<&str> = self.stack.iter().skip(depth).map(|f| f.name.as_str()).collect();
        names.join("/")
    }

    /// An attribute (by local name) of the element just opened.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The namespace declared on the element just opened (`xmlns` or `xmlns:prefix`) that
    /// contains `marker`, else the default namespace, else empty.
    pub fn namespace(&self, marker: &str) -> &str {
        let declared = self.attrs.iter().filter(|(k, _)| k == "xmlns" || k.starts_with("xmlns:"));
        let mut found = declared.clone().find(|(_, v)| v.contains(marker));
        found = found.or_else(|| declared.clone().find(|(k, _)| k == "xmlns"));
        found.map_or("", |(_, v)| v.as_str())
    }

    /// The trimmed text of the element just closed.
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    fn fail(&self, reason: impl Into<String>) -> Problem {
        Problem::at_element(self.path(), "", reason)
    }

    /// The next open or close; `Err` is fatal: the walk must stop there.
    pub fn advance(&mut self) -> Result<Node, Problem> {
        if self.pop_pending {
            self.stack.pop();
            self.pop_pending = false;
            self.text.clear();
        }
        loop {
            // The buffer is taken out so that the borrowed event does not lock `self`.
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let result = match self.reader.read_event_into(&mut buf) {
                Ok(event) => self.handle(event),
                Err(error) => Err(self.fail(format!("malformed XML: {error}"))),
            };
            self.buf = buf;
            if let Some(node) = result? {
                return Ok(node);
            }
        }
    }

    fn handle(&mut self, event: Event<'_>) -> Result<Option<Node>, Problem> {
        match event {
            Event::Start(start) | Event::Empty(start) => self.open(&start).map(Some),
            Event::End(end) => {
                let name = utf8(end.local_name().as_ref()).map_err(|r| self.fail(r))?;
                self.pop_pending = true;
                Ok(Some(Node::Close(name)))
            }
            Event::Text(text) if text.len() > MAX_TEXT => {
                Err(self.fail(format!("text longer than {MAX_TEXT} bytes")))
            }
            Event::Text(text) => {
                let raw = utf8(&text).map_err(|r| self.fail(r))?;
                let unescaped = quick_xml::escape::unescape(&raw)
                    .map_err(|e| self.fail(format!("bad entity or character reference: {e}")))?;
                self.push_text(&unescaped).map(|()| None)
            }
            Event::CData(data) => {
                let raw = utf8(&data).map_err(|r| self.fail(r))?;
                self.push_text(&raw).map(|()| None)
            }
            Event::DocType(_) => Err(self.fail("<!DOCTYPE is not allowed in XML input")),
            Event::Eof if self.stack.is_empty() && self.root_seen => Ok(Some(Node::End)),
            Event::Eof if self.stack.is_empty() => Err(self.fail("no root element: not an XML document")),
            Event::Eof => Err(self.fail(format!(
                "the file ends before </{}> (truncated)",
                self.stack.last().map(|f| f.name.as_str()).unwrap_or_default()
            ))),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => Ok(None),
        }
    }

    fn push_text(&mut self, text: &str) -> Result<(), Problem> {
        if self.stack.is_empty() {
            return if text.trim().is_empty() {
                Ok(())
            } else {
                Err(self.fail("malformed XML: text outside the root element"))
            };
        }
        if self.text.len() + text.len() > MAX_TEXT {
            return Err(self.fail(format!("text longer than {MAX_TEXT} bytes")));
        }
        self.text.push_str(text);
        Ok(())
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<Node, Problem> {
        let name = utf8(start.local_name().as_ref()).map_err(|r| self.fail(r))?;
        if self.stack.is_empty() && self.root_seen {
            return Err(self.fail(format!("malformed XML: a second root element <{name}>")));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.fail(format!("elements nested deeper than {MAX_DEPTH} levels")));
        }
        self.read_attrs(start)?;
        let index = self.child_index(&name);
        self.stack.push(Frame { name: name.clone(), index, children: Vec::new() });
        self.root_seen = true;
        self.text.clear();
        Ok(Node::Open(name))
    }

    fn child_index(&mut self, name: &str) -> Option<usize> {
        let parent = self.stack.last_mut()?;
        let count = match parent.children.iter_mut().find(|(n, _)| n == name) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                parent.children.push((name.to_owned(), 1));
                1
            }
        };
        self.repeatable.contains(&name).then_some(count)
    }

    fn read_attrs(&mut self, start: &BytesStart<'_>) -> Result<(), Problem> {
        self.attrs.clear();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.fail(format!("malformed XML attribute: {e}")))?;
            if attr.value.len() > MAX_TEXT {
                return Err(self.fail(format!("attribute longer than {MAX_TEXT} bytes")));
            }
            let key = utf8(attr.key.local_name().as_ref()).map_err(|r| self.fail(r))?;
            let raw = utf8(&attr.value).map_err(|r| self.fail(r))?;
            let value = quick_xml::escape::unescape(&raw)
                .map_err(|e| self.fail(format!("bad entity or character reference in {key}: {e}")))?;
            // `xmlns` and `xmlns:x` both have local name… keep the qualified key for those.
            let key = if attr.key.as_ref().starts_with(b"xmlns") { utf8(attr.key.as_ref()) } else { Ok(key) }
                .map_err(|r| self.fail(r))?;
            self.attrs.push((key, value.into_owned()));
        }
        Ok(())
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| "bytes that are not valid UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(xml: &[u8]) -> Result<Vec<String>, Problem> {
        let text = prepare(xml)?;
        let mut cursor = XmlCursor::new(&text[..], &["B"]);
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
}
