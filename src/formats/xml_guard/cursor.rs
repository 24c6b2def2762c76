//! [`XmlCursor`]: a streaming walk over a document that tracks the element path.
//!
//! Every element of every file goes through here, so the walk allocates nothing in the steady
//! state: names are read as borrowed slices of quick-xml's one reused buffer, the element path
//! and the path of local names are kept as two strings grown and cut as elements open and
//! close, frames are reused from one sibling to the next, and attributes are copied into one
//! reused string. Text is checked as UTF-8 where it lies and unescaped only when it holds a
//! `&`.

use super::input::{refusal_of, unreadable, Refusal};
use super::{MAX_DEPTH, MAX_TEXT};
use crate::formats::Problem;
use compact_str::CompactString;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::fmt::Write as _;
use std::io::BufRead;
use std::ops::Range;

/// One step through the document.
#[derive(Debug, PartialEq, Eq)]
pub enum Node {
    /// An element opened (its local name); its attributes are in [`XmlCursor::attr`] until the
    /// next step.
    Open(CompactString),
    /// An element closed; [`XmlCursor::text`] holds its own text (trimmed) and
    /// [`XmlCursor::path`] still names it until the next step.
    Close(CompactString),
    /// The document ended properly.
    End,
}

struct Frame {
    /// Lengths of the cursor's `path` and `names` before this element was added to them.
    path_at: usize,
    names_at: usize,
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
    /// Frames of the open elements are `frames[..depth]`; those beyond are kept for reuse.
    frames: Vec<Frame>,
    depth: usize,
    /// `/Document/A/Stmt[2]`: the path shown in problems.
    path: String,
    /// `/Document/A/Stmt`: local names only, for [`XmlCursor::rel_path`].
    names: String,
    repeatable: &'static [&'static str],
    /// The attributes of the element just opened: (key, value) ranges of `attr_text`.
    attrs: Vec<(Range<usize>, Range<usize>)>,
    attr_text: String,
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
            frames: Vec::new(),
            depth: 0,
            path: String::new(),
            names: String::new(),
            repeatable,
            attrs: Vec::new(),
            attr_text: String::new(),
            text: String::new(),
            pop_pending: false,
            root_seen: false,
        }
    }

    /// The path of the innermost open (or just closed) element, e.g. `/Document/A/Stmt[2]`.
    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            "/"
        } else {
            &self.path
        }
    }

    /// The path of the element that holds the innermost one, e.g. `/Document/A` for
    /// `/Document/A/Stmt[2]`.
    pub fn parent_path(&self) -> &str {
        // Cut at the last `/` rather than at the frame: a malformed name may hold a `/`, and
        // the statements' places (`camt053::coverage`) have always been keyed this way.
        match self.path().rsplit_once('/') {
            Some(("", _)) | None => "/",
            Some((parent, _)) => parent,
        }
    }

    /// The position of the innermost element among its same-named siblings, for repeatable
    /// names (`2` for `/Document/A/Stmt[2]`).
    pub fn index(&self) -> Option<usize> {
        self.frames.get(self.depth.checked_sub(1)?)?.index
    }

    /// Number of open elements (the root is depth 1).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Local names of the open elements from `depth` (0-based) down, joined by `/`.
    pub fn rel_path(&self, depth: usize) -> &str {
        match self.frames.get(depth).filter(|_| depth < self.depth) {
            Some(frame) => self.names.get(frame.names_at + 1..).unwrap_or_default(),
            None => "",
        }
    }

    /// The local name of the innermost open (or just closed) element; empty before the root.
    pub fn name(&self) -> &str {
        self.rel_path(self.depth.saturating_sub(1))
    }

    /// An attribute (by local name) of the element just opened.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The namespace declared on the element just opened (`xmlns` or `xmlns:prefix`) that
    /// contains `marker`, else the default namespace, else empty.
    pub fn namespace(&self, marker: &str) -> &str {
        let declared = self.attributes().filter(|(k, _)| *k == "xmlns" || k.starts_with("xmlns:"));
        let mut found = declared.clone().find(|(_, v)| v.contains(marker));
        found = found.or_else(|| declared.clone().find(|(k, _)| *k == "xmlns"));
        found.map_or("", |(_, v)| v)
    }

    fn attributes(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        let text = |range: &Range<usize>| self.attr_text.get(range.clone()).unwrap_or_default();
        self.attrs.iter().map(move |(k, v)| (text(k), text(v)))
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
            self.pop();
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

    fn pop(&mut self) {
        let Some(depth) = self.depth.checked_sub(1) else { return };
        if let Some(frame) = self.frames.get(depth) {
            self.path.truncate(frame.path_at);
            self.names.truncate(frame.names_at);
        }
        self.depth = depth;
    }

    fn handle(&mut self, event: Event<'_>) -> Result<Option<Node>, Problem> {
        match event {
            Event::Start(start) | Event::Empty(start) => self.open(&start).map(Some),
            Event::End(end) => {
                let name = utf8(end.local_name().into_inner()).map_err(|r| self.fail(r))?;
                self.pop_pending = true;
                Ok(Some(Node::Close(name.into())))
            }
            Event::Text(text) if text.len() > MAX_TEXT => {
                Err(self.fail(format!("text longer than {MAX_TEXT} bytes")))
            }
            Event::Text(text) => {
                let raw = utf8(&text).map_err(|r| self.fail(r))?;
                if !raw.as_bytes().contains(&b'&') {
                    // Nothing to unescape (nearly every text): no call into the unescaper.
                    return self.push_text(raw).map(|()| None);
                }
                let unescaped = quick_xml::escape::unescape(raw)
                    .map_err(|e| self.fail(format!("bad entity or character reference: {e}")))?;
                self.push_text(&unescaped).map(|()| None)
            }
            Event::CData(data) => {
                let raw = utf8(&data).map_err(|r| self.fail(r))?;
                self.push_text(raw).map(|()| None)
            }
            Event::DocType(_) => Err(self.fail("<!DOCTYPE is not allowed in XML input")),
            Event::Eof if self.depth == 0 && self.root_seen => Ok(Some(Node::End)),
            Event::Eof if self.depth == 0 => Err(self.fail("no root element: not an XML document")),
            Event::Eof => Err(self.fail(format!("the file ends before </{}> (truncated)", self.name()))),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => Ok(None),
        }
    }

    fn push_text(&mut self, text: &str) -> Result<(), Problem> {
        if self.depth == 0 {
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
        let name = utf8(start.local_name().into_inner()).map_err(|r| self.fail(r))?;
        if self.depth == 0 && self.root_seen {
            return Err(self.fail(format!("malformed XML: a second root element <{name}>")));
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(format!("elements nested deeper than {MAX_DEPTH} levels")));
        }
        self.read_attrs(start)?;
        let index = self.child_index(name);
        self.push(name, index);
        self.root_seen = true;
        self.text.clear();
        Ok(Node::Open(name.into()))
    }

    /// Adds an element to the paths, reusing the frame a closed sibling left at this depth.
    fn push(&mut self, name: &str, index: Option<usize>) {
        let (path_at, names_at) = (self.path.len(), self.names.len());
        self.path.push('/');
        self.path.push_str(name);
        if let Some(i) = index {
            // Writing into a `String` cannot fail.
            let _ = write!(self.path, "[{i}]");
        }
        self.names.push('/');
        self.names.push_str(name);
        match self.frames.get_mut(self.depth) {
            Some(frame) => {
                frame.children.clear();
                (frame.path_at, frame.names_at, frame.index) = (path_at, names_at, index);
            }
            None => self.frames.push(Frame { path_at, names_at, index, children: Vec::new() }),
        }
        self.depth += 1;
    }

    fn child_index(&mut self, name: &str) -> Option<usize> {
        let parent = self.frames.get_mut(self.depth.checked_sub(1)?)?;
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
        self.attr_text.clear();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.fail(format!("malformed XML attribute: {e}")))?;
            if attr.value.len() > MAX_TEXT {
                return Err(self.fail(format!("attribute longer than {MAX_TEXT} bytes")));
            }
            let key = utf8(attr.key.local_name().into_inner()).map_err(|r| self.fail(r))?;
            let raw = utf8(&attr.value).map_err(|r| self.fail(r))?;
            let value = quick_xml::escape::unescape(raw)
                .map_err(|e| self.fail(format!("bad entity or character reference in {key}: {e}")))?;
            // `xmlns` and `xmlns:x` both have local name… keep the qualified key for those.
            let key =
                if attr.key.as_ref().starts_with(b"xmlns") { utf8(attr.key.into_inner()) } else { Ok(key) }
                    .map_err(|r| self.fail(r))?;
            let key_at = self.attr_text.len();
            self.attr_text.push_str(key);
            let value_at = self.attr_text.len();
            self.attr_text.push_str(&value);
            self.attrs.push((key_at..value_at, value_at..self.attr_text.len()));
        }
        Ok(())
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| "bytes that are not valid UTF-8".to_owned())
}
