//! Splits MT940 text, one physical line at a time, into messages of tagged fields, each field
//! with its 1-based physical line and its continuation lines. Only the message being read is
//! held; each message is handed on as soon as it closes.
//!
//! Rules (decided here because banks disagree):
//! - Lines end in LF or CRLF; trailing blanks are dropped; blank lines are skipped everywhere;
//!   a DOS end-of-file mark (Ctrl-Z) is ignored.
//! - SWIFT block wrappers `{1:…}{2:…}{3:…}{4:` open a message (text after `{4:` on the same line
//!   is read as a line); `-}` (optionally followed by `{5:…}`) closes it. The message type of
//!   block 2 must be 940.
//! - A bare `-` line closes a message when what follows (after blank lines) is the end of the
//!   file, a `:20:` tag, a block wrapper or untagged text; before any other tag it is text of
//!   the current field (some banks wrap `:86:` so that a line is only `-`).
//! - A `:20:` tag starts a new message. A line `:XX:` (1–4 letters or digits between colons)
//!   is a tag; any other line continues the field above it.
//! - Text outside a message (bank preambles such as `ABNANL2A` / `940`, or a `:940:` line) is
//!   ignored. A statement tag outside a message is a problem (`:20:` missing) and opens one.

use crate::formats::Problem;
use std::collections::VecDeque;

/// One tagged field: `:61:` value plus the untagged lines that follow it.
#[derive(Debug, Clone)]
pub(super) struct Field {
    pub line: u64,
    /// The tag without colons, e.g. `61`, `60F`.
    pub tag: Tag,
    pub value: String,
    pub continuation: Vec<(u64, String)>,
}

/// A tag without colons: 1–4 upper-case letters or digits, kept inline (a line's tag is read
/// on every line, so it is not worth an allocation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Tag {
    bytes: [u8; 4],
    len: u8,
}

