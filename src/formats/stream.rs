//! Streaming parse: a parser reads its input through a reader and hands over what the file
//! states one [`Record`] at a time, in file order, to a [`Sink`]. Nothing but the record being
//! built (one roster row, one instruction, one statement with its entries) is held, so memory
//! does not grow with the file.
//!
//! The store's sink writes records into the file's open transaction as they come; the
//! [`Collector`] sink keeps them all and rebuilds the whole [`Content`] (what `inspect`, the
//! tests and small callers use). Problems are gathered in the parser's [`Outcome`] and decide
//! at the end: a file with any problem is rolled back and quarantined whole, so a parser keeps
//! reading after a problem to report every one.

use super::{Batch, Content, Format, Instruction, ParsedFile, Problem, Roster, RosterRow, Statement};
use crate::domain::Period;
use std::collections::HashMap;

/// One thing a file states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A roster row (its `periodo` names the roster's period).
    RosterRow(RosterRow),
    /// A payment instruction (its `lote` names its batch).
    Instruction(Instruction),
    /// A whole statement: account, coverage, balances and its booked entries.
    Statement(Statement),
}

/// Receives the records of one file in file order.
pub trait Sink {
    /// Told the file's format once it is recognised, before any record (the dispatcher in
    /// [`super::detect`] calls it; a parser called directly does not).
    fn begin(&mut self, _format: &Format) {}
    fn put(&mut self, record: Record);

    /// A payment batch begins: the instructions put until the next call are its own. pain.001
    /// announces every `PmtInf`, even one without a valid instruction, so that its batch is
    /// still seen; CSV batches are not announced (each instruction names its `lote`). A sink
    /// that only needs the instructions may ignore it.
    fn begin_batch(&mut self, _lote: &str) {}

    /// A roster's period, told once, as soon as the first valid `periodo` fixes it: also when
    /// no row of the roster turns out whole, so that what the file states keeps its period.
    /// Ignored by default (every row carries its `periodo`).
    fn roster_period(&mut self, _period: Period) {}

    /// A statement of `account` begins: its record follows once it is complete. A CSV
    /// movements file tells this at each run of an account's rows, so that a whole file's
    /// content lists the accounts in order of first appearance even when an account's rows are
    /// interrupted (a problem) before any of them could be read whole. Ignored by default.
    fn statement_begins(&mut self, _account: &str) {}

    /// The file turned out unreadable as a whole (no CSV header, not an MT940 statement after
    /// all): whatever was put before states nothing. Such a file always has a problem, so a
    /// store rolls it back anyway; ignored by default.
    fn discard(&mut self) {}
}

impl<F: FnMut(Record)> Sink for F {
    fn put(&mut self, record: Record) {
        self(record);
    }
}

/// What a streaming parser says at the end of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub format: Format,
    /// Every problem found; empty when the file is valid and may be stored.
    pub problems: Vec<Problem>,
}

impl Outcome {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A sink that keeps every record, to rebuild a whole file's [`Content`].
#[derive(Debug, Default)]
pub struct Collector {
    roster_period: Option<Period>,
    discarded: bool,
    roster_rows: Vec<RosterRow>,
    /// Accounts in the order their statements began, where the parser tells it.
    begun: Vec<String>,
    /// Batches in order of their announcement or of their first instruction.
    batches: Vec<Batch>,
    statements: Vec<Statement>,
}

impl Sink for Collector {
    fn put(&mut self, record: Record) {
        match record {
            Record::RosterRow(row) => self.roster_rows.push(row),
            Record::Instruction(instruction) => {
                match self.batches.iter_mut().rev().find(|b| b.lote == instruction.lote) {
                    Some(batch) => batch.instructions.push(instruction),
                    None => self
                        .batches
                        .push(Batch { lote: instruction.lote.clone(), instructions: vec![instruction] }),
                }
            }
            Record::Statement(statement) => self.statements.push(statement),
        }
    }

    fn begin_batch(&mut self, lote: &str) {
        self.batches.push(Batch { lote: lote.to_owned(), instructions: Vec::new() });
    }

    fn roster_period(&mut self, period: Period) {
        self.roster_period = Some(period);
    }

    fn statement_begins(&mut self, account: &str) {
        self.begun.push(account.to_owned());
    }

    fn discard(&mut self) {
        *self = Self { discarded: true, ..Self::default() };
    }
}

impl Collector {
    /// Runs a streaming parse into a fresh collector: the whole file as one [`ParsedFile`]
    /// (what `inspect`, the tests and each format's `parse` return).
    pub fn collect(parse: impl FnOnce(&mut dyn Sink) -> Outcome) -> ParsedFile {
        let mut collector = Self::default();
        let outcome = parse(&mut collector);
        ParsedFile {
            content: collector.into_content(&outcome.format),
            format: outcome.format,
            problems: outcome.problems,
        }
    }

    /// The content of a file of `format` from the records collected. A roster's period is the
    /// one the parser told, else the `periodo` of its first row (the parser reports rows of
    /// another period as problems).
    pub fn into_content(self, format: &Format) -> Content {
        if self.discarded {
            return Content::Nothing;
        }
        match format {
            Format::RosterCsv => match self.roster_period.or(self.roster_rows.first().map(|r| r.periodo)) {
                Some(period) => Content::Roster(Roster { period, rows: self.roster_rows }),
                None => Content::Nothing,
            },
            Format::PaymentsCsv | Format::Pain001(_) => Content::Payments(self.batches),
            Format::StatementCsv => Content::Statements(join_account_runs(self.begun, self.statements)),
            Format::Camt053(_) | Format::Mt940 => Content::Statements(self.statements),
            Format::Unknown => Content::Nothing,
        }
    }
}

/// A CSV movements file states one statement per account (SPEC §2.3). An account whose rows
/// reappear after other accounts' (a problem the parser reports) is streamed as one more
/// statement per run of rows, each run continuing the ones before (same opening, closing and
/// last day so far). The whole file's content joins them back into one statement per
/// account, accounts in the order their statements began (else of their first statement).
fn join_account_runs(begun: Vec<String>, runs: Vec<Statement>) -> Vec<Statement> {
    join_runs(
        begun,
        runs,
        |s| &s.account,
        |statement, run| {
            statement.to = run.to;
            statement.closing = run.closing;
            statement.entries.extend(run.entries);
        },
    )
}

/// [`join_account_runs`] for any record of a run of an account's rows (`inspect` joins the
/// summaries of the runs): `continue_with` adds a later run to the account's first.
pub fn join_runs<T>(
    begun: Vec<String>,
    runs: Vec<T>,
    account: impl Fn(&T) -> &str,
    continue_with: impl Fn(&mut T, T),
) -> Vec<T> {
    let mut slots: Vec<Option<T>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for name in begun {
        index.entry(name).or_insert_with(|| {
            slots.push(None);
            slots.len() - 1
        });
    }
    for run in runs {
        let at = *index.entry(account(&run).to_owned()).or_insert_with(|| {
            slots.push(None);
            slots.len() - 1
        });
        match slots.get_mut(at) {
            Some(Some(first)) => continue_with(first, run),
            Some(slot) => *slot = Some(run),
            None => {}
        }
    }
    slots.into_iter().flatten().collect()
}

impl Format {
    /// The kind of content a file of this format holds (`roster`, `payments`, `statements`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RosterCsv => "roster",
            Self::PaymentsCsv | Self::Pain001(_) => "payments",
            Self::StatementCsv | Self::Camt053(_) | Self::Mt940 => "statements",
            Self::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests;
