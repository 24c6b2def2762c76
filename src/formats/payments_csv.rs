//! The payment-batch CSV (SPEC §2.2, §7): what JUNTOS instructed BN to pay. Header
//! `lote,periodo,dni,cuenta,monto,referencia` (any order and case, delimiter `;` or `,`, extra
//! columns ignored), one row per instruction, and as the last non-blank line the control-total
//! trailer `TOTAL<d><count><d><sum>` in the file's delimiter:
//!
//! ```text
//! lote,periodo,dni,cuenta,monto,referencia
//! L2012-07-A,2012-07,42388604,01800000400588058608,100.00,JP201207000001
//! TOTAL,1,100.00
//! ```
//!
//! Rows become [`Instruction`]s, streamed in file order; a whole file's content groups them
//! into batches by `lote`, batches in order of first appearance. Each row needs a non-empty `lote`, a `YYYY-MM`
//! `periodo`, a DNI, a CCI, a CSV amount > 0 and a well-formed `referencia` unique in the file.
//! The trailer's count is the number of instruction rows and its sum the exact decimal sum of
//! their `monto`; a missing, malformed, misplaced or wrong trailer is a control-total problem
//! (field `TOTAL`). Empty cells after the trailer's three (a spreadsheet padding the line to
//! the header's width) are accepted. A file with no instruction rows is refused. The sum is
//! only compared when every row's `monto` could be read: a bad amount is reported on its own
//! line, not again as a wrong total.

use super::csv_common::{self, check, column, non_empty, positive_amount, Columns, Record, Row, Seen};
use super::stream::{self, Collector, Outcome, Sink};
use super::{check_referencia, Format, Instruction, ParseOptions, ParsedFile, Problem};
use crate::domain::money::{format_amount, parse_csv_amount};
use crate::domain::{Cci, Dni, Period};
use rust_decimal::Decimal;
use std::io::BufRead;

#[cfg(test)]
use super::{Batch, Content};

/// The batch's columns, lower case.
pub const COLUMNS: [&str; 6] = ["lote", "periodo", "dni", "cuenta", "monto", "referencia"];

const LOTE: usize = column(&COLUMNS, "lote");
const PERIODO: usize = column(&COLUMNS, "periodo");
const DNI: usize = column(&COLUMNS, "dni");
const CUENTA: usize = column(&COLUMNS, "cuenta");
const MONTO: usize = column(&COLUMNS, "monto");
const REFERENCIA: usize = column(&COLUMNS, "referencia");

/// Parses and validates a payment-batch CSV; every problem is reported, not just the first.
pub fn parse(text: &str, options: &ParseOptions) -> ParsedFile {
    Collector::collect(|sink| parse_reader(text.as_bytes(), options, sink))
}

/// Streams a file whose text is already UTF-8 (see `encoding::decoding_reader`): each whole
/// instruction goes to the sink as soon as it is read, its `lote` naming its batch.
pub fn parse_reader<R: BufRead>(reader: R, _options: &ParseOptions, sink: &mut dyn Sink) -> Outcome {
    let mut problems = Vec::new();
    match csv_common::open(reader, &COLUMNS, &mut problems) {
        Some((mut reader, columns)) => {
            let mut batch = BatchChecks::default();
            while reader.next(&mut problems) {
                batch.row(&reader.row(&columns), &columns, sink, &mut problems);
            }
            batch.finish(reader.delimiter(), &mut problems);
        }
        None => sink.discard(),
    }
    csv_common::sort_problems(&mut problems);
    Outcome { format: Format::PaymentsCsv, problems }
}

/// What a streamed batch keeps between rows: the `referencia`s seen (an exact index), the
/// count and sum of the instruction rows for the trailer, and the latest `TOTAL` line, which
/// is the trailer only if no record follows it.
struct BatchChecks {
    referencias: Seen,
    count: usize,
    /// `None` once a row's amount cannot be read (or the sum would overflow, which no real
    /// batch reaches): a bad amount is reported on its own line, not again as a wrong total.
    sum: Option<Decimal>,
    total: Option<Record>,
}

impl Default for BatchChecks {
    fn default() -> Self {
        Self { referencias: Seen::default(), count: 0, sum: Some(Decimal::ZERO), total: None }
    }
}

