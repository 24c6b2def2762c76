//! Account-months and savers (SPEC §3.2): per roster row of M, the balance timeline of her
//! account over the month and the month's movements, and whether she saved.
//!
//! Pure: [`account_month`] takes the account's statement heads and entries (from the statement
//! in force on the first of M onward) and the set of credits that matched instructions;
//! [`timeline`] gives each account that history from a month-end checkpoint and the period's own
//! statements and entries.

pub mod timeline;

use crate::domain::{Grupo, Period};
use crate::formats::EntryKind;
use crate::records::HashSet;
use crate::records::{EntryRec, RosterMember, StatementHead, Text};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Saver rule settings (`saver.*`).
#[derive(Clone, Debug)]
pub struct SaverRule {
    pub min_month_end_balance: Decimal,
    pub require_activity: bool,
}

/// The balances of a month with data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balances {
    pub month_end: Decimal,
    pub min: Decimal,
    /// Exact mean of the end-of-day balances (rounded only when written).
    pub avg_daily: Decimal,
}

/// One row of `account_months.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountMonth {
    pub period: Period,
    // Inline texts: a national month holds 700,000 of these rows.
    pub dni: Text,
    pub cuenta: Text,
    pub ubigeo: Text,
    pub grupo: Grupo,
    /// `None`: the account-month has no data.
    pub balances: Option<Balances>,
    pub cct_credits: Decimal,
    pub other_credits: Decimal,
    pub debits: Decimal,
    pub customer_movements: u32,
    pub voluntary_deposits: u32,
    pub saver: bool,
}

/// An account's statements and entries as loaded for one month: every statement from the one in
/// force on the first of M through those starting in M, and their entries booked up to the end
/// of M — those booked before the first of M as one sum per statement (`carried`), those booked
/// in M one by one. Heads in coverage order.
#[derive(Clone, Debug, Default)]
pub struct AccountHistory {
    pub statements: Vec<StatementHead>,
    /// (statement id, sum of its entries booked before the first of M).
    pub carried: Vec<(i64, Decimal)>,
    /// Entries booked in M.
    pub entries: Vec<Movement>,
}

/// What the account-month needs of a booked entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Movement {
    pub id: i64,
    pub statement_id: i64,
    pub booking_date: NaiveDate,
    pub amount: Decimal,
    pub reversal: bool,
    /// Whether the entry carries a referencia.
    pub referenced: bool,
    pub kind: EntryKind,
}

impl Movement {
    pub fn of(entry: &EntryRec) -> Self {
        Self {
            id: entry.id,
            statement_id: entry.statement_id,
            booking_date: entry.booking_date,
            amount: entry.amount,
            reversal: entry.reversal,
            referenced: entry.referencia.is_some(),
            kind: entry.kind,
        }
    }
}

/// Computes the account-month of one roster row.
pub fn account_month(
    period: Period,
    member: &RosterMember,
    history: Option<&AccountHistory>,
    matched_credits: &HashSet<i64>,
    rule: &SaverRule,
) -> AccountMonth {
    let (first, last) = (period.first_day(), period.last_day());
    let empty = AccountHistory::default();
    let history = history.unwrap_or(&empty);
    let mut row = AccountMonth {
        period,
        dni: member.dni.as_str().into(),
        cuenta: member.cuenta.clone(),
        ubigeo: member.ubigeo.as_str().into(),
        grupo: member.grupo,
        balances: balances(history, first, last),
        cct_credits: Decimal::ZERO,
        other_credits: Decimal::ZERO,
        debits: Decimal::ZERO,
        customer_movements: 0,
        voluntary_deposits: 0,
        saver: false,
    };
    for entry in history.entries.iter().filter(|e| e.booking_date >= first && e.booking_date <= last) {
        tally(&mut row, entry, matched_credits);
    }
    row.saver = row.balances.as_ref().is_some_and(|b| {
        b.month_end >= rule.min_month_end_balance && (!rule.require_activity || row.customer_movements >= 1)
    });
    row
}

fn tally(row: &mut AccountMonth, entry: &Movement, matched_credits: &HashSet<i64>) {
    if entry.reversal {
        return;
    }
    if entry.amount > Decimal::ZERO {
        if matched_credits.contains(&entry.id) {
            row.cct_credits += entry.amount;
        } else {
            row.other_credits += entry.amount;
            if !entry.referenced && entry.kind != EntryKind::Interest {
                row.voluntary_deposits += 1;
                row.customer_movements += 1;
            }
        }
    } else if entry.amount < Decimal::ZERO {
        row.debits -= entry.amount;
        if entry.kind != EntryKind::Charge {
            row.customer_movements += 1;
        }
    }
}

/// End-of-day balances over the days of M covered by the timeline (SPEC §3.2).
fn balances(history: &AccountHistory, first: NaiveDate, last: NaiveDate) -> Option<Balances> {
    let heads = &history.statements;
    let start = heads.iter().map(|s| s.from).min()?.max(first);
    if start > last {
        return None;
    }
    // Position of each statement in coverage order, to know which entries count from S onward.
    let rank = |statement_id: i64| heads.iter().position(|s| s.id == statement_id);
    // Entries booked before the first of M count on every day of M: one sum per statement.
    let carried = history.carried.iter().filter_map(|(id, sum)| Some((NaiveDate::MIN, rank(*id)?, *sum)));
    let mut entries: Vec<(NaiveDate, usize, Decimal)> = history
        .entries
        .iter()
        .filter_map(|e| Some((e.booking_date, rank(e.statement_id)?, e.amount)))
        .chain(carried)
        .collect();
    entries.sort();
    let (mut sum, mut min, mut days) = (Decimal::ZERO, None::<Decimal>, 0u32);
    let (mut eod, mut in_force, mut next) = (Decimal::ZERO, usize::MAX, 0usize);
    for day in start.iter_days().take_while(|d| *d <= last) {
        let current = heads.iter().rposition(|s| s.from <= day)?;
        if current != in_force {
            // A new statement is in force: its opening wins (the bank's figure after a gap).
            in_force = current;
            next = entries.partition_point(|(date, _, _)| *date <= day);
            eod = heads[current].opening
                + entries[..next]
                    .iter()
                    .filter(|(_, r, _)| *r >= current)
                    .map(|(_, _, a)| *a)
                    .sum::<Decimal>();
        } else {
            let end = entries.partition_point(|(date, _, _)| *date <= day);
            eod += entries[next..end]
                .iter()
                .filter(|(_, r, _)| *r >= current)
                .map(|(_, _, a)| *a)
                .sum::<Decimal>();
            next = end;
        }
        sum += eod;
        days += 1;
        min = Some(min.map_or(eod, |m: Decimal| m.min(eod)));
    }
    Some(Balances { month_end: eod, min: min?, avg_daily: sum / Decimal::from(days) })
}