impl Tag {
    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

/// A tag of up to 4 ASCII characters as written; anything else (never a tag `split_tag` let
/// through) is the empty tag.
impl From<&str> for Tag {
    fn from(text: &str) -> Self {
        let mut bytes = [0u8; 4];
        match bytes.get_mut(..text.len()) {
            Some(slot) if text.is_ascii() => {
                slot.copy_from_slice(text.as_bytes());
                Self { bytes, len: u8::try_from(text.len()).unwrap_or(0) }
            }
            _ => Self { bytes, len: 0 },
        }
    }
}

impl PartialEq<&str> for Tag {
    fn eq(&self, other: &&str) -> bool {
        // By bytes: a tag is compared on every field, and `as_str` checks UTF-8 each time.
        self.bytes.get(..usize::from(self.len)) == Some(other.as_bytes())
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// One message (`:20:` … `-`): a page of a statement.
#[derive(Debug, Clone, Default)]
pub(super) struct Message {
    pub line: u64,
    pub fields: Vec<Field>,
}

/// Tags an MT940 statement uses; outside a message they mean `:20:` is missing.
const STATEMENT_TAGS: [&str; 11] = ["25", "28", "28C", "60F", "60M", "61", "86", "62F", "62M", "64", "65"];
/// Tags only an MT942 interim report carries.
const MT942_TAGS: [&str; 5] = ["34F", "13", "13D", "90D", "90C"];

enum Line<'a> {
    Blank,
    Dash,
    /// `{1:…}{2:…}{4:` header lines: the message type of block 2 when present, and what
    /// follows `{4:` when the line opens the text block.
    Blocks(Option<String>, Option<&'a str>),
    Close,
    Text(&'a str),
}

/// Reads lines into messages.
#[derive(Default)]
pub(super) struct Splitter {
    current: Option<Message>,
    /// The line of a bare `-` not yet decided: whether it closes the message or is text of the
    /// current field depends on the next non-blank line.
    pending_dash: Option<u64>,
    /// Messages closed and not yet taken.
    closed: VecDeque<Message>,
}

impl Splitter {
    /// Reads physical line `number` (1-based). `Err` with the one reason when the line shows
    /// that the file is not an MT940 statement at all (another message type, an MT942 tag).
    pub fn line(&mut self, number: u64, raw: &str, problems: &mut Vec<Problem>) -> Result<(), Problem> {
        let line = clean(raw);
        let kind = classify(line);
        if matches!(kind, Line::Blank) {
            return Ok(());
        }
        if let Some(dash) = self.pending_dash.take() {
            if dash_ends_message(Some(line)) {
                self.close();
            } else {
                self.text(dash, "-", problems)?;
            }
        }
        match kind {
            Line::Blocks(Some(kind), _) if kind != "940" => return Err(wrong_type(number, &kind)),
            Line::Blank | Line::Blocks(_, None) => {}
            Line::Blocks(_, Some(rest)) => {
                self.close();
                self.current = Some(Message { line: number, fields: Vec::new() });
                if !rest.trim().is_empty() {
                    self.text(number, rest, problems)?;
                }
            }
            Line::Close => self.close(),
            Line::Dash => self.pending_dash = Some(number),
            Line::Text(text) => self.text(number, text, problems)?,
        }
        Ok(())
    }

    /// Closes what is open at the end of the file.
    pub fn finish(&mut self) {
        self.pending_dash = None;
        self.close();
    }

    /// The next closed message, in file order.
    pub fn take_closed(&mut self) -> Option<Message> {
        self.closed.pop_front()
    }
}

/// Drops a BOM or DOS end-of-file mark (Ctrl-Z) before a line and blanks or control
/// characters after it.
fn clean(line: &str) -> &str {
    // The usual line starts with ASCII other than Ctrl-Z and ends in a visible ASCII character:
    // nothing to drop, and no walk over its characters from either end.
    let bytes = line.as_bytes();
    let plain_start = bytes.first().is_some_and(|b| b.is_ascii() && *b != 0x1a);
    let visible = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_graphic);
    if plain_start && bytes.len() > 1 {
        match bytes.len() - 1 {
            last if visible(last) => return line,
            // A CRLF line: only its `\r` goes.
            last if bytes[last] == b'\r' && visible(last - 1) => return &line[..last],
            _ => {}
        }
    }
    line.trim_start_matches(['\u{feff}', '\u{1a}'])
        .trim_end_matches(|c: char| c.is_whitespace() || c.is_control())
}

fn wrong_type(line: u64, kind: &str) -> Problem {
    let reason = if kind == "942" {
        "this is an MT942 interim transaction report, not an MT940 statement".to_owned()
    } else {
        format!("message type MT{kind} is not an MT940 statement")
    };
    Problem::at_line(line, "{2:} message type", reason)
}

fn classify(line: &str) -> Line<'_> {
    if line.trim().is_empty() {
        return Line::Blank;
    }
    if line.trim() == "-" {
        return Line::Dash;
    }
    if line.starts_with("-}") {
        return Line::Close;
    }
    if line.starts_with('{') {
        return classify_blocks(line);
    }
    Line::Text(line)
}

/// Reads `{1:…}{2:…}{3:{108:…}}{4:` block headers.
fn classify_blocks(line: &str) -> Line<'_> {
    let mut rest = line;
    let mut kind = None;
    while let Some(after) = rest.strip_prefix('{') {
        if let Some(body) = after.strip_prefix("4:") {
            return Line::Blocks(kind, Some(body));
        }
        let Some(end) = matching_brace(after) else { break };
        let block = &after[..end];
        if let Some(app) = block.strip_prefix("2:") {
            kind = app.get(1..4).map(str::to_owned);
        }
        rest = &after[end + 1..];
    }
    Line::Blocks(kind, None)
}

/// Index of the `}` closing a block whose `{` was just consumed.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, ch) in text.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(at),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Whether a bare `-` closes the message, given the next non-blank line (`None`: the end of
/// the file).
fn dash_ends_message(next: Option<&str>) -> bool {
    match next {
        None => true,
        Some(next) => next.starts_with(":20:") || next.starts_with('{') || split_tag(next).is_none(),
    }
}

/// `:61:value` → (`61`, `value`).
pub(super) fn split_tag(line: &str) -> Option<(&str, &str)> {
    let body = line.strip_prefix(':')?;
    // A tag is at most 4 characters, so its closing colon is within the first 5 bytes; a line
    // of text is not searched to its end.
    let end = body.as_bytes().iter().take(5).position(|b| *b == b':')?;
    let tag = &body[..end];
    let ok =
        (1..=4).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    ok.then(|| (tag, &body[end + 1..]))
}

impl Splitter {
    fn close(&mut self) {
        if let Some(message) = self.current.take() {
            self.closed.push_back(message);
        }
    }

