//! The two matching passes and the returns of SPEC §3.1.

use super::{DuplicateCredit, Ledger, Match, PeriodInputs};
use crate::records::{equal_run, EntryRec};
use crate::records::{HashMap, HashSet};

/// Matches and duplicates of one period, before exceptions are derived.
pub(super) struct Outcome {
    pub matches: Vec<Match>,
    pub duplicates: Vec<DuplicateCredit>,
    /// Credits that any period (earlier or this one) counted as a duplicate.
    pub duplicate_credits: HashSet<i64>,
}

pub(super) fn match_period(inputs: &PeriodInputs<'_>, ledger: &Ledger) -> Outcome {
    let window_end = inputs.period.window_end(inputs.grace_days);
    let first = inputs.period.first_day();
    let last = inputs.period.last_day();
    let mut credits: Vec<&EntryRec> = inputs
        .window_entries
        .iter()
        .filter(|e| e.is_credit() && e.booking_date >= first && e.booking_date <= window_end)
        .filter(|e| !ledger.consumed_credits.contains(&e.id))
        .collect();
    credits.sort_by_key(|e| e.order_key());

    let mut matches = Vec::with_capacity(inputs.instructions.len());
    let mut duplicates = Vec::new();
    {
        // Pass 1: by referencia, on the instruction's account. The credits carrying one by
        // (account, referencia): the first in booking order from a map, each further one chained
        // from the one before. At national scale a search per instruction through a sorted
        // vector of 700,000 credits was most of the pass; one map entry per key is all it costs.
        let mut by_reference: HashMap<(&str, &str), Chain> =
            HashMap::with_capacity_and_hasher(credits.len(), Default::default());
        assert!(credits.len() < Chain::END as usize, "a period of fewer than 2³² − 1 credits");
        let mut next_same = vec![Chain::END; credits.len()];
        for (i, credit) in (0u32..).zip(&credits) {
            let Some(referencia) = credit.referencia.as_deref() else { continue };
            by_reference
                .entry((credit.account.as_str(), referencia))
                .and_modify(|chain| {
                    next_same[chain.last as usize] = i;
                    chain.last = i;
                })
                .or_insert(Chain { first: i, last: i });
        }
        let mut taken: HashSet<i64> = HashSet::default();
        let mut instructions: Vec<_> = inputs.instructions.iter().collect();
        instructions.sort_by_key(|i| i.seq);
        let mut unmatched = Vec::new();
        for instruction in &instructions {
            let wanted = (instruction.cuenta.as_str(), instruction.referencia.as_str());
            let Some(chain) = by_reference.get(&wanted) else {
                unmatched.push(*instruction);
                continue;
            };
            let first = credits[chain.first as usize];
            matches.push(Match { instruction_id: instruction.id, entry_id: first.id, returned_by: None });
            taken.insert(first.id);
            let mut further = next_same[chain.first as usize];
            while further != Chain::END {
                let credit = credits[further as usize];
                taken.insert(credit.id);
                duplicates.push(DuplicateCredit {
                    instruction_id: instruction.id,
                    entry_id: credit.id,
                    offset_by: None,
                });
                further = next_same[further as usize];
            }
        }
        drop((by_reference, next_same));

        // Pass 2: by amount, in referencia order, credits without referencia booked within M.
        unmatched.sort_by(|a, b| a.referencia.cmp(&b.referencia).then(a.seq.cmp(&b.seq)));
        // Credits without referencia by account, in booking order: each instruction scans only its
        // account's.
        let mut unreferenced: Vec<&EntryRec> =
            credits.iter().copied().filter(|c| c.referencia.is_none() && c.booking_date <= last).collect();
        unreferenced.sort_by(|a, b| a.account.cmp(&b.account));
        for instruction in unmatched {
            let wanted = instruction.cuenta.as_str();
            let found = equal_run(&unreferenced, |c| c.account.as_str().cmp(wanted))
                .iter()
                .find(|c| !taken.contains(&c.id) && c.amount == instruction.monto);
            if let Some(credit) = found {
                taken.insert(credit.id);
                matches.push(Match {
                    instruction_id: instruction.id,
                    entry_id: credit.id,
                    returned_by: None,
                });
            }
        }
    }
    drop(credits);

    apply_reversals(inputs, ledger, &mut matches, &mut duplicates, window_end);
    let duplicate_credits = duplicates.iter().map(|d| d.entry_id).collect();
    Outcome { matches, duplicates, duplicate_credits }
}

