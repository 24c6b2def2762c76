//! [`XmlCursor`]: a streaming walk over a document that tracks the element path.

use super::input::{refusal_of, unreadable, Refusal};
use super::{MAX_DEPTH, MAX_TEXT};
use crate::formats::Problem;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::BufRead;

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
    /// Children of each repeatable name seen so far (index in `repeatable`, count), for the
    /// next one's index. Other names are not counted, so a frame stays small whatever the
    /// file holds.
    children: Vec<(usize, usize)>,
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
                Err(error) => Err(self.read_error(&error)),
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
