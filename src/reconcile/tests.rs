//! The reconciliation's decisions are tested end to end through the job (`tests/job`); here, the
//! whole-roster lookups every account range shares, and the order of pass 1's repeated credits.

use super::{reconcile_period, Ledger, People, PeriodInputs};
use crate::domain::{Dni, Period};
use crate::formats::EntryKind;
use crate::records::{EntryRec, InstructionRec, RosterMember, Seq};
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn member(dni: &str, account: &str) -> RosterMember {
    RosterMember::sample(dni, account)
}

fn seq(file: i64, position: i64) -> Seq {
    Seq { file, position }
}

#[test]
fn a_woman_is_found_by_dni_whatever_her_place_in_the_roster() {
    let roster = [member("30000000", "A3"), member("10000000", "A1"), member("20000000", "A2")];
    let people = People::new(&roster, Vec::new());
    for m in &roster {
        assert_eq!(people.member(m.dni.as_str()).map(|found| &found.cuenta), Some(&m.cuenta));
    }
    assert!(people.member("40000000").is_none());
}

/// The first instruction of a DNI is the earliest in delivery order (file, then position), not
/// the first read: the ranges read them in any order.
#[test]
fn a_dnis_first_instruction_is_the_earliest_delivered() {
    let roster = [member("10000000", "A1")];
    let dni = |d: &str| Dni::parse(d).unwrap().number();
    let instructions = vec![
        (dni("10000000"), seq(2, 1)),
        (dni("20000000"), seq(1, 9)),
        (dni("10000000"), seq(1, 5)),
        (dni("10000000"), seq(1, 7)),
    ];
    let people = People::new(&roster, instructions);
    assert_eq!(people.first_instruction("10000000"), Some(seq(1, 5)));
    assert_eq!(people.first_instruction("20000000"), Some(seq(1, 9)));
    assert_eq!(people.first_instruction("30000000"), None);
}

fn credit(id: i64, account: &str, day: u32, referencia: Option<&str>, file: i64) -> EntryRec {
    let booking_date = NaiveDate::from_ymd_opt(2012, 7, day).unwrap();
    EntryRec {
        id,
        account: account.into(),
        booking_date,
        amount: Decimal::ONE_HUNDRED,
        reversal: false,
        referencia: referencia.map(Into::into),
        kind: EntryKind::Ordinary,
        seq: seq(file, id),
        statement_id: file,
        statement_from: booking_date,
    }
}

fn instruction(id: i64, dni: &str, account: &str, referencia: &str) -> InstructionRec {
    InstructionRec {
        id,
        lote: "L1".into(),
        dni: Dni::parse(dni).unwrap(),
        cuenta: account.into(),
        monto: Decimal::ONE_HUNDRED,
        referencia: referencia.into(),
        seq: seq(1, id),
    }
}

/// SPEC §3.1, pass 1: of the credits carrying an instruction's referencia on its account, the
/// earliest in booking order (then delivery order) is its match, and every later one a
/// duplicate, in that order; a referencia on another account, or another referencia on the
/// account, is neither.
#[test]
fn the_earliest_credit_with_the_referencia_matches_and_the_later_ones_are_duplicates() {
    let roster = [member("10000000", "A1"), member("20000000", "A2")];
    let members: Vec<(u32, &RosterMember)> = (0u32..).zip(&roster).collect();
    let dni = |d: &str| Dni::parse(d).unwrap().number();
    let instructions = vec![instruction(1, "10000000", "A1", "R1"), instruction(2, "20000000", "A2", "R2")];
    let people = People::new(&roster, instructions.iter().map(|i| (dni(i.dni.as_str()), i.seq)).collect());
    // Delivered out of booking order; ids say which is which.
    let window_entries = vec![
        credit(13, "A1", 9, Some("R1"), 3),
        credit(11, "A1", 5, Some("R1"), 4),
        credit(14, "A1", 5, Some("R1"), 5),
        credit(12, "A1", 3, Some("R1"), 6),
        credit(15, "A2", 4, Some("R1"), 3),
        credit(16, "A1", 2, Some("R9"), 3),
        credit(17, "A2", 6, Some("R2"), 3),
    ];
    let inputs = PeriodInputs {
        period: Period::parse("2012-07").unwrap(),
        people: &people,
        roster: &members,
        instructions: &instructions,
        window_entries: &window_entries,
        gap_candidates: &[],
        grace_days: 5,
    };
    let outcome = reconcile_period(&inputs, &mut Ledger::default());
    let matched: Vec<(i64, i64)> = outcome.matches.iter().map(|m| (m.instruction_id, m.entry_id)).collect();
    assert_eq!(matched, [(1, 12), (2, 17)]);
    let duplicates: Vec<(i64, i64)> =
        outcome.duplicates.iter().map(|d| (d.instruction_id, d.entry_id)).collect();
    assert_eq!(duplicates, [(1, 11), (1, 14), (1, 13)]);
}
