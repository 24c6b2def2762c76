//! Hostile-XML defences and the streaming reader shared by the ISO 20022 parsers (SPEC §7).
//!
//! [`open`] reads a file through a chain of small readers and never holds more than a few
//! buffers of it: the encoding is decided from the first bytes (BOM or XML declaration) and any
//! other encoding than UTF-8 is transcoded as it streams; a guard then refuses `<!DOCTYPE` or
//! `<!ENTITY` anywhere in the text (comments included) before the parser sees those bytes, so
//! no entity can ever be defined, let alone expanded, and it cuts any run of more than
//! [`MAX_RUN`] bytes without a `<` (or of more than [`MAX_TEXT`] bytes of text) so that no
//! single event can grow large. [`XmlCursor`] then walks the document with quick-xml's event
//! API and a reused buffer, never building a tree: it keeps only the stack of open elements (at
//! most [`MAX_DEPTH`]), the attributes of the element just opened and the text of the innermost
//! one (at most [`MAX_TEXT`] bytes). Unknown entity references, malformed or truncated XML,
//! garbage bytes, too deep nesting and too long text are each a fatal [`Problem`] located at the
//! element path where reading stopped; a DTD is a problem of the whole file. Processing
//! instructions and comments are ignored.

mod cursor;
mod input;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod reference_tests;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use cursor::{Node, XmlCursor};
pub use input::{open, GuardedText, XmlFile, HEAD_LEN};

use super::Problem;
use crate::domain::money;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Deepest element nesting accepted; ISO 20022 messages stay well under 20.
pub const MAX_DEPTH: usize = 64;
/// Longest text node or attribute value accepted, in bytes.
pub const MAX_TEXT: usize = 1 << 20;
/// Most bytes accepted between two `<`: a start tag with its attributes, a comment or a text.
/// Well above anything a real file has, it bounds what the parser buffers for one event.
pub const MAX_RUN: usize = 4 * MAX_TEXT;

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
    if let Some(date) = plain_date(text) {
        return Ok(date);
    }
    let bad = || format!("not a date: {:?}", crate::domain::dni::shorten(text));
    let (date, rest) = (text.get(..10).ok_or_else(bad)?, text.get(10..).unwrap_or_default());
    let rest_ok = rest.is_empty() || rest.starts_with(['T', 'Z', '+', '-']);
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
    rest_ok.then_some(date).ok_or_else(bad)
}

/// The usual `YYYY-MM-DD` (with nothing after it, or a time or zone), read from its digits:
/// every entry carries two dates, and chrono's format-string parser costs more than the rest of
/// the entry. `None` for anything else, which then goes through the general reading above; for
/// these ten bytes both give the same date (a property test holds them to it).
fn plain_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let date = bytes.get(..10)?;
    let digits = |range: std::ops::Range<usize>| {
        let part = date.get(range)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')))
    };
    let rest_ok = bytes.get(10).is_none_or(|b| matches!(b, b'T' | b'Z' | b'+' | b'-'));
    if !rest_ok || date.get(4) != Some(&b'-') || date.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
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
