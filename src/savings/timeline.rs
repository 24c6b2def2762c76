//! Month-end checkpoints of the balance timelines, so that a period reads only its own window.
//!
//! A [`Checkpoint`] is every account's timeline at the end of a month: the statement in force
//! that day (the last one whose coverage started on or before it, in coverage order) and its
//! *base* — its opening plus every one of its entries booked up to that day — and, for
//! statements that start later, the sum of their entries already booked by then (a bank may book
//! an entry before the coverage of its statement starts). With the checkpoint at the end of M−1,
//! the statements starting in M and the entries booked in M, [`PeriodTimeline`] gives each
//! account the same balances as its whole history would (SPEC §3.2: sums of exact céntimos, so
//! summing a statement's earlier entries first changes nothing), and the checkpoint at the end
//! of M for the next period.

use super::{AccountHistory, Movement};
use crate::domain::money::{from_cents, to_cents};
use crate::domain::Period;
use crate::records::HashMap;
use crate::records::{EntryRec, Seq, StatementHead, Text};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One account's timeline at the end of a month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountCheckpoint {
    /// The statement in force on the checkpoint day.
    pub statement_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub seq: Seq,
    pub opening_cents: i64,
    pub closing_cents: i64,
    /// Opening plus every entry of the statement booked up to the checkpoint day.
    pub base_cents: i64,
}

/// Entries booked up to the checkpoint day of a statement that starts after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlyEntries {
    pub account: Text,
    pub cents: i64,
}

/// Every account's timeline at the end of a month (empty: nothing was stored before).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub accounts: HashMap<Text, AccountCheckpoint>,
    /// By statement id.
    pub early: HashMap<i64, EarlyEntries>,
}

impl AccountCheckpoint {
    fn head(&self, account: &str) -> StatementHead {
        StatementHead {
            id: self.statement_id,
            account: account.into(),
            from: self.from,
            to: self.to,
            opening: from_cents(self.opening_cents),
            closing: from_cents(self.closing_cents),
            seq: self.seq,
        }
    }
}

/// One period's view of the timelines: the checkpoint before it, its statements and entries.
pub struct PeriodTimeline<'a> {
    period: Period,
    previous: &'a Checkpoint,
    /// Statements starting in the period, per account, in coverage order.
    heads: HashMap<&'a str, Vec<&'a StatementHead>>,
    /// Entries booked in the period of the statements that decide its balances, per account.
    movements: HashMap<&'a str, Vec<&'a EntryRec>>,
    /// Entries booked in the period of statements starting after it.
    early: Vec<&'a EntryRec>,
}

impl<'a> PeriodTimeline<'a> {
    /// `heads`: the statements whose coverage starts in the period, ordered by (from, delivery
    /// order); `window`: entries booked from the period's first day on (any later ones are
    /// ignored), each with its statement's first day.
    pub fn new(
        period: Period,
        previous: &'a Checkpoint,
        heads: &'a [StatementHead],
        window: &'a [EntryRec],
    ) -> Self {
        let (first, last) = (period.first_day(), period.last_day());
        let mut by_account: HashMap<&str, Vec<&StatementHead>> = HashMap::default();
        for head in heads {
            by_account.entry(head.account.as_str()).or_default().push(head);
        }
        for list in by_account.values_mut() {
            list.sort_by_key(|h| (h.from, h.seq));
        }
        let mut movements: HashMap<&str, Vec<&EntryRec>> = HashMap::default();
        let mut early = Vec::new();
        for entry in window.iter().filter(|e| e.booking_date >= first && e.booking_date <= last) {
            let starts_in_period = entry.statement_from >= first && entry.statement_from <= last;
            let in_force = previous
                .accounts
                .get(entry.account.as_str())
                .is_some_and(|c| c.statement_id == entry.statement_id);
            if starts_in_period || in_force {
                movements.entry(entry.account.as_str()).or_default().push(entry);
            } else if entry.statement_from > last {
                early.push(entry);
            }
        }
        Self { period, previous, heads: by_account, movements, early }
    }