impl BatchChecks {
    fn row(&mut self, row: &Row<'_>, columns: &Columns, sink: &mut dyn Sink, problems: &mut Vec<Problem>) {
        if let Some(earlier) = self.total.take() {
            problems.push(Problem::at_line(earlier.line, "TOTAL", "the TOTAL trailer must be the last line"));
        }
        if is_trailer(row) {
            self.total = Some(Record::of(row));
            return;
        }
        self.count += 1;
        let whole = csv_common::check_row_width(row, columns, problems);
        let amount = whole.then(|| parse_csv_amount(row.cell(MONTO)).ok()).flatten();
        self.sum = self.sum.zip(amount).and_then(|(sum, amount)| sum.checked_add(amount));
        if let Some(instruction) = whole.then(|| read_row(row, &mut self.referencias, problems)).flatten() {
            sink.put(stream::Record::Instruction(instruction));
        }
    }

    fn finish(self, delimiter: u8, problems: &mut Vec<Problem>) {
        if self.count == 0 {
            problems.push(Problem::in_file("", "the batch has no instructions"));
        }
        check_trailer(self.total.as_ref(), delimiter, self.count, self.sum, problems);
    }
}

/// Whether a record is (an attempt at) the trailer: its first cell starts with `TOTAL`.
fn is_trailer(row: &Row<'_>) -> bool {
    let first = row.cells().next().and_then(|c| c.get(..5));
    first.is_some_and(|c| c.eq_ignore_ascii_case("TOTAL"))
}

/// One instruction row: each field checked on its own.
fn read_row(row: &Row<'_>, refs: &mut Seen, problems: &mut Vec<Problem>) -> Option<Instruction> {
    let line = row.line;
    let cell = |column: usize| row.cell(column);
    let lote = check(line, "lote", non_empty(cell(LOTE)), problems);
    let periodo = check(line, "periodo", Period::parse(cell(PERIODO)), problems);
    let dni = check(line, "dni", Dni::parse(cell(DNI)), problems);
    let cuenta = check(line, "cuenta", Cci::parse(cell(CUENTA)), problems);
    let monto = check(line, "monto", positive_amount(cell(MONTO)), problems);
    let referencia = check(line, "referencia", check_referencia(cell(REFERENCIA)), problems)
        .filter(|()| refs.check(cell(REFERENCIA), line, "referencia", problems))
        .map(|()| cell(REFERENCIA).to_owned());
    Some(Instruction {
        lote: lote?,
        periodo: periodo?,
        dni: dni?,
        cuenta: cuenta?,
        monto: monto?,
        referencia: referencia?,
    })
}

/// Checks the trailer's form and its count and sum against the rows.
fn check_trailer(
    trailer: Option<&Record>,
    delimiter: u8,
    count: usize,
    sum: Option<Decimal>,
    problems: &mut Vec<Problem>,
) {
    let d = char::from(delimiter);
    let Some(trailer) = trailer else {
        problems.push(Problem::in_file(
            "TOTAL",
            format!("missing control-total trailer TOTAL{d}<count>{d}<sum> as the last line"),
        ));
        return;
    };
    let line = trailer.line;
    let Some((stated_count, stated_sum)) = read_trailer(trailer) else {
        let reason =
            format!("malformed control-total trailer: expected TOTAL{d}<count>{d}<sum> (digits, amount)");
        problems.push(Problem::at_line(line, "TOTAL", reason));
        return;
    };
    if u64::try_from(count).ok() != Some(stated_count) {
        problems.push(Problem::at_line(
            line,
            "TOTAL",
            format!("control-total count is {stated_count} but the file has {count} instruction rows"),
        ));
    }
    if let Some(sum) = sum.filter(|s| *s != stated_sum) {
        let (stated, actual) = (format_amount(stated_sum), format_amount(sum));
        problems.push(Problem::at_line(
            line,
            "TOTAL",
            format!("control-total sum is {stated} but the rows' monto add up to {actual}"),
        ));
    }
}

/// `TOTAL`, a count of digits and a CSV amount, then only empty cells.
fn read_trailer(trailer: &Record) -> Option<(u64, Decimal)> {
    match trailer.cells.as_slice() {
        [total, count, sum, padding @ ..] if total == "TOTAL" && padding.iter().all(String::is_empty) => {
            let count = count.bytes().all(|b| b.is_ascii_digit()).then(|| count.parse().ok()).flatten()?;
            Some((count, parse_csv_amount(sum).ok()?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
