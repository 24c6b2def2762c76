//! The accounts of a streamed movements file. Rows come grouped by account; the run of rows of
//! the current account is the only statement held, and it goes to the sink as soon as a row of
//! another account (or the end of the file) ends it.
//!
//! An account's rows must be contiguous. What an account whose run has ended leaves behind is
//! its last line, in a [`LineIndex`] (20 bytes an account and the hash table's slack: the
//! per-file index behind the contiguity rule, ~0.3 GB for a file of 9 million accounts). Rows
//! of an account seen before other accounts' rows are a problem naming that line; they are
//! then checked as a run of their own (date order, running balance within the run), not
//! against where the account left off — the file is refused either way, and holding every
//! ended account's dates and balances took ~300 bytes an account (2.7 GB for such a file).
//! Such a reappearing run goes to the sink as one more statement of the account (see
//! `stream::Collector`, which joins them back for a whole file's content).
//!
//! Two statements of one file on the same account could only overlap through such a
//! reappearance, which is already reported as such: a movements file needs no other overlap
//! check (SPEC §7).

use super::super::stream::{Record, Sink};
use super::super::{statement_referencia, Entry, Problem, Statement};
use super::kind_of;
use crate::domain::money::format_amount;
use crate::formats::csv_common::LineIndex;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A row's readable parts; `None` fields were reported as problems.
pub(super) struct Movement<'a> {
    pub line: u64,
    pub fecha: Option<NaiveDate>,
    pub amount: Option<Decimal>,
    pub saldo: Option<Decimal>,
    pub referencia: &'a str,
    pub description: &'a str,
}

/// The current account and what every ended run left behind.
#[derive(Default)]
pub(super) struct Accounts {
    current: Option<Account>,
    /// The last line of every account whose run has ended.
    ended: LineIndex,
}

/// What the current run of an account's rows says beyond its entries.
#[derive(Default)]
struct RunState {
    /// Line of the account's latest row, for the contiguity message.
    last_line: u64,
    /// Latest `fecha` so far and its line.
    latest_date: Option<(NaiveDate, u64)>,
    /// Latest readable `saldo` and its line: the running balance the next row continues.
    balance: Option<(Decimal, u64)>,
    opening: Option<Decimal>,
    /// The booking date of the account's latest entry, once it has one.
    last_entry: Option<NaiveDate>,
}

/// One account's current run of rows.
pub(super) struct Account {
    name: Box<str>,
    state: RunState,
    entries: Vec<Entry>,
}

impl Accounts {
    /// The row's account: the current one, a new one, or — a problem, since each account's
    /// rows must be contiguous — one seen before other accounts' rows, which starts a run of
    /// its own. A run that ends goes to the sink.
    pub fn for_row(
        &mut self,
        name: &str,
        line: u64,
        sink: &mut dyn Sink,
        problems: &mut Vec<Problem>,
    ) -> &mut Account {
        if self.current.as_ref().is_some_and(|a| *a.name == *name) {
            return self.current.get_or_insert_with(|| Account::new(name.into()));
        }
        if let Some(ended) = self.current.take() {
            let (name, last_line) = ended.end(sink);
            self.ended.insert(&name, last_line);
        }
        sink.statement_begins(name);
        if let Some(last_line) = self.ended.remove(name) {
            let shown = crate::domain::dni::shorten(name);
            let reason = format!(
                "account {shown:?} reappears after other accounts' rows (its rows ended on line \
                 {last_line}); each account's rows must be contiguous"
            );
            problems.push(Problem::at_line(line, "cuenta", reason));
        }
        self.current.insert(Account::new(name.into()))
    }

    /// Ends the last run at the end of the file.
    pub fn finish(mut self, sink: &mut dyn Sink) {
        if let Some(last) = self.current.take() {
            last.end(sink);
        }
    }
}

impl Account {
    fn new(name: Box<str>) -> Self {
        Self { name, state: RunState::default(), entries: Vec::new() }
    }

    /// Checks the row's date order and running balance, and keeps it when it is whole.
    pub fn add(&mut self, row: Movement<'_>, problems: &mut Vec<Problem>) {
        self.state.last_line = row.line;
        if let Some(fecha) = row.fecha {
            self.check_date(fecha, row.line, problems);
        }
        if let (Some(amount), Some(saldo)) = (row.amount, row.saldo) {
            self.check_balance(amount, saldo, row.line, problems);
        }
        if let Some(saldo) = row.saldo {
            self.state.balance = Some((saldo, row.line));
        }
        if let (Some(booking_date), Some(amount), Some(_)) = (row.fecha, row.amount, row.saldo) {
            let (kind, reversal) = kind_of(row.description);
            self.state.last_entry = Some(booking_date);
            self.entries.push(Entry {
                booking_date,
                value_date: None,
                amount,
                reversal,
                referencia: statement_referencia(row.referencia),
                kind,
                description: row.description.to_owned(),
            });
        }
    }

    fn check_date(&mut self, fecha: NaiveDate, line: u64, problems: &mut Vec<Problem>) {
        match self.state.latest_date {
            Some((latest, at)) if fecha < latest => problems.push(Problem::at_line(
                line,
                "fecha",
                format!("fecha {fecha} goes backwards: this account already has {latest} on line {at}"),
            )),
            _ => self.state.latest_date = Some((fecha, line)),
        }
    }

    fn check_balance(&mut self, amount: Decimal, saldo: Decimal, line: u64, problems: &mut Vec<Problem>) {
        if self.state.opening.is_none() {
            self.state.opening = saldo.checked_sub(amount);
        }
        let Some((previous, at)) = self.state.balance else { return };
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

    /// Ends the run: its statement goes to the sink once the account has an entry (opening =
    /// first `saldo` − first movement, closing = latest `saldo`, coverage = first to latest
    /// entry). Returns the account and the run's last line.
    fn end(self, sink: &mut dyn Sink) -> (Box<str>, u64) {
        let Self { name, state, entries } = self;
        let first = entries.first().map(|e| e.booking_date);
        if let (Some(from), Some(to), Some((closing, _)), Some(opening)) =
            (first, state.last_entry, state.balance, state.opening)
        {
            let account = String::from(&*name);
            sink.put(Record::Statement(Statement { account, from, to, opening, closing, entries }));
        }
        (name, state.last_line)
    }
}
