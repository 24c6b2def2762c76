//! The reconciliation's decisions are tested end to end through the job (`tests/job`); here, the
//! whole-roster lookups every account range shares.

use super::People;
use crate::domain::Dni;
use crate::records::{RosterMember, Seq};

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