    fn text(&mut self, number: u64, text: &str, problems: &mut Vec<Problem>) -> Result<(), Problem> {
        match split_tag(text) {
            Some((tag, value)) => self.tag(number, tag, value, problems)?,
            None => {
                if let Some(field) = self.current.as_mut().and_then(|m| m.fields.last_mut()) {
                    field.continuation.push((number, text.to_owned()));
                }
            }
        }
        Ok(())
    }

    fn tag(
        &mut self,
        number: u64,
        tag: &str,
        value: &str,
        problems: &mut Vec<Problem>,
    ) -> Result<(), Problem> {
        if MT942_TAGS.contains(&tag) {
            return Err(Problem::at_line(
                number,
                format!(":{tag}:"),
                "this is an MT942 interim transaction report, not an MT940 statement",
            ));
        }
        let has_20 = self.current.as_ref().is_some_and(|m| m.fields.iter().any(|f| f.tag == "20"));
        if tag == "20" && (self.current.is_none() || has_20) {
            self.close();
            self.current = Some(Message { line: number, fields: Vec::new() });
        } else if self.current.is_none() {
            if !STATEMENT_TAGS.contains(&tag) {
                return Ok(());
            }
            problems.push(Problem::at_line(
                number,
                ":20:",
                format!("tag :{tag}: outside a message: a statement must start with :20:"),
            ));
            self.current = Some(Message { line: number, fields: Vec::new() });
        }
        let field =
            Field { line: number, tag: Tag::from(tag), value: value.to_owned(), continuation: Vec::new() };
        if let Some(message) = self.current.as_mut() {
            message.fields.push(field);
        }
        Ok(())
    }
}

#[cfg(test)]
mod fast_path_tests {
    /// `clean` as first written, with no shortcut for the usual line.
    fn clean_reference(line: &str) -> &str {
        line.trim_start_matches(['\u{feff}', '\u{1a}'])
            .trim_end_matches(|c: char| c.is_whitespace() || c.is_control())
    }

    proptest::proptest! {
        #[test]
        fn clean_drops_what_the_plain_trim_drops(line in "[\u{feff}\u{1a} \t\r\u{a0}\u{85}:0-9A-Z,-]{0,3}[ -~é]{0,12}[\u{feff}\u{1a} \t\r\u{a0}\u{85}\u{7f}~a-z]{0,3}\r?") {
            proptest::prop_assert_eq!(super::clean(&line), clean_reference(&line));
        }

        /// Searching only the first bytes for the closing colon finds the tags a search of
        /// the whole line finds.
        #[test]
        fn tags_are_split_as_a_whole_line_search_splits(line in ":?[0-9A-Za-z:é ]{0,8}:?[0-9A-Z, :]{0,6}") {
            let reference = line.strip_prefix(':').and_then(|body| {
                let end = body.find(':')?;
                let tag = &body[..end];
                let ok = (1..=4).contains(&tag.len())
                    && tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
                ok.then(|| (tag, &body[end + 1..]))
            });
            proptest::prop_assert_eq!(super::split_tag(&line), reference);
        }

        #[test]
        fn tags_compare_as_their_text(tag in "[0-9A-Z]{0,4}", other in "[0-9A-Zé]{0,5}") {
            let parsed = super::Tag::from(tag.as_str());
            proptest::prop_assert_eq!(parsed == other.as_str(), parsed.as_str() == other);
        }
    }
}
