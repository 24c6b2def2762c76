//! The two matching passes and the returns of SPEC §3.1.

use super::{DuplicateCredit, Ledger, Match, PeriodInputs};
use crate::records::EntryRec;
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

    // Pass 1: by referencia, on the instruction's account.
    let mut by_reference: HashMap<(&str, &str), Vec<&EntryRec>> = HashMap::default();
    for credit in &credits {
        if let Some(r) = &credit.referencia {
            by_reference.entry((credit.account.as_str(), r.as_str())).or_default().push(credit);
        }
    }
    let mut matches = Vec::new();
    let mut duplicates = Vec::new();
    let mut taken: HashSet<i64> = HashSet::default();
    let mut instructions: Vec<_> = inputs.instructions.iter().collect();
    instructions.sort_by_key(|i| i.seq);
    let mut unmatched = Vec::new();
    for instruction in &instructions {
        match by_reference.get(&(instruction.cuenta.as_str(), instruction.referencia.as_str())) {
            Some(found) => {
                matches.push(Match {
                    instruction_id: instruction.id,
                    entry_id: found[0].id,
                    returned_by: None,
                });
                taken.insert(found[0].id);
                for further in &found[1..] {
                    taken.insert(further.id);
                    duplicates.push(DuplicateCredit {
                        instruction_id: instruction.id,
                        entry_id: further.id,
                        offset_by: None,
                    });
                }
            }
            None => unmatched.push(*instruction),
        }
    }

    // Pass 2: by amount, in referencia order, credits without referencia booked within M.
    unmatched.sort_by(|a, b| a.referencia.cmp(&b.referencia).then(a.seq.cmp(&b.seq)));
    // Credits without referencia per account, in order: each instruction scans only its account.
    let mut unreferenced: HashMap<&str, Vec<&EntryRec>> = HashMap::default();
    for credit in credits.iter().filter(|c| c.referencia.is_none() && c.booking_date <= last) {
        unreferenced.entry(credit.account.as_str()).or_default().push(credit);
    }
    for instruction in unmatched {
        let found = unreferenced
            .get(instruction.cuenta.as_str())
            .into_iter()
            .flatten()
            .find(|c| !taken.contains(&c.id) && c.amount == instruction.monto);
        if let Some(credit) = found {
            taken.insert(credit.id);
            matches.push(Match { instruction_id: instruction.id, entry_id: credit.id, returned_by: None });
        }
    }

    apply_reversals(inputs, ledger, &mut matches, &mut duplicates, window_end);
    let duplicate_credits = duplicates.iter().map(|d| d.entry_id).collect();
    Outcome { matches, duplicates, duplicate_credits }
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
    let mut match_order: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, m) in matches.iter().enumerate() {
        match_order.entry(account_of(m.entry_id)).or_default().push(i);
    }
    for list in match_order.values_mut() {
        list.sort_by_key(|&i| credit_of(matches[i].entry_id).map(EntryRec::order_key));
    }
    let mut duplicate_order: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, d) in duplicates.iter().enumerate() {
        duplicate_order.entry(account_of(d.entry_id)).or_default().push(i);
    }
    for list in duplicate_order.values_mut() {
        list.sort_by_key(|&i| credit_of(duplicates[i].entry_id).map(EntryRec::order_key));
    }
    let none: Vec<usize> = Vec::new();

    for reversal in reversals {
        let before = |credit: &EntryRec| {
            credit.order_key() < reversal.order_key() && credit.account == reversal.account
        };
        if let Some(reference) = &reversal.referencia {
            let offset =
                duplicate_order.get(reversal.account.as_str()).unwrap_or(&none).iter().copied().find(|&i| {
                    duplicates[i].offset_by.is_none()
                        && credit_of(duplicates[i].entry_id)
                            .is_some_and(|c| before(c) && c.referencia.as_deref() == Some(reference))
                });
            if let Some(i) = offset {
                duplicates[i].offset_by = Some(reversal.id);
                continue;
            }
            let returned =
                match_order.get(reversal.account.as_str()).unwrap_or(&none).iter().copied().find(|&i| {
                    matches[i].returned_by.is_none()
                        && credit_of(matches[i].entry_id)
                            .is_some_and(|c| before(c) && c.referencia.as_deref() == Some(reference))
                });
            if let Some(i) = returned {
                matches[i].returned_by = Some(reversal.id);
            }
        } else {
            let returned =
                match_order.get(reversal.account.as_str()).unwrap_or(&none).iter().copied().find(|&i| {
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
