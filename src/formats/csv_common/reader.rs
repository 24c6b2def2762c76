//! The streaming reader under the three CSV formats: it decides the delimiter on the first
//! non-blank line, then hands out one non-blank record at a time, with the physical line it
//! starts on, in one record buffer reused for the whole file. Memory holds the csv crate's
//! buffer and the current record, whatever the size of the file.

use super::{detect_delimiter, Columns, Problem};
use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

/// A CSV file read one record at a time.
pub struct CsvReader<R: BufRead> {
    csv: csv::Reader<LineTracker<io::Chain<io::Cursor<Vec<u8>>, R>>>,
    record: csv::StringRecord,
    /// The line the current record starts on.
    line: u64,
    delimiter: u8,
    done: bool,
}

impl<R: BufRead> CsvReader<R> {
    /// Starts reading `reader` (UTF-8 text). `None`, with the problem, when the file has no
    /// non-blank line. Leading blank lines are read past here and only counted, so that the
    /// line read ahead to find the delimiter is the only text held before the csv reader runs.
    pub fn start(mut reader: R, problems: &mut Vec<Problem>) -> Option<Self> {
        let mut first = Vec::new();
        let mut blank_lines = 0u64;
        loop {
            first.clear();
            match reader.read_until(b'\n', &mut first) {
                Ok(0) => {
                    problems.push(Problem::in_file("", "the file is empty"));
                    return None;
                }
                Ok(_) if String::from_utf8_lossy(&first).trim().is_empty() => blank_lines += 1,
                Ok(_) => break,
                Err(error) => {
                    problems.push(unreadable(blank_lines + 1, &error));
                    return None;
                }
            }
        }
        let delimiter = detect_delimiter(&String::from_utf8_lossy(&first));
        let input = LineTracker::new(io::Cursor::new(first).chain(reader), blank_lines + 1);
        let csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        Some(Self { csv, record: csv::StringRecord::new(), line: blank_lines + 1, delimiter, done: false })
    }

    /// Advances to the next record with a non-empty cell. `false` at the end of the file, or
    /// after a record that cannot be read: that is a problem on its line, and reading stops.
    pub fn next(&mut self, problems: &mut Vec<Problem>) -> bool {
        while !self.done {
            match self.csv.read_record(&mut self.record) {
                Ok(true) => {
                    let byte = self.record.position().map_or(0, csv::Position::byte);
                    self.line = self.csv.get_mut().line_of_record_at(byte);
                    if self.record.iter().any(|cell| !trim(cell).is_empty()) {
                        return true;
                    }
                }
                Ok(false) => self.done = true,
                Err(error) => {
                    // A record that cannot be read is located where it starts; a failing read
                    // (no position) on the line it stopped in.
                    let tracker = self.csv.get_mut();
                    let line = match error.position() {
                        Some(at) => tracker.line_of_record_at(at.byte()),
                        None => tracker.line_reached(),
                    };
                    problems.push(unreadable(line, &error));
                    self.done = true;
                }
            }
        }
        false
    }

    /// The current record, its cells seen through the format's columns.
    pub fn row<'a>(&'a self, columns: &'a Columns) -> Row<'a> {
        Row { line: self.line, record: &self.record, positions: &columns.positions }
    }

    /// The current record seen through no format's columns (a header, a whole table).
    pub fn plain_row(&self) -> Row<'_> {
        Row { line: self.line, record: &self.record, positions: &[] }
    }

    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }
}

fn unreadable(line: u64, error: &dyn std::fmt::Display) -> Problem {
    Problem::at_line(line, "", format!("unreadable CSV record: {error}"))
}

/// One record as read, borrowed from the reader until it advances.
pub struct Row<'a> {
    /// 1-based physical line on which the record starts.
    pub line: u64,
    record: &'a csv::StringRecord,
    /// Where each of the format's columns sits in the record.
    positions: &'a [usize],
}

impl<'a> Row<'a> {
    /// The trimmed cell of the format's `column` (its index in the format's column list),
    /// empty when the record is too short.
    pub fn cell(&self, column: usize) -> &'a str {
        self.positions.get(column).and_then(|&at| self.record.get(at)).map_or("", trim)
    }

    /// The number of fields of the record.
    pub fn width(&self) -> usize {
        self.record.len()
    }

    /// Every trimmed cell in file order, the format's columns or not.
    pub fn cells(&self) -> impl Iterator<Item = &'a str> {
        self.record.iter().map(trim)
    }
}

/// `str::trim`, without its character-by-character walk for the usual cell that starts and
/// ends in a visible ASCII character.
fn trim(cell: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    if visible(cell.as_bytes().first()) && visible(cell.as_bytes().last()) {
        cell
    } else {
        cell.trim()
    }
}

/// Physical line numbers of the records the csv reader hands out. The reader's own
/// `Position::line()` does not count the blank lines it skips, and its byte offset points
/// just after the previous record (before that record's line end and any blank lines), so a
/// record really starts at the first byte after those line ends. The tracker sees every byte
/// on its way to the reader and keeps the offsets of the line ends not yet passed: only those
/// in the reader's buffer and the current record.
struct LineTracker<R> {
    inner: R,
    /// Offset of the next byte handed to the reader.
    offset: u64,
    /// Offsets of the `\r` and `\n` bytes handed out at or after the last record start;
    /// `true` for `\n`.
    ends: VecDeque<(u64, bool)>,
    /// The line at the last record start.
    line: u64,
}

impl<R> LineTracker<R> {
    fn new(inner: R, first_line: u64) -> Self {
        Self { inner, offset: 0, ends: VecDeque::new(), line: first_line }
    }

    /// The 1-based line of the record whose reader position is `byte` (offsets only grow).
    fn line_of_record_at(&mut self, byte: u64) -> u64 {
        let mut start = byte;
        while let Some(&(at, is_line_feed)) = self.ends.front() {
            if at > start {
                break;
            }
            if at == start {
                // A line end right where the record would start: a blank line or the rest of
                // the previous record's CRLF; the record starts after it.
                start += 1;
            }
            self.line += u64::from(is_line_feed);
            self.ends.pop_front();
        }
        self.line
    }

    /// The line that the bytes handed out so far end in.
    fn line_reached(&self) -> u64 {
        self.line + self.ends.iter().filter(|(_, is_line_feed)| *is_line_feed).count() as u64
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        let bytes = buf.get(..read).unwrap_or(buf);
        for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            let is_line_feed = bytes.get(at) == Some(&b'\n');
            self.ends.push_back((self.offset + at as u64, is_line_feed));
        }
        self.offset += bytes.len() as u64;
        Ok(read)
    }
}
