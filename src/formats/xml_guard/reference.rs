//! The walk as it was first written, kept only as an oracle for the tests: a straightforward
//! cursor that builds every name, path and text as an owned `String`, over a guard that counts
//! every byte one by one. The streaming cursor and guard must do exactly what these do.

#![allow(dead_code)]

use super::input::{refusal_of, unreadable, Refusal};
use super::{MAX_DEPTH, MAX_RUN, MAX_TEXT};
use crate::formats::Problem;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::{self, BufRead, Read};

/// One step through the document.
#[derive(Debug, PartialEq, Eq)]
pub enum RefNode {
    /// An element opened; its attributes are in [`RefCursor::attr`] until the next step.
    Open(String),
    /// An element closed; [`RefCursor::text`] holds its own text (trimmed) and
    /// [`RefCursor::path`] still names it until the next step.
    Close(String),
    /// The document ended properly.
    End,
}

struct Frame {
    name: String,
    /// 1-based index among same-named siblings, shown only for repeatable names.
    index: Option<usize>,
    /// Children of each repeatable name seen so far (index in `repeatable`, count), for the
    /// next one's index. Other names are not counted, so a frame stays small whatever the
    /// file holds.
    children: Vec<(usize, usize)>,
}

/// A streaming walk over an XML document that tracks the element path.
pub struct RefCursor<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    stack: Vec<Frame>,
    repeatable: &'static [&'static str],
    attrs: Vec<(String, String)>,
    text: String,
    pop_pending: bool,
    root_seen: bool,
}

impl<R: BufRead> RefCursor<R> {
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

    /// The path of the element that holds the innermost one, e.g. `/Document/A` for
    /// `/Document/A/Stmt[2]`.
    pub fn parent_path(&self) -> String {
        let path = self.path();
        match path.rsplit_once('/') {
            Some(("", _)) | None => "/".to_owned(),
            Some((parent, _)) => parent.to_owned(),
        }
    }