    fn early_cents(&self, statement_id: i64) -> i64 {
        self.previous.early.get(&statement_id).map_or(0, |e| e.cents)
    }

    /// The statements and entries that decide `account`'s balances in the period (SPEC §3.2):
    /// the statement in force on the first day and those starting in the period; their entries
    /// booked before the first day carried as one sum per statement.
    pub fn history(&self, account: &str) -> AccountHistory {
        let mut history = AccountHistory::default();
        if let Some(c) = self.previous.accounts.get(account) {
            history.statements.push(c.head(account));
            history.carried.push((c.statement_id, from_cents(c.base_cents - c.opening_cents)));
        }
        for head in self.heads.get(account).into_iter().flatten() {
            history.statements.push((*head).clone());
            let early = self.early_cents(head.id);
            if early != 0 {
                history.carried.push((head.id, from_cents(early)));
            }
        }
        history.entries =
            self.movements.get(account).into_iter().flatten().map(|e| Movement::of(e)).collect();
        history
    }

    /// The `BALANCE_GAP` candidates that are gaps: the statements starting in the period whose
    /// opening differs from the closing of the account's previous statement in coverage order,
    /// each with that closing, by (first day, delivery order). (Only those: at national scale
    /// the others are millions of statement heads that no exception comes of.)
    pub fn gap_candidates(&self) -> Vec<(StatementHead, Option<Decimal>)> {
        let mut gaps = Vec::new();
        for (account, heads) in &self.heads {
            // Per account, its heads are already in coverage order.
            let mut before = self.previous.accounts.get(*account).map(|c| from_cents(c.closing_cents));
            for head in heads {
                if before.is_some_and(|closing| closing != head.opening) {
                    gaps.push(((*head).clone(), before));
                }
                before = Some(head.closing);
            }
        }
        gaps.sort_by_key(|(h, _)| (h.from, h.seq));
        gaps
    }

    /// The timelines at the end of the period, for the next one.
    pub fn next_checkpoint(&self) -> Checkpoint {
        let sum_of = |account: &str, statement_id: i64| -> i64 {
            self.movements
                .get(account)
                .into_iter()
                .flatten()
                .filter(|e| e.statement_id == statement_id)
                .map(|e| to_cents(e.amount))
                .sum()
        };
        let mut accounts = HashMap::with_capacity_and_hasher(
            self.previous.accounts.len().max(self.heads.len()),
            Default::default(),
        );
        for (account, c) in &self.previous.accounts {
            if !self.heads.contains_key(account.as_str()) {
                let mut c = c.clone();
                c.base_cents += sum_of(account, c.statement_id);
                accounts.insert(account.clone(), c);
            }
        }
        for (account, heads) in &self.heads {
            let Some(last) = heads.last() else { continue };
            let opening_cents = to_cents(last.opening);
            accounts.insert(
                (*account).into(),
                AccountCheckpoint {
                    statement_id: last.id,
                    from: last.from,
                    to: last.to,
                    seq: last.seq,
                    opening_cents,
                    closing_cents: to_cents(last.closing),
                    base_cents: opening_cents + self.early_cents(last.id) + sum_of(account, last.id),
                },
            );
        }
        let last_day = self.period.last_day();
        let mut early: HashMap<i64, EarlyEntries> = self
            .previous
            .early
            .iter()
            .filter(|(id, e)| {
                !self.heads.get(e.account.as_str()).is_some_and(|hs| hs.iter().any(|h| h.id == **id))
            })
            .map(|(id, e)| (*id, e.clone()))
            .collect();
        for entry in &self.early {
            debug_assert!(entry.statement_from > last_day);
            early
                .entry(entry.statement_id)
                .or_insert_with(|| EarlyEntries { account: entry.account.clone(), cents: 0 })
                .cents += to_cents(entry.amount);
        }
        Checkpoint { accounts, early }
    }
}

#[cfg(test)]
mod tests;
