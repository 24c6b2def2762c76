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
//! (`saldo` = previous `saldo` + `abono` − `cargo`). Each account becomes one [`Statement`]:
//! opening = first `saldo` − first `abono` + first `cargo`, closing = last `saldo`, coverage =
//! first to last `fecha`. A `descripcion` starting with `EXTORNO` marks a reversal, `INTERES` /
//! `COMISION` interest / a bank charge (case-insensitive, accents ignored); `NONREF`,
//! `NOTPROVIDED` or an empty `referencia` mean none. The file carries no currency. A file with
//! no movements is refused.

use super::csv_common::{self, check, non_empty, positive_amount, Columns, Record};
use super::{
    overlapping_pairs, statement_referencia, Content, Entry, EntryKind, Format, ParseOptions, ParsedFile,
    Problem, Statement,
};
use crate::domain::money::{format_amount, parse_csv_amount};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// The movement file's columns, lower case.
pub const COLUMNS: [&str; 7] = ["cuenta", "fecha", "referencia", "descripcion", "cargo", "abono", "saldo"];

/// Parses and validates a CSV movements file; every problem is reported, not just the first.
pub fn parse(text: &str, _options: &ParseOptions) -> ParsedFile {
    let mut problems = Vec::new();
    let content = match csv_common::open(text, &COLUMNS, &mut problems) {
        Some((table, columns)) => read_statements(&table.records, &columns, &mut problems),
        None => Content::Nothing,
    };
    csv_common::sort_problems(&mut problems);
    ParsedFile { format: Format::StatementCsv, content, problems }
}

/// One account's rows while they are read.
struct Account {
    name: String,
    /// Line of the account's latest row, for the contiguity message.
    last_line: u64,
    /// Latest `fecha` so far and its line.
    latest_date: Option<(NaiveDate, u64)>,
    /// Latest readable `saldo` and its line: the running balance the next row continues.
    balance: Option<(Decimal, u64)>,
    opening: Option<Decimal>,
    entries: Vec<Entry>,
}

/// A row's readable parts; `None` fields were reported as problems.
struct Row {
    line: u64,
    fecha: Option<NaiveDate>,
    amount: Option<Decimal>,
    saldo: Option<Decimal>,
    referencia: Option<String>,
    description: String,
}

fn read_statements(records: &[Record], columns: &Columns, problems: &mut Vec<Problem>) -> Content {
    if records.is_empty() {
        problems.push(Problem::in_file("", "the file has no movements"));
    }
    let mut accounts = Accounts::default();
    for record in records {
        if !csv_common::check_width(record, columns, problems) {
            continue;
        }
        let row = read_row(record, columns, problems);
        let Some(name) = check(record.line, "cuenta", non_empty(columns.cell(record, "cuenta")), problems)
        else {
            continue;
        };
        let at = accounts.for_row(&name, record.line, problems);
        if let Some(account) = accounts.list.get_mut(at) {
            account.add(row, problems);
        }
    }
    let statements: Vec<Statement> = accounts.list.into_iter().filter_map(Account::finish).collect();
    report_overlaps(&statements, problems);
    Content::Statements(statements)
}

/// The accounts in order of first appearance, and which one the previous row was on.
#[derive(Default)]
struct Accounts {
    list: Vec<Account>,
    index: HashMap<String, usize>,
    current: usize,
}

impl Accounts {
    /// The index of the row's account: the current one, a new one, or — a problem, since each
    /// account's rows must be contiguous — one seen before other accounts' rows. Such rows still
    /// join their account's statement, so that its running balance is checked across the gap.
    fn for_row(&mut self, name: &str, line: u64, problems: &mut Vec<Problem>) -> usize {
        match self.index.get(name) {
            Some(&at) if at == self.current => {}
            Some(&at) => {
                let last = self.list.get(at).map_or(0, |a| a.last_line);
                let shown = crate::domain::dni::shorten(name);
                let reason = format!(
                    "account {shown:?} reappears after other accounts' rows (its rows ended on line \
                     {last}); each account's rows must be contiguous"
                );
                problems.push(Problem::at_line(line, "cuenta", reason));
                self.current = at;
            }
            None => {
                self.list.push(Account::new(name));
                self.current = self.list.len() - 1;
                self.index.insert(name.to_owned(), self.current);
            }
        }
        self.current
    }
}

