//! Turns messages into statements as they come: reads each message as a page, checks that
//! every page balances, joins `:60M:` pages onto the `:62M:` page they continue, computes
//! coverage and looks for overlaps inside the file (SPEC §2.3, §7).
//!
//! A statement goes to the sink once it is final (its last page closed with `:62F:`) and every
//! statement before it in the file has gone, so statements leave in file order. What is held:
//! the statements from the first still open one on (files page one account at a time, so
//! normally just the statement being read), and the coverage of every statement so far (the
//! exact [`CoverageIndex`] for overlaps, reported at the end of the file).
//!
//! Tags other than `:20:`, `:25:`, `:60x:`, `:61:`, `:86:` and `:62x:` (`:21:`, `:28C:`, `:64:`,
//! `:65:`, `:NS:`, bank-specific ones) are read past and ignored. An `:86:` right after a `:61:`
//! is that entry's description, its lines joined with `\n`; any other `:86:` is information
//! about the whole statement and is ignored.

use super::fields::{self, Balance};
use super::lines::{Field, Message, Tag};
use crate::formats::coverage::CoverageIndex;
use crate::formats::stream::{Record, Sink};
use crate::formats::{Entry, Problem, Statement};
use std::collections::VecDeque;

/// One message read as a page of a statement.
#[derive(Default)]
struct Page {
    line: u64,
    account: Option<String>,
    opening: Option<Balance>,
    closing: Option<Balance>,
    entries: Vec<Entry>,
    /// Whether every entry and balance could be read (else the balance check is moot).
    readable: bool,
    seen_account: bool,
    seen_opening: bool,
    seen_closing: bool,
}

/// A statement being built from one or more pages.
struct Building {
    line: u64,
    account: String,
    opening: Balance,
    closing: Balance,
    entries: Vec<Entry>,
}

/// The statements of a file being read.
pub(super) struct Assembler<'c> {
    currency: &'c str,
    /// Statements not yet handed to the sink, in file order.
    waiting: VecDeque<Building>,
    /// Every statement's coverage and page line so far.
    coverage: CoverageIndex<u64>,
    pages: usize,
}

impl<'c> Assembler<'c> {
    pub fn new(currency: &'c str) -> Self {
        Self { currency, waiting: VecDeque::new(), coverage: CoverageIndex::default(), pages: 0 }
    }

    /// The number of messages read as pages so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Reads one message as a page, then hands on every statement that is ready.
    pub fn page(&mut self, message: Message, problems: &mut Vec<Problem>, sink: &mut dyn Sink) {
        self.pages += 1;
        let page = read_page(message, self.currency, problems);
        if let Some(page) = complete(page, problems) {
            add_page(&mut self.waiting, page, problems);
        }
        while self.waiting.front().is_some_and(|b| !b.closing.intermediate) {
            if let Some(done) = self.waiting.pop_front() {
                self.hand_on(done, sink);
            }
        }
    }

    /// At the end of the file: a statement still open is a problem, yet it is what the file
    /// states; then every overlap inside the file.
    pub fn finish(mut self, problems: &mut Vec<Problem>, sink: &mut dyn Sink) {
        for open in self.waiting.iter().filter(|b| b.closing.intermediate) {
            problems.push(Problem::at_line(
                open.closing.line,
                ":62M:",
                "intermediate closing balance, but no later page of this account opens with :60M: to continue it",
            ));
        }
        while let Some(done) = self.waiting.pop_front() {
            self.hand_on(done, sink);
        }
        for overlap in self.coverage.overlaps() {
            let (a, b) = (overlap.first, overlap.second);
            problems.push(Problem::at_line(
                b.at,
                ":25:",
                format!(
                    "statement of account {:?} covering {}..{} overlaps the statement at line {} covering {}..{}",
                    overlap.account, b.from, b.to, a.at, a.from, a.to
                ),
            ));
        }
    }

    fn hand_on(&mut self, done: Building, sink: &mut dyn Sink) {
        let statement = to_statement(done.account, done.opening, done.closing, done.entries);
        self.coverage.add(&statement.account, statement.from, statement.to, done.line);
        sink.put(Record::Statement(statement));
    }
}

fn read_page(message: Message, currency: &str, problems: &mut Vec<Problem>) -> Page {
    let mut page = Page { line: message.line, readable: true, ..Page::default() };
    let mut previous: Option<Tag> = None;
    for field in message.fields {
        let tag = field.tag;
        match tag.as_str() {
            "25" => read_account(&mut page, &field, problems),
            "60F" | "60M" => read_opening(&mut page, &field, currency, problems),
            "62F" | "62M" => read_closing(&mut page, &field, currency, problems),
            "61" => read_entry(&mut page, &field, problems),
            "86" if previous.is_some_and(|p| p == "61") => describe(&mut page, field),
            _ => {}
        }
        previous = Some(tag);
    }
    page
}

