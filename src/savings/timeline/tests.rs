//! The checkpointed timeline against the whole history: for generated accounts whose banks
//! book entries before, inside and after their statements' coverage, with balance gaps, every
//! month's account-month and BALANCE_GAP candidates are the same whether computed from the whole
//! history or from the checkpoint rolled month by month, and each rolled checkpoint equals the
//! one computed from the history.

use super::*;
use crate::formats::EntryKind;
use crate::records::HashSet;
use crate::records::RosterMember;
use crate::savings::{account_month, AccountHistory, Movement, SaverRule};
use chrono::Days;

/// A small deterministic generator (no dependency, same sequence everywhere).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

struct History {
    statements: Vec<StatementHead>,
    entries: Vec<EntryRec>,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Accounts with back-to-back statements from November 2011 on, of 1 to 45 days, each with
/// entries mostly inside its coverage and some booked up to 40 days before or 10 after it.
fn generate(seed: u64) -> History {
    let mut rng = Lcg(seed);
    let (mut statements, mut entries) = (Vec::new(), Vec::new());
    let (mut statement_id, mut entry_id) = (1i64, 1i64);
    for account_no in 0..6 {
        let account = format!("{:020}", 1000 + account_no);
        let mut from = day(2011, 11, 1) + Days::new(rng.below(40));
        let mut closing = 0i64;
        while from < day(2012, 5, 31) {
            let to = from + Days::new(rng.below(45));
            // A balance gap now and then.
            let opening = if rng.below(5) == 0 { closing + 100 * (rng.below(9) as i64 - 4) } else { closing };
            let mut sum = 0;
            for position in 0..rng.below(6) {
                let span = (to - from).num_days().max(0) as u64;
                let booking = match rng.below(8) {
                    0 => from - Days::new(1 + rng.below(40)),
                    1 => to + Days::new(1 + rng.below(10)),
                    _ => from + Days::new(rng.below(span + 1)),
                };
                let cents = (rng.below(20_000) as i64) - 8_000;
                sum += cents;
                entries.push(EntryRec {
                    id: entry_id,
                    account: account.as_str().into(),
                    booking_date: booking,
                    amount: from_cents(cents),
                    reversal: rng.below(10) == 0,
                    referencia: (rng.below(3) == 0).then(|| format!("R{entry_id}").into()),
                    kind: [EntryKind::Ordinary, EntryKind::Interest, EntryKind::Charge]
                        [rng.below(3) as usize],
                    seq: Seq { file: statement_id, position: position as i64 },
                    statement_id,
                    statement_from: from,
                });
                entry_id += 1;
            }
            closing = opening + sum;
            statements.push(StatementHead {
                id: statement_id,
                account: account.as_str().into(),
                from,
                to,
                opening: from_cents(opening),
                closing: from_cents(closing),
                seq: Seq { file: statement_id, position: 0 },
            });
            statement_id += 1;
            // Sometimes a day or more without a statement.
            from = to + Days::new(1 + rng.below(3) * rng.below(2));
        }
    }
    History { statements, entries }
}

/// The checkpoint at the day before `first` from the whole history (what the stores compute
/// when no checkpoint is stored).
fn from_history(h: &History, first: NaiveDate) -> Checkpoint {
    let mut checkpoint = Checkpoint::default();
    let mut before: Vec<&StatementHead> = h.statements.iter().filter(|s| s.from < first).collect();
    before.sort_by_key(|s| (s.account.clone(), s.from, s.seq));
    for s in before {
        checkpoint.accounts.insert(
            s.account.clone(),
            AccountCheckpoint {
                statement_id: s.id,
                from: s.from,
                to: s.to,
                seq: s.seq,
                opening_cents: to_cents(s.opening),
                closing_cents: to_cents(s.closing),
                base_cents: to_cents(s.opening),
            },
        );
    }
    for e in h.entries.iter().filter(|e| e.booking_date < first) {
        if e.statement_from >= first {
            checkpoint
                .early
                .entry(e.statement_id)
                .or_insert_with(|| EarlyEntries { account: e.account.clone(), cents: 0 })
                .cents += to_cents(e.amount);
        } else if let Some(c) = checkpoint.accounts.get_mut(&e.account) {
            if c.statement_id == e.statement_id {
                c.base_cents += to_cents(e.amount);
            }
        }
    }
    checkpoint
}

/// The history of SPEC §3.2 as it was read before checkpoints: the statement in force on the
/// first of M and those starting in M, with all their entries booked up to the end of M.
fn whole_history(h: &History, account: &str, period: Period) -> AccountHistory {
    let (first, last) = (period.first_day(), period.last_day());
    let mut mine: Vec<&StatementHead> = h.statements.iter().filter(|s| s.account == account).collect();
    mine.sort_by_key(|s| (s.from, s.seq));
    let in_force = mine.iter().rfind(|s| s.from < first).copied();
    let chosen: Vec<StatementHead> = in_force
        .into_iter()
        .chain(mine.iter().copied().filter(|s| s.from >= first && s.from <= last))
        .cloned()
        .collect();
    let ids: HashSet<i64> = chosen.iter().map(|s| s.id).collect();
    let entries = h
        .entries
        .iter()
        .filter(|e| ids.contains(&e.statement_id) && e.booking_date <= last)
        .map(Movement::of)
        .collect();
    AccountHistory { statements: chosen, carried: Vec::new(), entries }
}

fn member(account: &str) -> RosterMember {
    RosterMember::sample("12345678", account)
}

#[test]
fn rolled_checkpoints_give_the_whole_historys_account_months_and_gaps() {
    let rule = SaverRule { min_month_end_balance: Decimal::TEN, require_activity: true };
    let mut gaps_seen = 0;
    for seed in 1..40 {
        let h = generate(seed);
        let matched: HashSet<i64> = h.entries.iter().filter(|e| e.id % 3 == 0).map(|e| e.id).collect();
        let mut previous = from_history(&h, day(2012, 1, 1));
        for month in 1..=5 {
            let period = Period::of_date(day(2012, month, 1));
            let mut heads: Vec<StatementHead> =
                h.statements.iter().filter(|s| Period::of_date(s.from) == period).cloned().collect();
            heads.sort_by_key(|s| (s.from, s.seq));
            let window: Vec<EntryRec> = h
                .entries
                .iter()
                .filter(|e| e.booking_date >= period.first_day() && e.booking_date <= period.window_end(5))
                .cloned()
                .collect();
            let timeline = PeriodTimeline::new(period, &previous, &heads, &window);
            for account_no in 0..6 {
                let account = format!("{:020}", 1000 + account_no);
                let m = member(&account);
                let expected =
                    account_month(period, &m, Some(&whole_history(&h, &account, period)), &matched, &rule);
                let actual = account_month(period, &m, Some(&timeline.history(&account)), &matched, &rule);
                assert_eq!(actual, expected, "seed {seed}, {period}, account {account}");
            }
            let mut expected_gaps = Vec::new();
            for head in &heads {
                let mut mine: Vec<&StatementHead> =
                    h.statements.iter().filter(|s| s.account == head.account).collect();
                mine.sort_by_key(|s| (s.from, s.seq));
                let at = mine.iter().position(|s| s.id == head.id).unwrap();
                let previous_closing = at.checked_sub(1).map(|i| mine[i].closing);
                if previous_closing.is_some_and(|c| c != head.opening) {
                    expected_gaps.push((head.clone(), previous_closing));
                }
            }
            assert_eq!(timeline.gap_candidates(), expected_gaps, "seed {seed}, {period}");
            gaps_seen += expected_gaps.len();
            let next = timeline.next_checkpoint();
            assert_eq!(next, from_history(&h, period.next().first_day()), "seed {seed}, end of {period}");
            previous = next;
        }
    }
    assert!(gaps_seen > 50, "the generator made only {gaps_seen} balance gaps");
}
