//! Splits MT940 text into messages of tagged fields, each field with its 1-based physical line
//! and its continuation lines.
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

/// One tagged field: `:61:` value plus the untagged lines that follow it.
#[derive(Debug, Clone)]
pub(super) struct Field {
    pub line: u64,
    /// The tag without colons, e.g. `61`, `60F`.
    pub tag: String,
    pub value: String,
    pub continuation: Vec<(u64, String)>,
}

/// One message (`:20:` … `-`): a page of a statement.
#[derive(Debug, Clone, Default)]
pub(super) struct Message {
    pub line: u64,
    pub fields: Vec<Field>,
}

/// The messages of a file, or the reason it is not an MT940 file at all.
pub(super) enum Split {
    Messages(Vec<Message>, Vec<Problem>),
    NotMt940(Problem),
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

/// Splits the text into messages.
pub(super) fn split(text: &str) -> Split {
    let lines: Vec<&str> = text.split('\n').map(clean).collect();
    let mut splitter = Splitter::default();
    for (index, raw) in lines.iter().enumerate() {
        let number = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
        match classify(raw) {
            Line::Blank => {}
            Line::Blocks(Some(kind), _) if kind != "940" => {
                return Split::NotMt940(wrong_type(number, &kind))
            }
            Line::Blocks(_, None) => {}
            Line::Blocks(_, Some(rest)) => {
                splitter.close();
                splitter.current = Some(Message { line: number, fields: Vec::new() });
                if !rest.trim().is_empty() {
                    splitter.text(number, rest);
                }
            }
            Line::Close => splitter.close(),
            Line::Dash if dash_ends_message(&lines[index + 1..]) => splitter.close(),
            Line::Dash => splitter.text(number, "-"),
            Line::Text(text) => splitter.text(number, text),
        }
        if let Some(problem) = splitter.mt942.take() {
            return Split::NotMt940(problem);
        }
    }
    splitter.close();
    Split::Messages(splitter.messages, splitter.problems)
}

/// Drops a BOM or DOS end-of-file mark (Ctrl-Z) before a line and blanks or control
/// characters after it.
fn clean(line: &str) -> &str {
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

fn dash_ends_message(rest: &[&str]) -> bool {
    match rest.iter().find(|l| !l.trim().is_empty()) {
        None => true,
        Some(next) => next.starts_with(":20:") || next.starts_with('{') || split_tag(next).is_none(),
    }
}

/// `:61:value` → (`61`, `value`).
pub(super) fn split_tag(line: &str) -> Option<(&str, &str)> {
    let body = line.strip_prefix(':')?;
    let end = body.find(':')?;
    let tag = &body[..end];
    let ok =
        (1..=4).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    ok.then(|| (tag, &body[end + 1..]))
}

#[derive(Default)]
struct Splitter {
    current: Option<Message>,
    messages: Vec<Message>,
    problems: Vec<Problem>,
    mt942: Option<Problem>,
}

impl Splitter {
    fn close(&mut self) {
        if let Some(message) = self.current.take() {
            self.messages.push(message);
        }
    }

    fn text(&mut self, number: u64, text: &str) {
        match split_tag(text) {
            Some((tag, value)) => self.tag(number, tag, value),
            None => {
                if let Some(field) = self.current.as_mut().and_then(|m| m.fields.last_mut()) {
                    field.continuation.push((number, text.to_owned()));
                }
            }
        }
    }

    fn tag(&mut self, number: u64, tag: &str, value: &str) {
        if MT942_TAGS.contains(&tag) {
            self.mt942 = Some(Problem::at_line(
                number,
                format!(":{tag}:"),
                "this is an MT942 interim transaction report, not an MT940 statement",
            ));
            return;
        }
        let has_20 = self.current.as_ref().is_some_and(|m| m.fields.iter().any(|f| f.tag == "20"));
        if tag == "20" && (self.current.is_none() || has_20) {
            self.close();
            self.current = Some(Message { line: number, fields: Vec::new() });
        } else if self.current.is_none() {
            if !STATEMENT_TAGS.contains(&tag) {
                return;
            }
            self.problems.push(Problem::at_line(
                number,
                ":20:",
                format!("tag :{tag}: outside a message: a statement must start with :20:"),
            ));
            self.current = Some(Message { line: number, fields: Vec::new() });
        }
        let field =
            Field { line: number, tag: tag.to_owned(), value: value.to_owned(), continuation: Vec::new() };
        if let Some(message) = self.current.as_mut() {
            message.fields.push(field);
        }
    }
}
