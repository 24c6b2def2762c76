//! The CSV movements statement (SPEC §2.3 "CSV movements", §7): one row per booked movement,
//! header `cuenta,fecha,referencia,descripcion,cargo,abono,saldo` (any order and case,
//! delimiter `;` or `,`, extra columns ignored):
//!
//! ```text
//! cuenta;fecha;referencia;descripcion;cargo;abono;saldo
//! 01800000400588058608;2012-07-05;JP201207000001;ABONO JUNTOS;;100.00;100.00
//! 01800000400588058608;2012-07-20;NONREF;RETIRO CAJERO;40;;60.00
//! ```
//!
//! `cuenta` is the bank's account text (non-empty, matched exactly, not CCI-checked); `fecha` a
//! real `YYYY-MM-DD` date; exactly one of `cargo` (debit) and `abono` (credit) is filled, with a
//! CSV amount > 0; `saldo` is the balance after the movement, a CSV amount that — unlike every
//! other CSV amount — may carry a leading `-`, because a balance can be overdrawn. Rows are
//! grouped by account in booking order: an account's rows must be contiguous, `fecha` may not go
//! backwards within an account, and each row must continue the running balance
//! (`saldo` = previous `saldo` + `abono` − `cargo`). Each account becomes one
//! [`Statement`](super::Statement), streamed as soon as its rows end (see `accounts`):
//! opening = first `saldo` − first `abono` + first `cargo`, closing = last `saldo`, coverage =
//! first to last `fecha`. A `descripcion` starting with `EXTORNO` marks a reversal, `INTERES` /
//! `COMISION` interest / a bank charge (case-insensitive, accents ignored); `NONREF`,
//! `NOTPROVIDED` or an empty `referencia` mean none. The file carries no currency. A file with
//! no movements is refused.

mod accounts;

use super::csv_common::{self, check, column, positive_amount, Row};
use super::stream::{Collector, Outcome, Sink};
use super::{EntryKind, Format, ParseOptions, ParsedFile, Problem};
use crate::domain::money::parse_csv_amount;
use accounts::{Accounts, Movement};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::io::BufRead;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

#[cfg(test)]
use super::{Content, Entry, Statement};

/// The movement file's columns, lower case.
pub const COLUMNS: [&str; 7] = ["cuenta", "fecha", "referencia", "descripcion", "cargo", "abono", "saldo"];

const CUENTA: usize = column(&COLUMNS, "cuenta");
const FECHA: usize = column(&COLUMNS, "fecha");
const REFERENCIA: usize = column(&COLUMNS, "referencia");
const DESCRIPCION: usize = column(&COLUMNS, "descripcion");
const CARGO: usize = column(&COLUMNS, "cargo");
const ABONO: usize = column(&COLUMNS, "abono");
const SALDO: usize = column(&COLUMNS, "saldo");

/// Parses and validates a CSV movements file; every problem is reported, not just the first.
pub fn parse(text: &str, options: &ParseOptions) -> ParsedFile {
    Collector::collect(|sink| parse_reader(text.as_bytes(), options, sink))
}

/// Streams a file whose text is already UTF-8 (see `encoding::decoding_reader`): each
/// account's statement goes to the sink as soon as its run of rows ends.
pub fn parse_reader<R: BufRead>(reader: R, _options: &ParseOptions, sink: &mut dyn Sink) -> Outcome {
    let mut problems = Vec::new();
    match csv_common::open(reader, &COLUMNS, &mut problems) {
        Some((mut reader, columns)) => {
            let mut accounts = Accounts::default();
            let mut rows = 0u64;
            while reader.next(&mut problems) {
                rows += 1;
                let row = reader.row(&columns);
                if csv_common::check_row_width(&row, &columns, &mut problems) {
                    read_row(&row, &mut accounts, sink, &mut problems);
                }
            }
            accounts.finish(sink);
            if rows == 0 {
                problems.push(Problem::in_file("", "the file has no movements"));
            }
        }
        None => sink.discard(),
    }
    csv_common::sort_problems(&mut problems);
    Outcome { format: Format::StatementCsv, problems }
}