    /// The position of the innermost element among its same-named siblings, for repeatable
    /// names (`2` for `/Document/A/Stmt[2]`).
    pub fn index(&self) -> Option<usize> {
        self.stack.last()?.index
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

    fn read_error(&self, error: &quick_xml::Error) -> Problem {
        let quick_xml::Error::Io(io) = error else { return self.fail(format!("malformed XML: {error}")) };
        match refusal_of(io) {
            Some(dtd @ Refusal::Dtd(_)) => Problem::in_file("", dtd.to_string()),
            Some(refusal) => self.fail(refusal.to_string()),
            None => unreadable(io),
        }
    }

    /// The next open or close; `Err` is fatal: the walk must stop there.
    pub fn advance(&mut self) -> Result<RefNode, Problem> {
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
                Err(error) => Err(self.read_error(&error)),
            };
            self.buf = buf;
            if let Some(node) = result? {
                return Ok(node);
            }
        }
    }

    fn handle(&mut self, event: Event<'_>) -> Result<Option<RefNode>, Problem> {
        match event {
            Event::Start(start) | Event::Empty(start) => self.open(&start).map(Some),
            Event::End(end) => {
                let name = utf8(end.local_name().as_ref()).map_err(|r| self.fail(r))?;
                self.pop_pending = true;
                Ok(Some(RefNode::Close(name)))
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
            Event::Eof if self.stack.is_empty() && self.root_seen => Ok(Some(RefNode::End)),
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

    fn open(&mut self, start: &BytesStart<'_>) -> Result<RefNode, Problem> {
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
        Ok(RefNode::Open(name))
    }

    fn child_index(&mut self, name: &str) -> Option<usize> {
        let parent = self.stack.last_mut()?;
        let kind = self.repeatable.iter().position(|r| *r == name)?;
        let count = match parent.children.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                parent.children.push((kind, 1));
                1
            }
        };
        Some(count)
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

const DOCTYPE: &[u8] = b"<!DOCTYPE";
const ENTITY: &[u8] = b"<!ENTITY";
const CHUNK: usize = 8 * 1024;

/// A buffered reader that hands on text only up to the first byte it refuses (see
/// [`Refusal`]), then fails at that byte however the input was cut into reads.
pub struct RefGuard<R: Read> {
    inner: R,
    buf: Box<[u8]>,
    /// `buf[start..safe]` may be handed on; `buf[safe..end]` is the refused byte and what
    /// follows, or a `<` waiting for the next read to tell whether it starts a `<!DOCTYPE`.
    start: usize,
    safe: usize,
    end: usize,
    eof: bool,
    refusal: Option<Refusal>,
    /// Bytes since the last `<`.
    run: usize,
    /// Bytes since the last `>` when no `<` came after it: text, as far as this scan can tell.
    text: Option<usize>,
}

impl<R: Read> RefGuard<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            safe: 0,
            end: 0,
            eof: false,
            refusal: None,
            run: 0,
            // A document starts outside any markup: what comes before `<` is text.
            text: Some(0),
        }
    }

    fn refused(&self) -> io::Result<()> {
        match self.refusal {
            Some(refusal) => Err(io::Error::new(io::ErrorKind::InvalidData, refusal)),
            None => Ok(()),
        }
    }

    /// Reads until some byte may be handed on, the input ends or a byte is refused.
    fn refill(&mut self) -> io::Result<()> {
        while self.safe == self.start && !self.eof && self.refusal.is_none() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.safe -= self.start;
            self.start = 0;
            let read = self.inner.read(&mut self.buf[self.end..])?;
            self.eof = read == 0;
            self.end += read;
            self.scan();
        }
        Ok(())
    }

    fn scan(&mut self) {
        while self.safe < self.end {
            let at = self.safe;
            let byte = self.buf[at];
            if byte == b'<' {
                let ahead = &self.buf[at..self.end];
                if ahead.len() < DOCTYPE.len() && !self.eof && could_become_dtd(ahead) {
                    break; // Decided when the next read completes the keyword or not.
                }
                if let Some(what) = dtd_keyword(ahead) {
                    self.refusal = Some(Refusal::Dtd(what));
                    break;
                }
                self.run = 0;
                self.text = None;
            } else {
                self.run += 1;
                if byte == b'>' {
                    self.text = Some(0);
                } else if let Some(text) = self.text.as_mut() {
                    *text += 1;
                }
                if self.text.is_some_and(|t| t > MAX_TEXT) {
                    self.refusal = Some(Refusal::LongText);
                    break;
                }
                if self.run > MAX_RUN {
                    self.refusal = Some(Refusal::LongRun);
                    break;
                }
            }
            self.safe += 1;
        }
    }
}

/// Whether `ahead`, shorter than the keywords, starts one of them (case-insensitive).
fn could_become_dtd(ahead: &[u8]) -> bool {
    [DOCTYPE, ENTITY].iter().any(|k| k.get(..ahead.len()).is_some_and(|p| p.eq_ignore_ascii_case(ahead)))
}

fn dtd_keyword(ahead: &[u8]) -> Option<&'static str> {
    let starts = |k: &[u8]| ahead.get(..k.len()).is_some_and(|p| p.eq_ignore_ascii_case(k));
    if starts(DOCTYPE) {
        Some("<!DOCTYPE")
    } else if starts(ENTITY) {
        Some("<!ENTITY")
    } else {
        None
    }
}

impl<R: Read> BufRead for RefGuard<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.safe == self.start {
            self.refused()?;
            self.refill()?;
            if self.safe == self.start {
                self.refused()?;
            }
        }
        Ok(&self.buf[self.start..self.safe])
    }

    fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.safe);
    }
}

impl<R: Read> Read for RefGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// `xml_date` as first written: every date through chrono's format-string parser.
pub fn xml_date(text: &str) -> Result<chrono::NaiveDate, String> {
    let bad = || format!("not a date: {:?}", crate::domain::dni::shorten(text));
    let (date, rest) = (text.get(..10).ok_or_else(bad)?, text.get(10..).unwrap_or_default());
    let rest_ok = rest.is_empty() || rest.starts_with(['T', 'Z', '+', '-']);
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
    rest_ok.then_some(date).ok_or_else(bad)
}
