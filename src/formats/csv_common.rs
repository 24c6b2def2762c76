//! Reading shared by the three CSV formats (SPEC §1, §7): the delimiter is the more frequent of
//! `;` and `,` in the header line (`,` on a tie); quoting is RFC 4180; line ends are LF or CRLF;
//! header names are trimmed, case-insensitive and in any order, unknown extra columns are ignored;
//! cells are trimmed; blank lines (also lines whose cells are all empty, as spreadsheets export
//! them) are skipped. Every record keeps its 1-based physical line so that each [`Problem`]
//! names where it is. Nothing here panics on input: a wrong field count or an unreadable record
//! is a problem, not an abort. Files are read as a stream ([`CsvReader`]), one record at a time.
//!
//! ```text
//! dni;nombres;monto
//! 42388604;"Peña; María";300.00
//! ```

mod reader;

pub use reader::{CsvReader, Row};

use super::{Location, Problem};
use crate::domain::money::parse_csv_amount;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::BufRead;

/// One data record: where it starts and its trimmed cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// 1-based physical line on which the record starts.
    pub line: u64,
    pub cells: Vec<String>,
}

impl Record {
    /// The record a row holds, its cells copied.
    pub fn of(row: &Row<'_>) -> Self {
        Self { line: row.line, cells: row.cells().map(str::to_owned).collect() }
    }
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
    /// The record position of each required column, in the order they were required.
    positions: Vec<usize>,
    /// The number of fields every record must have: the header's.
    pub width: usize,
}

impl Columns {
    /// The trimmed cell of `name` in `record`, empty when the record is too short.
    pub fn cell<'a>(&self, record: &'a Record, name: &str) -> &'a str {
        self.index.get(name).and_then(|&i| record.cells.get(i)).map_or("", String::as_str)
    }
}

/// The index of `name` in a format's `columns`, fixed when the program is compiled, so that a
/// row's cell is found by position rather than by name.
pub const fn column(columns: &[&str], name: &str) -> usize {
    let mut at = 0;
    while at < columns.len() {
        if equal(columns[at].as_bytes(), name.as_bytes()) {
            return at;
        }
        at += 1;
    }
    panic!("not one of the format's columns")
}

const fn equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut at = 0;
    while at < a.len() {
        if a[at] != b[at] {
            return false;
        }
        at += 1;
    }
    true
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

