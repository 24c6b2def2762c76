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
    heads: ByAccount<'a, StatementHead>,
    /// Entries booked in the period of the statements that decide its balances, per account.
    movements: ByAccount<'a, EntryRec>,
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
        let mut by_account: Vec<&StatementHead> = heads.iter().collect();
        by_account.sort_unstable_by(|a, b| {
            (a.account.as_str(), a.from, a.seq).cmp(&(b.account.as_str(), b.from, b.seq))
        });
        let mut movements = Vec::new();
        let mut early = Vec::new();
        for entry in window.iter().filter(|e| e.booking_date >= first && e.booking_date <= last) {
            let starts_in_period = entry.statement_from >= first && entry.statement_from <= last;
            let in_force = previous
                .accounts
                .get(entry.account.as_str())
                .is_some_and(|c| c.statement_id == entry.statement_id);
            if starts_in_period || in_force {
                movements.push(entry);
            } else if entry.statement_from > last {
                early.push(entry);
            }
        }
        // Stable: each account's entries stay in the window's order. By a copy of each account
        // in one vector (inline up to 24 bytes, as a CCI is): comparing through the references
        // read millions of entries scattered over the window, a cache miss each.
        movements.sort_by_cached_key(|e| e.account.clone());
        Self {
            period,
            previous,
            heads: ByAccount { sorted: by_account },
            movements: ByAccount { sorted: movements },
            early,
        }
    }

    fn early_cents(&self, statement_id: i64) -> i64 {
        self.previous.early.get(&statement_id).map_or(0, |e| e.cents)
    }

    /// The statements and entries that decide `account`'s balances in the period (SPEC §3.2):
    /// the statement in force on the first day and those starting in the period; their entries
    /// booked before the first day carried as one sum per statement.
    pub fn history(&self, account: &str) -> AccountHistory {
        self.history_of(account, self.heads.get(account), self.movements.get(account))
    }

    /// A walk through the accounts in ascending order: [`Walk::history`] is the same as
    /// [`Self::history`], found in one pass over the period's records instead of a search per
    /// account (at national scale, 700,000 searches through millions of records).
    pub fn walk(&self) -> Walk<'_, 'a> {
        Walk { timeline: self, heads: 0, movements: 0 }
    }

    fn history_of(&self, account: &str, heads: &[&StatementHead], movements: &[&EntryRec]) -> AccountHistory {
        let mut history = AccountHistory::default();
        if let Some(c) = self.previous.accounts.get(account) {
            history.statements.push(c.head(account));
            history.carried.push((c.statement_id, from_cents(c.base_cents - c.opening_cents)));
        }
        for head in heads {
            history.statements.push((*head).clone());
            let early = self.early_cents(head.id);
            if early != 0 {
                history.carried.push((head.id, from_cents(early)));
            }
        }
        history.entries = movements.iter().map(|e| Movement::of(e)).collect();
        history
    }

    /// The `BALANCE_GAP` candidates that are gaps: the statements starting in the period whose
    /// opening differs from the closing of the account's previous statement in coverage order,
    /// each with that closing, by (first day, delivery order). (Only those: at national scale
    /// the others are millions of statement heads that no exception comes of.)
    pub fn gap_candidates(&self) -> Vec<(StatementHead, Option<Decimal>)> {
        let mut gaps = Vec::new();
        for (account, heads) in self.heads.groups() {
            // Per account, its heads are already in coverage order.
            let mut before = self.previous.accounts.get(account).map(|c| from_cents(c.closing_cents));
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
    ///
    /// The accounts are taken in ascending order, so that their statements and entries are
    /// found by walking forward through the period's sorted records: at national scale a search
    /// per account (two for each account of the previous checkpoint) was most of the time.
    pub fn next_checkpoint(&self) -> Checkpoint {
        let sum_of = |movements: &[&EntryRec], statement_id: i64| -> i64 {
            movements.iter().filter(|e| e.statement_id == statement_id).map(|e| to_cents(e.amount)).sum()
        };
        let mut accounts = HashMap::with_capacity_and_hasher(
            // Accounts, not statements: one entry per account with a head this month.
            self.previous.accounts.len().max(self.heads.groups().count()),
            Default::default(),
        );
        let mut previous: Vec<(&Text, &AccountCheckpoint)> = self.previous.accounts.iter().collect();
        previous.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let (mut heads, mut movements) = (0, 0);
        for (account, c) in previous {
            if self.heads.run_from(&mut heads, account.as_str()).is_empty() {
                let mut c = c.clone();
                c.base_cents +=
                    sum_of(self.movements.run_from(&mut movements, account.as_str()), c.statement_id);
                accounts.insert(account.clone(), c);
            }
        }
        let mut movements = 0;
        for (account, heads) in self.heads.groups() {
            let Some(last) = heads.last() else { continue };
            let opening_cents = to_cents(last.opening);
            let sum = sum_of(self.movements.run_from(&mut movements, account), last.id);
            accounts.insert(
                account.into(),
                AccountCheckpoint {
                    statement_id: last.id,
                    from: last.from,
                    to: last.to,
                    seq: last.seq,
                    opening_cents,
                    closing_cents: to_cents(last.closing),
                    base_cents: opening_cents + self.early_cents(last.id) + sum,
                },
            );
        }
        let last_day = self.period.last_day();
        let mut early: HashMap<i64, EarlyEntries> = self
            .previous
            .early
            .iter()
            .filter(|(id, e)| !self.heads.get(e.account.as_str()).iter().any(|h| h.id == **id))
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

/// See [`PeriodTimeline::walk`].
pub struct Walk<'t, 'a> {
    timeline: &'t PeriodTimeline<'a>,
    heads: usize,
    movements: usize,
}

impl Walk<'_, '_> {
    /// `account`'s history; accounts must come in ascending order.
    pub fn history(&mut self, account: &str) -> AccountHistory {
        let t = self.timeline;
        let heads = t.heads.run_from(&mut self.heads, account);
        let movements = t.movements.run_from(&mut self.movements, account);
        t.history_of(account, heads, movements)
    }
}

/// Records of a period grouped by account: one vector of references sorted by account, each
/// account's run found by binary search. At national scale this is a tenth of the memory of a
/// map of per-account vectors (millions of small allocations) and no slower to build.
struct ByAccount<'a, T> {
    sorted: Vec<&'a T>,
}

trait OfAccount {
    fn account(&self) -> &str;
}

impl OfAccount for StatementHead {
    fn account(&self) -> &str {
        &self.account
    }
}

impl OfAccount for EntryRec {
    fn account(&self) -> &str {
        &self.account
    }
}

impl<'a, T: OfAccount> ByAccount<'a, T> {
    /// The account's records, in their order (empty if it has none).
    fn get(&self, account: &str) -> &[&'a T] {
        crate::records::equal_run(&self.sorted, |r| r.account().cmp(account))
    }

    /// The account's records, moving `cursor` forward to them: from one call to the next,
    /// accounts must come in ascending order.
    fn run_from(&self, cursor: &mut usize, account: &str) -> &[&'a T] {
        debug_assert!(*cursor == 0 || self.sorted.get(*cursor - 1).is_none_or(|r| r.account() <= account));
        while self.sorted.get(*cursor).is_some_and(|r| r.account() < account) {
            *cursor += 1;
        }
        let run = self.sorted[*cursor..].iter().take_while(|r| r.account() == account).count();
        &self.sorted[*cursor..*cursor + run]
    }

    /// Every account with records, each with its run.
    fn groups(&self) -> impl Iterator<Item = (&'a str, &[&'a T])> {
        self.sorted.chunk_by(|a, b| a.account() == b.account()).map(|run| (run[0].account(), run))
    }
}

#[cfg(test)]
mod tests;