fn repeated(field: &Field, what: &str) -> Problem {
    Problem::at_line(field.line, format!(":{}:", field.tag), format!("{what} given twice in one message"))
}

fn read_account(page: &mut Page, field: &Field, problems: &mut Vec<Problem>) {
    if std::mem::replace(&mut page.seen_account, true) {
        return problems.push(repeated(field, "account :25:"));
    }
    let account = field.value.trim();
    if account.is_empty() {
        return problems.push(Problem::at_line(field.line, ":25:", "account identification is empty"));
    }
    if let Some((line, _)) = field.continuation.first() {
        problems.push(Problem::at_line(*line, ":25:", "unexpected text after the account identification"));
    }
    page.account = Some(account.to_owned());
}

fn read_opening(page: &mut Page, field: &Field, currency: &str, problems: &mut Vec<Problem>) {
    if std::mem::replace(&mut page.seen_opening, true) {
        return problems.push(repeated(field, "opening balance"));
    }
    page.opening = fields::balance(field, currency, problems);
    page.readable &= page.opening.is_some();
}

fn read_closing(page: &mut Page, field: &Field, currency: &str, problems: &mut Vec<Problem>) {
    if std::mem::replace(&mut page.seen_closing, true) {
        return problems.push(repeated(field, "closing balance"));
    }
    page.closing = fields::balance(field, currency, problems);
    page.readable &= page.closing.is_some();
}

fn read_entry(page: &mut Page, field: &Field, problems: &mut Vec<Problem>) {
    if page.seen_closing {
        problems.push(Problem::at_line(field.line, ":61:", "statement line after the closing balance"));
    }
    match fields::statement_line(field, problems) {
        Some(entry) => page.entries.push(entry),
        None => page.readable = false,
    }
}

/// The `:86:` of the entry just read: its lines joined with `\n`.
fn describe(page: &mut Page, field: Field) {
    if let Some(entry) = page.entries.last_mut() {
        let mut text = field.value;
        for (_, line) in &field.continuation {
            text.push('\n');
            text.push_str(line);
        }
        entry.description = text;
    }
}

/// Reports what a page lacks; returns it only when it has an account and both balances.
fn complete(page: Page, problems: &mut Vec<Problem>) -> Option<Page> {
    let missing = [
        (page.seen_account, ":25:", "missing account identification :25:"),
        (page.seen_opening, ":60F:", "missing opening balance :60F: or :60M:"),
        (page.seen_closing, ":62F:", "missing closing balance :62F: or :62M:"),
    ];
    for (_, field, reason) in missing.iter().filter(|(seen, _, _)| !seen) {
        problems.push(Problem::at_line(page.line, *field, *reason));
    }
    (page.account.is_some() && page.opening.is_some() && page.closing.is_some()).then_some(page)
}

fn add_page(built: &mut VecDeque<Building>, page: Page, problems: &mut Vec<Problem>) {
    let (Some(account), Some(opening), Some(closing)) = (page.account, page.opening, page.closing) else {
        return;
    };
    check_page(&opening, &closing, &page.entries, page.readable, problems);
    if opening.intermediate {
        let continued = built
            .iter_mut()
            .rev()
            .find(|b| b.account == account && b.closing.intermediate && b.closing.amount == opening.amount);
        if let Some(previous) = continued {
            previous.closing = closing;
            previous.entries.extend(page.entries);
            return;
        }
        problems.push(Problem::at_line(
            opening.line,
            ":60M:",
            format!(
                "intermediate opening balance {} continues no earlier page of account {account:?} closing with :62M: of the same amount",
                opening.amount
            ),
        ));
    }
    built.push_back(Building { line: page.line, account, opening, closing, entries: page.entries });
}

/// Each page must balance, and its closing may not be dated before its opening.
fn check_page(
    opening: &Balance,
    closing: &Balance,
    entries: &[Entry],
    readable: bool,
    problems: &mut Vec<Problem>,
) {
    let sum: rust_decimal::Decimal = entries.iter().map(|e| e.amount).sum();
    if readable && opening.amount + sum != closing.amount {
        problems.push(Problem::at_line(
            closing.line,
            format!(":{}: amount", closing.tag),
            format!(
                "does not balance: opening {} + entries {} = expected closing {}, found {}",
                opening.amount,
                sum,
                opening.amount + sum,
                closing.amount
            ),
        ));
    }
    if closing.date < opening.date {
        problems.push(Problem::at_line(
            closing.line,
            format!(":{}: date", closing.tag),
            format!("closing date {} is before the opening date {}", closing.date, opening.date),
        ));
    }
}

/// Coverage: the day after the opening date through the closing date, or that one day when
/// both are equal.
fn to_statement(account: String, opening: Balance, closing: Balance, entries: Vec<Entry>) -> Statement {
    let to = closing.date;
    let from = if opening.date == to { to } else { opening.date.succ_opt().unwrap_or(to).min(to) };
    Statement { account, from, to, opening: opening.amount, closing: closing.amount, entries }
}