fn read_row(record: &Record, columns: &Columns, problems: &mut Vec<Problem>) -> Row {
    let line = record.line;
    let cell = |name: &str| columns.cell(record, name);
    Row {
        line,
        fecha: check(line, "fecha", parse_date(cell("fecha")), problems),
        amount: movement(line, cell("cargo"), cell("abono"), problems),
        saldo: check(line, "saldo", parse_balance(cell("saldo")), problems),
        referencia: statement_referencia(cell("referencia")),
        description: cell("descripcion").to_owned(),
    }
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
    let shaped = text.len() == 10
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    shaped.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten().ok_or_else(|| {
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
/// prefixes are ever compared, so only the first few characters are folded.
fn fold(text: &str) -> String {
    text.chars().take(12).nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_uppercase).collect()
}

/// What the bank marked the movement as, from its description (SPEC §3.2).
fn kind_of(description: &str) -> (EntryKind, bool) {
    let folded = fold(description);
    let kind = if folded.starts_with("INTERES") {
        EntryKind::Interest
    } else if folded.starts_with("COMISION") {
        EntryKind::Charge
    } else {
        EntryKind::Ordinary
    };
    (kind, folded.starts_with("EXTORNO"))
}

impl Account {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            last_line: 0,
            latest_date: None,
            balance: None,
            opening: None,
            entries: Vec::new(),
        }
    }

    /// Checks the row's date order and running balance, and keeps it when it is whole.
    fn add(&mut self, row: Row, problems: &mut Vec<Problem>) {
        self.last_line = row.line;
        if let Some(fecha) = row.fecha {
            self.check_date(fecha, row.line, problems);
        }
        if let (Some(amount), Some(saldo)) = (row.amount, row.saldo) {
            self.check_balance(amount, saldo, row.line, problems);
        }
        if let Some(saldo) = row.saldo {
            self.balance = Some((saldo, row.line));
        }
        if let (Some(booking_date), Some(amount), Some(_)) = (row.fecha, row.amount, row.saldo) {
            let (kind, reversal) = kind_of(&row.description);
            let (referencia, description) = (row.referencia, row.description);
            self.entries.push(Entry {
                booking_date,
                value_date: None,
                amount,
                reversal,
                referencia,
                kind,
                description,
            });
        }
    }

    fn check_date(&mut self, fecha: NaiveDate, line: u64, problems: &mut Vec<Problem>) {
        match self.latest_date {
            Some((latest, at)) if fecha < latest => problems.push(Problem::at_line(
                line,
                "fecha",
                format!("fecha {fecha} goes backwards: this account already has {latest} on line {at}"),
            )),
            _ => self.latest_date = Some((fecha, line)),
        }
    }

    fn check_balance(&mut self, amount: Decimal, saldo: Decimal, line: u64, problems: &mut Vec<Problem>) {
        if self.opening.is_none() {
            self.opening = saldo.checked_sub(amount);
        }
        let Some((previous, at)) = self.balance else { return };
        let expected = previous.checked_add(amount);
        if expected != Some(saldo) {
            let shown = expected.map_or_else(|| "an overflow".to_owned(), format_amount);
            problems.push(Problem::at_line(
                line,
                "saldo",
                format!(
                    "running balance broken: expected saldo {shown} (saldo {} of line {at} {} {}), found {}",
                    format_amount(previous),
                    if amount.is_sign_negative() { "−" } else { "+" },
                    format_amount(amount.abs()),
                    format_amount(saldo)
                ),
            ));
        }
    }

    /// The account's statement; `None` when none of its rows could be read whole.
    fn finish(self) -> Option<Statement> {
        let from = self.entries.first()?.booking_date;
        let to = self.entries.last()?.booking_date;
        let closing = self.balance?.0;
        let opening = self.opening?;
        Some(Statement { account: self.name, from, to, opening, closing, entries: self.entries })
    }
}

/// Two statements of one file on the same account cannot overlap when rows are grouped by
/// account, but SPEC §7 counts overlaps inside a file, so check anyway.
fn report_overlaps(statements: &[Statement], problems: &mut Vec<Problem>) {
    for (a, b) in overlapping_pairs(statements) {
        let account = statements.get(a).map_or("", |s| s.account.as_str());
        let reason = format!("statements {} and {} of account {account:?} overlap", a + 1, b + 1);
        problems.push(Problem::in_file("cuenta", reason));
    }
}

#[cfg(test)]
mod tests;