/// Starts reading `reader` (UTF-8 text), reads the header and maps the `required` columns.
/// `None` (with the reasons in `problems`) when there is no usable header; the reader is then
/// left wherever it stopped.
pub fn open<R: BufRead>(
    reader: R,
    required: &[&'static str],
    problems: &mut Vec<Problem>,
) -> Option<(CsvReader<R>, Columns)> {
    let (reader, header, _) = read_header(reader, problems)?;
    let columns = map_columns(&header, required, problems)?;
    Some((reader, columns))
}

/// Starts reading and reads the header: its names and its line.
fn read_header<R: BufRead>(
    reader: R,
    problems: &mut Vec<Problem>,
) -> Option<(CsvReader<R>, Vec<String>, u64)> {
    let mut reader = CsvReader::start(reader, problems)?;
    if !reader.next(problems) {
        problems.push(Problem::in_file("", "the file has no header line"));
        return None;
    }
    let row = reader.plain_row();
    let header = row.cells().map(|c| c.trim_start_matches('\u{feff}').trim().to_lowercase()).collect();
    let line = row.line;
    Some((reader, header, line))
}

/// Reads the whole of `text` into a header and records. `None` when the file holds no header
/// at all. (The formats stream; this is for small callers and tests.)
pub fn read_table(text: &str, problems: &mut Vec<Problem>) -> Option<Table> {
    let (mut reader, header, header_line) = read_header(text.as_bytes(), problems)?;
    let mut records = Vec::new();
    while reader.next(problems) {
        records.push(Record::of(&reader.plain_row()));
    }
    Some(Table { delimiter: reader.delimiter(), header_line, header, records })
}

/// Finds each required column (names already lower-cased). A missing or repeated required
/// column is a whole-file problem naming it; `None` when any is missing or repeated.
pub fn map_columns(
    header: &[String],
    required: &[&'static str],
    problems: &mut Vec<Problem>,
) -> Option<Columns> {
    let mut index = HashMap::new();
    let mut positions = Vec::with_capacity(required.len());
    let before = problems.len();
    for &name in required {
        let found: Vec<usize> = (0..header.len()).filter(|&i| header[i] == name).collect();
        match found.as_slice() {
            [i] => {
                index.insert(name, *i);
                positions.push(*i);
            }
            [] => problems.push(Problem::in_file(name, format!("missing header column {name:?}"))),
            _ => problems
                .push(Problem::in_file(name, format!("header column {name:?} appears more than once"))),
        }
    }
    (problems.len() == before).then_some(Columns { index, positions, width: header.len() })
}

/// Whether the record has as many fields as the header; if not, a problem on its line.
pub fn check_width(record: &Record, columns: &Columns, problems: &mut Vec<Problem>) -> bool {
    same_width(record.line, record.cells.len(), columns, problems)
}

/// Whether the row has as many fields as the header; if not, a problem on its line.
pub fn check_row_width(row: &Row<'_>, columns: &Columns, problems: &mut Vec<Problem>) -> bool {
    same_width(row.line, row.width(), columns, problems)
}

fn same_width(line: u64, found: usize, columns: &Columns, problems: &mut Vec<Problem>) -> bool {
    if found == columns.width {
        return true;
    }
    let reason = format!("expected {} fields as in the header, found {found}", columns.width);
    problems.push(Problem::at_line(line, "", reason));
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

/// A line for each value of a column, in a per-file index that lets a streamed file be checked
/// without keeping its rows. Values are keyed exactly in 16 bytes (see `packed`), so a value
/// costs the index 20 bytes (key and line) and the hash table's slack; a value that does not
/// pack (never a valid DNI, CCI or `referencia`) is kept as text. A line past 4,294,967,295 is
/// remembered as that number (a file that long would be hundreds of GB).
#[derive(Default)]
pub struct LineIndex {
    /// `ahash` rather than SipHash: a lookup or two a row, keys from the file but never the
    /// order of anything reported. The key as four `u32`s rather than a `u128`, and the line as
    /// a `u32`: an entry of 20 bytes instead of 32 (a `u128` is aligned to 16).
    packed: crate::records::HashMap<[u32; 4], u32>,
    other: crate::records::HashMap<Box<str>, u64>,
}

impl LineIndex {
    /// The line already held for `value`; else `line`, which is then held.
    pub fn first_or_insert(&mut self, value: &str, line: u64) -> u64 {
        match packed(value) {
            Some(key) => match self.packed.entry(split(key)) {
                std::collections::hash_map::Entry::Vacant(new) => {
                    new.insert(short_line(line));
                    line
                }
                std::collections::hash_map::Entry::Occupied(held) => u64::from(*held.get()),
            },
            None => *self.other.entry(value.into()).or_insert(line),
        }
    }

    /// Holds `line` for `value`, replacing any line held.
    pub fn insert(&mut self, value: &str, line: u64) {
        match packed(value) {
            Some(key) => {
                self.packed.insert(split(key), short_line(line));
            }
            None => {
                self.other.insert(value.into(), line);
            }
        }
    }

    /// The line held for `value`, which is no longer held.
    pub fn remove(&mut self, value: &str) -> Option<u64> {
        match packed(value) {
            Some(key) => self.packed.remove(&split(key)).map(u64::from),
            None => self.other.remove(value),
        }
    }
}

fn short_line(line: u64) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// Remembers the first line of each value of a column that must be unique in the file (a
/// [`LineIndex`]): 60–80 bytes at most for the two unique columns of a roster row, ~1.6 GB for
/// a 20-million-row roster.
#[derive(Default)]
pub struct Seen {
    first_lines: LineIndex,
}

impl Seen {
    /// Records `value` at `line`; a problem naming the first line when it was seen before.
    pub fn check(&mut self, value: &str, line: u64, field: &str, problems: &mut Vec<Problem>) -> bool {
        let first = self.first_lines.first_or_insert(value, line);
        if first == line {
            return true;
        }
        let shown = crate::domain::dni::shorten(value);
        problems.push(Problem::at_line(
            line,
            field,
            format!("{field} {shown:?} already appears on line {first}; it must be unique in the file"),
        ));
        false
    }
}

/// A packed key as four words (see [`LineIndex`]).
fn split(key: u128) -> [u32; 4] {
    [(key >> 96) as u32, (key >> 64) as u32, (key >> 32) as u32, key as u32]
}

/// `value` as 128 bits, one-to-one: ASCII text of up to 16 bytes without NUL as its bytes
/// (top bit clear), 17 to 36 digits as their number with the count of digits above it (top
/// bit set). `None` for anything else.
fn packed(value: &str) -> Option<u128> {
    let bytes = value.as_bytes();
    if bytes.len() <= 16 && value.is_ascii() && !bytes.contains(&0) {
        let mut padded = [0u8; 16];
        padded.get_mut(..bytes.len())?.copy_from_slice(bytes);
        return Some(u128::from_be_bytes(padded));
    }
    if bytes.len() <= 36 && bytes.iter().all(u8::is_ascii_digit) {
        let number = bytes.iter().fold(0u128, |n, b| n * 10 + u128::from(b - b'0'));
        return Some(1 << 127 | (bytes.len() as u128) << 120 | number);
    }
    None
}

#[cfg(test)]
mod tests;
