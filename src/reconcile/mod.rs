//! Reconciliation of one period (SPEC §3.1): instructions of M against the bank's credits in
//! M's window, and the exceptions a manager must act on.
//!
//! Pure: [`reconcile_period`] takes the stored facts and the [`Ledger`] of what earlier periods
//! already consumed, and returns the matches and exceptions. Periods are reconciled in calendar
//! order; a credit matches at most one instruction, ever, and a reversal returns or offsets at
//! most one credit, ever.

mod dni_index;
mod exceptions;
mod matching;

use dni_index::DniIndex;

pub use exceptions::{sort_exceptions, Category, ExceptionRow};

use crate::domain::Period;
use crate::records::HashSet;
use crate::records::{EntryRec, InstructionRec, RosterMember, Seq, StatementHead};

/// What earlier periods consumed: credits matched or counted as duplicates, and reversals used.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub consumed_credits: HashSet<i64>,
    pub used_reversals: HashSet<i64>,
    /// Credits booked in any month that matched an instruction of any period.
    pub matched_credits: HashSet<i64>,
}

/// An instruction's match with a credit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub instruction_id: i64,
    pub entry_id: i64,
    /// The reversal that returned the credit, if any.
    pub returned_by: Option<i64>,
}

/// A further credit carrying an already-matched referencia.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateCredit {
    pub instruction_id: i64,
    pub entry_id: i64,
    /// The reversal that offset it (the bank undoing its double payment), if any.
    pub offset_by: Option<i64>,
}

/// The period's women and instructions as every account range sees them (a period recomputed
/// in ranges reconciles each range with the whole roster's DNIs behind it: an instruction's
/// woman may hold her roster account in another range). DNIs are kept as their numbers
/// (`Dni::number`): at 20 million women each index entry is 8 or 24 bytes, not 24 or 40.
pub struct People<'a> {
    /// The latest roster of M, in file order.
    pub roster: &'a [RosterMember],
    /// Each DNI's position in `roster`.
    by_dni: DniIndex<u32>,
    /// The earliest instruction (delivery order) of each instructed DNI of M.
    first_instructions: DniIndex<Seq>,
}

impl<'a> People<'a> {
    /// `instructions`: (DNI number, delivery order) of every instruction of M, any order.
    pub fn new(roster: &'a [RosterMember], instructions: Vec<(u32, Seq)>) -> Self {
        let by_dni: Vec<(u32, u32)> = (0u32..).zip(roster).map(|(p, m)| (m.dni.number(), p)).collect();
        assert!(by_dni.len() == roster.len(), "a roster of fewer than 2³² women");
        Self { roster, by_dni: DniIndex::new(by_dni), first_instructions: DniIndex::new(instructions) }
    }

    /// The position in the roster of a DNI's row.
    pub fn position(&self, dni: &str) -> Option<usize> {
        self.by_dni.get(dni).map(|p| p as usize)
    }

    /// The roster row of a DNI.
    pub fn member(&self, dni: &str) -> Option<&'a RosterMember> {
        self.position(dni).map(|p| &self.roster[p])
    }

    /// The delivery order of the DNI's earliest instruction of M, if she has one.
    pub fn first_instruction(&self, dni: &str) -> Option<Seq> {
        self.first_instructions.get(dni)
    }
}

/// Everything reconciliation needs for period M, or for one range of its accounts.
pub struct PeriodInputs<'a> {
    pub period: Period,
    pub people: &'a People<'a>,
    /// The roster rows whose account is in the range (every one without ranges), with their
    /// positions in the roster.
    pub roster: &'a [(u32, &'a RosterMember)],
    /// Instructions whose `periodo` is M on the range's accounts, any order.
    pub instructions: &'a [InstructionRec],
    /// Every booked entry (credits and reversals at least) from the first of M through the
    /// window end, any order.
    pub window_entries: &'a [EntryRec],
    /// Statements whose first day is in M, each with the closing of the account's previous
    /// statement in coverage order (if any): at least every one whose opening differs from it.
    pub gap_candidates: &'a [(StatementHead, Option<rust_decimal::Decimal>)],
    pub grace_days: u32,
}

/// The outcome for one period.
#[derive(Clone, Debug, Default)]
pub struct PeriodReconciliation {
    pub matches: Vec<Match>,
    pub duplicates: Vec<DuplicateCredit>,
    /// Sorted as SPEC §4 says.
    pub exceptions: Vec<ExceptionRow>,
}

impl PeriodReconciliation {
    /// Instruction ids that are credited: matched and not returned.
    pub fn credited(&self) -> impl Iterator<Item = &Match> {
        self.matches.iter().filter(|m| m.returned_by.is_none())
    }
}

/// Reconciles period M. `ledger` holds what earlier periods consumed and is updated with what
/// this one consumes, ready for M+1.
pub fn reconcile_period(inputs: &PeriodInputs<'_>, ledger: &mut Ledger) -> PeriodReconciliation {
    let outcome = matching::match_period(inputs, ledger);
    let exceptions = exceptions::find_exceptions(inputs, &outcome, ledger);
    for m in &outcome.matches {
        ledger.consumed_credits.insert(m.entry_id);
        ledger.matched_credits.insert(m.entry_id);
        if let Some(r) = m.returned_by {
            ledger.used_reversals.insert(r);
        }
    }
    for d in &outcome.duplicates {
        ledger.consumed_credits.insert(d.entry_id);
        if let Some(r) = d.offset_by {
            ledger.used_reversals.insert(r);
        }
    }
    PeriodReconciliation { matches: outcome.matches, duplicates: outcome.duplicates, exceptions }
}

#[cfg(test)]
mod tests;
