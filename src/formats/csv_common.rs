//! Reading shared by the three CSV formats (SPEC §1, §7): the delimiter is the more frequent of
//! `;` and `,` in the header line (`,` on a tie); quoting is RFC 4180; line ends are LF or CRLF;
//! header names are trimmed, case-insensitive and in any order, unknown extra columns are ignored;
//! cells are trimmed; blank lines (also lines whose cells are all empty, as spreadsheets export
//! them) are skipped. Every record keeps its 1-based physical line so that each [`Problem`]
//! names where it is. Nothing here panics on input: a wrong field count or an unreadable record
//! is a problem, not an abort.
//!
//! ```text
//! dni;nombres;monto
//! 42388604;"Peña; María";300.00
//! ```

use super::{Location, Problem};
use crate::domain::money::parse_csv_amount;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One data record: where it starts and its trimmed cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// 1-based physical line on which the record starts.
    pub line: u64,
    pub cells: Vec<String>,
}

/// A CSV file whose header was found: the header's names and the data records after it.
#[derive(Clone, Debug)]
pub struct Table {
    pub delimiter: u8,
    pub header_line: u64,
    /// Header names, trimmed and lower-cased, in file order.
    pub header: Vec<String>,
    pub records: Vec<Record>,
}

/// Where each required column sits in the header.
#[derive(Clone, Debug)]
pub struct Columns {
    index: HashMap<&'static str, usize>,
    /// The number of fields every record must have: the header's.
    pub width: usize,
}

impl Columns {
    /// The trimmed cell of `name` in `record`, empty when the record is too short.
    pub fn cell<'a>(&self, record: &'a Record, name: &str) -> &'a str {
        self.index.get(name).and_then(|&i| record.cells.get(i)).map_or("", String::as_str)
    }
}

/// The more frequent of `;` and `,` in the header line, `,` on a tie (SPEC §7).
pub fn detect_delimiter(header_line: &str) -> u8 {
    let semicolons = header_line.matches(';').count();
    let commas = header_line.matches(',').count();
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// Reads the header and the records of `text`, then maps the `required` columns.
/// `None` (with the reasons in `problems`) when there is no usable header.
pub fn open(text: &str, required: &[&'static str], problems: &mut Vec<Problem>) -> Option<(Table, Columns)> {
    let table = read_table(text, problems)?;
    let columns = map_columns(&table.header, required, problems)?;
    Some((table, columns))
}

/// Reads `text` into a header and records. `None` when the file holds no header at all.
pub fn read_table(text: &str, problems: &mut Vec<Problem>) -> Option<Table> {
    let Some(header_text) = text.lines().find(|l| !l.trim().is_empty()) else {
        problems.push(Problem::in_file("", "the file is empty"));
        return None;
    };
    let delimiter = detect_delimiter(header_text);
    let mut records = read_records(text, delimiter, problems).into_iter();
    let Some(first) = records.next() else {
        problems.push(Problem::in_file("", "the file has no header line"));
        return None;
    };
    let header = first.cells.iter().map(|c| c.trim_start_matches('\u{feff}').trim().to_lowercase()).collect();
    Some(Table { delimiter, header_line: first.line, header, records: records.collect() })
}

/// Every non-blank record with trimmed cells. A record the csv reader cannot read ends the
/// reading with a problem on its line (RFC 4180 errors cannot occur on `&str` input in
/// practice, but the reader's contract allows them).
fn read_records(text: &str, delimiter: u8, problems: &mut Vec<Problem>) -> Vec<Record> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text);
    let mut records = Vec::new();
    for result in reader.records() {
        match result {
            Ok(record) => {
                let line = record.position().map_or(0, |p| lines.line_of_record_at(p.byte()));
                let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
                if cells.iter().any(|c| !c.is_empty()) {
                    records.push(Record { line, cells });
                }
            }
            Err(error) => {
                let line = error.position().map_or(0, |p| lines.line_of_record_at(p.byte()));
                problems.push(Problem::at_line(line, "", format!("unreadable CSV record: {error}")));
                break;
            }
        }
    }
    records
}

