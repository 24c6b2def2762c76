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
//! Rows become [`Instruction`]s grouped into [`Batch`]es by `lote`, batches in order of first
//! appearance, instructions in file order. Each row needs a non-empty `lote`, a `YYYY-MM`
//! `periodo`, a DNI, a CCI, a CSV amount > 0 and a well-formed `referencia` unique in the file.
//! The trailer's count is the number of instruction rows and its sum the exact decimal sum of
//! their `monto`; a missing, malformed, misplaced or wrong trailer is a control-total problem
//! (field `TOTAL`). Empty cells after the trailer's three (a spreadsheet padding the line to
//! the header's width) are accepted. A file with no instruction rows is refused. The sum is
//! only compared when every row's `monto` could be read: a bad amount is reported on its own
//! line, not again as a wrong total.

use super::csv_common::{self, check, non_empty, positive_amount, Columns, Record, Seen};
use super::{check_referencia, Batch, Content, Format, Instruction, ParseOptions, ParsedFile, Problem};
use crate::domain::money::{format_amount, parse_csv_amount};
use crate::domain::{Cci, Dni, Period};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The batch's columns, lower case.
pub const COLUMNS: [&str; 6] = ["lote", "periodo", "dni", "cuenta", "monto", "referencia"];

/// Parses and validates a payment-batch CSV; every problem is reported, not just the first.
pub fn parse(text: &str, _options: &ParseOptions) -> ParsedFile {
    let mut problems = Vec::new();
    let content = match csv_common::open(text, &COLUMNS, &mut problems) {
        Some((table, columns)) => read_batches(&table.records, table.delimiter, &columns, &mut problems),
        None => Content::Nothing,
    };
    csv_common::sort_problems(&mut problems);
    ParsedFile { format: Format::PaymentsCsv, content, problems }
}

fn read_batches(
    records: &[Record],
    delimiter: u8,
    columns: &Columns,
    problems: &mut Vec<Problem>,
) -> Content {
    let (rows, trailer) = split_trailer(records, problems);
    if rows.is_empty() {
        problems.push(Problem::in_file("", "the batch has no instructions"));
    }
    let mut referencias = Seen::default();
    let instructions: Vec<Instruction> = rows
        .iter()
        .filter_map(|r| {
            let whole = csv_common::check_width(r, columns, problems);
            whole.then(|| read_row(r, columns, &mut referencias, problems)).flatten()
        })
        .collect();
    check_trailer(trailer, delimiter, rows.len(), amount_sum(&rows, columns), problems);
    Content::Payments(group(instructions))
}

/// Whether a record is (an attempt at) the trailer: its first cell starts with `TOTAL`.
fn is_trailer(record: &Record) -> bool {
    record.cells.first().and_then(|c| c.get(..5)).is_some_and(|c| c.eq_ignore_ascii_case("TOTAL"))
}

/// Separates the instruction rows from the last line's trailer. A `TOTAL` line that is not
/// the last one is a problem and counts as neither.
fn split_trailer<'a>(
    records: &'a [Record],
    problems: &mut Vec<Problem>,
) -> (Vec<&'a Record>, Option<&'a Record>) {
    let (trailer, body) = match records.split_last() {
        Some((last, body)) if is_trailer(last) => (Some(last), body),
        _ => (None, records),
    };
    let mut rows = Vec::new();
    for record in body {
        if is_trailer(record) {
            problems.push(Problem::at_line(record.line, "TOTAL", "the TOTAL trailer must be the last line"));
        } else {
            rows.push(record);
        }
    }
    (rows, trailer)
}

/// One instruction row: each field checked on its own.
fn read_row(
    record: &Record,
    columns: &Columns,
    refs: &mut Seen,
    problems: &mut Vec<Problem>,
) -> Option<Instruction> {
    let line = record.line;
    let cell = |name: &str| columns.cell(record, name);
    let lote = check(line, "lote", non_empty(cell("lote")), problems);
    let periodo = check(line, "periodo", Period::parse(cell("periodo")), problems);
    let dni = check(line, "dni", Dni::parse(cell("dni")), problems);
    let cuenta = check(line, "cuenta", Cci::parse(cell("cuenta")), problems);
    let monto = check(line, "monto", positive_amount(cell("monto")), problems);
    let referencia = check(line, "referencia", check_referencia(cell("referencia")), problems)
        .filter(|()| refs.check(cell("referencia"), line, "referencia", problems))
        .map(|()| cell("referencia").to_owned());
    Some(Instruction {
        lote: lote?,
        periodo: periodo?,
        dni: dni?,
        cuenta: cuenta?,
        monto: monto?,
        referencia: referencia?,
    })
}

/// The sum of every row's `monto`, `None` when a row's amount cannot be read (or the sum
/// would overflow, which no real batch reaches).
fn amount_sum(rows: &[&Record], columns: &Columns) -> Option<Decimal> {
    rows.iter().try_fold(Decimal::ZERO, |sum, r| {
        let amount =
            (r.cells.len() == columns.width).then(|| parse_csv_amount(columns.cell(r, "monto")).ok());
        sum.checked_add(amount.flatten()?)
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

/// Groups instructions by `lote`: batches in first-appearance order, instructions in file order.
fn group(instructions: Vec<Instruction>) -> Vec<Batch> {
    let mut batches: Vec<Batch> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for instruction in instructions {
        let at = *index.entry(instruction.lote.clone()).or_insert_with(|| {
            batches.push(Batch { lote: instruction.lote.clone(), instructions: Vec::new() });
            batches.len() - 1
        });
        if let Some(batch) = batches.get_mut(at) {
            batch.instructions.push(instruction);
        }
    }
    batches
}

#[cfg(test)]
mod tests;