/// The credits of one (account, referencia), by their positions in the period's credits: the
/// first and the last in booking order (the others are chained from the first).
struct Chain {
    first: u32,
    last: u32,
}

impl Chain {
    /// No further credit.
    const END: u32 = u32::MAX;
}

/// Reversals of credits in the window, in booking order, return matched credits or offset
/// duplicate credits (SPEC §3.1). Each reversal acts at most once, and only on a credit that
/// came before it.
fn apply_reversals(
    inputs: &PeriodInputs<'_>,
    ledger: &Ledger,
    matches: &mut [Match],
    duplicates: &mut [DuplicateCredit],
    window_end: chrono::NaiveDate,
) {
    let first = inputs.period.first_day();
    // Only the credits of matches and duplicates are looked up.
    let named: HashSet<i64> =
        matches.iter().map(|m| m.entry_id).chain(duplicates.iter().map(|d| d.entry_id)).collect();
    let entries: HashMap<i64, &EntryRec> =
        inputs.window_entries.iter().filter(|e| named.contains(&e.id)).map(|e| (e.id, e)).collect();
    let mut reversals: Vec<&EntryRec> = inputs
        .window_entries
        .iter()
        .filter(|e| e.is_credit_reversal() && e.booking_date >= first && e.booking_date <= window_end)
        .filter(|e| !ledger.used_reversals.contains(&e.id))
        .collect();
    reversals.sort_by_key(|e| e.order_key());
    // Matches and duplicates per account, in the order of their credits, so "earliest" is a
    // scan of that account's few credits only.
    let credit_of = |id: i64| entries.get(&id).copied();
    let account_of = |id: i64| credit_of(id).map_or("", |c| c.account.as_str());
    // Matches and duplicates by account, each account's in the order of their credits: indices
    // sorted by (account, credit order), so "earliest" is a scan of that account's few credits
    // only (one vector, not a map of 700,000 small vectors at national scale).
    let order_of = |entry_ids: Vec<i64>| -> Vec<usize> {
        let mut order: Vec<usize> = (0..entry_ids.len()).collect();
        order.sort_by_cached_key(|&i| {
            (account_of(entry_ids[i]), credit_of(entry_ids[i]).map(EntryRec::order_key))
        });
        order
    };
    let match_order = order_of(matches.iter().map(|m| m.entry_id).collect());
    let duplicate_order = order_of(duplicates.iter().map(|d| d.entry_id).collect());

    for reversal in reversals {
        let before = |credit: &EntryRec| {
            credit.order_key() < reversal.order_key() && credit.account == reversal.account
        };
        let account = reversal.account.as_str();
        if let Some(reference) = &reversal.referencia {
            let offset = equal_run(&duplicate_order, |&i| account_of(duplicates[i].entry_id).cmp(account))
                .iter()
                .copied()
                .find(|&i| {
                    duplicates[i].offset_by.is_none()
                        && credit_of(duplicates[i].entry_id)
                            .is_some_and(|c| before(c) && c.referencia.as_deref() == Some(reference))
                });
            if let Some(i) = offset {
                duplicates[i].offset_by = Some(reversal.id);
                continue;
            }
            let returned = equal_run(&match_order, |&i| account_of(matches[i].entry_id).cmp(account))
                .iter()
                .copied()
                .find(|&i| {
                    matches[i].returned_by.is_none()
                        && credit_of(matches[i].entry_id)
                            .is_some_and(|c| before(c) && c.referencia.as_deref() == Some(reference))
                });
            if let Some(i) = returned {
                matches[i].returned_by = Some(reversal.id);
            }
        } else {
            let returned = equal_run(&match_order, |&i| account_of(matches[i].entry_id).cmp(account))
                .iter()
                .copied()
                .find(|&i| {
                    matches[i].returned_by.is_none()
                        && credit_of(matches[i].entry_id)
                            .is_some_and(|c| before(c) && c.amount == -reversal.amount)
                });
            if let Some(i) = returned {
                matches[i].returned_by = Some(reversal.id);
            }
        }
    }
}