/// Physical line numbers from byte offsets. The csv reader's own `Position::line()` does not
/// count the blank lines it skips, and its byte offset points just after the previous record
/// (before that record's line end and any blank lines), so the record really starts at the
/// first byte after those line ends.
struct LineCounter<'a> {
    text: &'a [u8],
    /// Byte offset up to which `line` has counted line feeds.
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self { text: text.as_bytes(), offset: 0, line: 1 }
    }

    /// The 1-based line of the record whose reader position is `byte` (offsets only grow).
    fn line_of_record_at(&mut self, byte: u64) -> u64 {
        let from = usize::try_from(byte).unwrap_or(usize::MAX).clamp(self.offset, self.text.len());
        let rest = self.text.get(from..).unwrap_or_default();
        let start = from + rest.iter().take_while(|b| **b == b'\n' || **b == b'\r').count();
        let skipped = self.text.get(self.offset..start).unwrap_or_default();
        self.line += skipped.iter().filter(|b| **b == b'\n').count() as u64;
        self.offset = start;
        self.line
    }
}

/// Finds each required column (names already lower-cased). A missing or repeated required
/// column is a whole-file problem naming it; `None` when any is missing or repeated.
pub fn map_columns(
    header: &[String],
    required: &[&'static str],
    problems: &mut Vec<Problem>,
) -> Option<Columns> {
    let mut index = HashMap::new();
    let before = problems.len();
    for &name in required {
        let positions: Vec<usize> = (0..header.len()).filter(|&i| header[i] == name).collect();
        match positions.as_slice() {
            [i] => {
                index.insert(name, *i);
            }
            [] => problems.push(Problem::in_file(name, format!("missing header column {name:?}"))),
            _ => problems
                .push(Problem::in_file(name, format!("header column {name:?} appears more than once"))),
        }
    }
    (problems.len() == before).then_some(Columns { index, width: header.len() })
}

/// Whether the record has as many fields as the header; if not, a problem on its line.
pub fn check_width(record: &Record, columns: &Columns, problems: &mut Vec<Problem>) -> bool {
    if record.cells.len() == columns.width {
        return true;
    }
    problems.push(Problem::at_line(
        record.line,
        "",
        format!("expected {} fields as in the header, found {}", columns.width, record.cells.len()),
    ));
    false
}

/// Orders problems for the report: whole-file ones first, then by line; the order found is
/// kept within a line (fields left to right as checked).
pub fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by_key(|p| match p.location {
        Location::Line(n) => n,
        Location::File | Location::Element(_) => 0,
    });
}

/// Turns a field's parse result into an option, recording the reason as a problem.
pub fn check<T>(line: u64, field: &str, result: Result<T, String>, problems: &mut Vec<Problem>) -> Option<T> {
    result.map_err(|reason| problems.push(Problem::at_line(line, field, reason))).ok()
}

/// A CSV amount (SPEC §1) that must be > 0.
pub fn positive_amount(text: &str) -> Result<Decimal, String> {
    let amount = parse_csv_amount(text)?;
    if amount.is_zero() {
        Err("amount must be > 0, got 0".to_owned())
    } else {
        Ok(amount)
    }
}

/// Non-empty text.
pub fn non_empty(text: &str) -> Result<String, String> {
    if text.is_empty() {
        Err("must not be empty".to_owned())
    } else {
        Ok(text.to_owned())
    }
}

/// Remembers the first line of each value of a column that must be unique in the file.
#[derive(Default)]
pub struct Seen(HashMap<String, u64>);

impl Seen {
    /// Records `value` at `line`; a problem naming the first line when it was seen before.
    pub fn check(&mut self, value: &str, line: u64, field: &str, problems: &mut Vec<Problem>) -> bool {
        match self.0.get(value) {
            Some(&first) => {
                let shown = crate::domain::dni::shorten(value);
                problems.push(Problem::at_line(
                    line,
                    field,
                    format!(
                        "{field} {shown:?} already appears on line {first}; it must be unique in the file"
                    ),
                ));
                false
            }
            None => {
                self.0.insert(value.to_owned(), line);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests;