/// Reads a row's fields, then adds it to its account's run.
fn read_row(row: &Row<'_>, accounts: &mut Accounts, sink: &mut dyn Sink, problems: &mut Vec<Problem>) {
    let line = row.line;
    let movement = Movement {
        line,
        fecha: check(line, "fecha", parse_date(row.cell(FECHA)), problems),
        amount: movement(line, row.cell(CARGO), row.cell(ABONO), problems),
        saldo: check(line, "saldo", parse_balance(row.cell(SALDO)), problems),
        referencia: row.cell(REFERENCIA),
        description: row.cell(DESCRIPCION),
    };
    let name = row.cell(CUENTA);
    if name.is_empty() {
        problems.push(Problem::at_line(line, "cuenta", "must not be empty"));
        return;
    }
    accounts.for_row(name, line, sink, problems).add(movement, problems);
}

/// The signed movement: exactly one of `cargo` (−) and `abono` (+), an amount > 0.
fn movement(line: u64, cargo: &str, abono: &str, problems: &mut Vec<Problem>) -> Option<Decimal> {
    match (cargo.is_empty(), abono.is_empty()) {
        (false, true) => check(line, "cargo", positive_amount(cargo), problems).map(|a| -a),
        (true, false) => check(line, "abono", positive_amount(abono), problems),
        (both_empty, _) => {
            let what = if both_empty { "neither is" } else { "both are" };
            let reason = format!("exactly one of cargo and abono must be filled, {what}");
            problems.push(Problem::at_line(line, "cargo/abono", reason));
            None
        }
    }
}

/// `YYYY-MM-DD`, exactly that shape, and a real day.
fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
    let number = |from: usize, to: usize| {
        bytes.get(from..to).unwrap_or_default().iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
    };
    let date = shaped
        .then(|| {
            let year = i32::try_from(number(0, 4)).ok()?;
            NaiveDate::from_ymd_opt(year, number(5, 7), number(8, 10))
        })
        .flatten();
    date.ok_or_else(|| {
        format!("fecha must be a real date YYYY-MM-DD, got {:?}", crate::domain::dni::shorten(text))
    })
}

/// A balance: a CSV amount with an optional leading `-`.
fn parse_balance(text: &str) -> Result<Decimal, String> {
    match text.strip_prefix('-') {
        Some(rest) => parse_csv_amount(rest).map(|a| -a),
        None => parse_csv_amount(text),
    }
}

/// The first letters, upper case without accents, so that `Interés` reads `INTERES`. Only
/// prefixes of at most eight letters are ever compared, so only the first few characters are
/// folded, into a fixed array (`\0` past the end of a short text).
fn fold(text: &str) -> [char; 8] {
    let mut folded = ['\0'; 8];
    let letters = text.chars().take(12).nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_uppercase);
    folded.iter_mut().zip(letters).for_each(|(slot, letter)| *slot = letter);
    folded
}

/// What the bank marked the movement as, from its description (SPEC §3.2). Most
/// descriptions are decided on their leading ASCII letters, without folding (nor allocating).
fn kind_of(description: &str) -> (EntryKind, bool) {
    let bytes = description.as_bytes();
    let ascii = bytes.iter().take(12).take_while(|b| b.is_ascii()).count();
    let head = bytes.get(..ascii).unwrap_or_default();
    let mut undecided = false;
    let mut starts = |word: &str| match head.get(..word.len()) {
        Some(start) => start.eq_ignore_ascii_case(word.as_bytes()),
        // Shorter than the word: what follows the ASCII letters may still fold into it.
        None => {
            let agrees = word.as_bytes().get(..head.len()).is_some_and(|w| w.eq_ignore_ascii_case(head));
            undecided |= agrees && head.len() < bytes.len().min(12);
            false
        }
    };
    let marks = marks(&mut starts);
    if undecided {
        kind_of_folded(&fold(description))
    } else {
        marks
    }
}

fn kind_of_folded(folded: &[char; 8]) -> (EntryKind, bool) {
    marks(|word| word.chars().count() <= folded.len() && word.chars().zip(folded).all(|(w, f)| w == *f))
}

/// The marks of a description that `starts` with the given upper-case words.
fn marks(mut starts: impl FnMut(&str) -> bool) -> (EntryKind, bool) {
    let kind = if starts("INTERES") {
        EntryKind::Interest
    } else if starts("COMISION") {
        EntryKind::Charge
    } else {
        EntryKind::Ordinary
    };
    (kind, starts("EXTORNO"))
}

#[cfg(test)]
mod tests;
