//! Stored facts as the decisions see them: roster members, instructions, statement entries and
//! statement heads, each carrying its delivery order so that "first", "later" and "earliest"
//! (SPEC §7) are decided the same way whatever the database.

use crate::domain::{Dni, Estado, Grupo, Ubigeo};
use crate::formats::EntryKind;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A short text (an account, a referencia) kept inline, without an allocation of its own, up to
/// 24 bytes: a period holds millions of them.
pub type Text = compact_str::CompactString;

/// The recompute's hash maps and sets: millions of keys (ids, accounts, DNIs) hashed with aHash,
/// several times cheaper than the standard SipHash and still seeded at random, so that no input
/// can choose its collisions.
pub type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, ahash::RandomState>;

/// The run of `sorted` whose elements compare equal by `cmp` (how an element compares with the
/// key sought), found by bisection; `sorted` ascends by it. The period's records are indexed
/// this way — one sorted vector of references per key, not a map of millions of small vectors.
pub fn equal_run<T>(sorted: &[T], cmp: impl Fn(&T) -> std::cmp::Ordering) -> &[T] {
    let start = sorted.partition_point(|t| cmp(t).is_lt());
    let len = sorted[start..].partition_point(|t| cmp(t).is_eq());
    &sorted[start..start + len]
}

/// Delivery order: the ingest sequence of the file, then the position inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Seq {
    pub file: i64,
    pub position: i64,
}

/// One row of a stored roster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterMember {
    pub dni: Dni,
    /// Names and district name: read only for the raffle lists (`None` when the recompute
    /// reads the roster: no decision uses them, and at national scale they would be tens of
    /// megabytes of empty fields).
    pub names: Option<Box<MemberNames>>,
    pub ubigeo: Ubigeo,
    pub grupo: Grupo,
    pub estado: Estado,
    /// The CCI as text (inline: a period holds one per woman).
    pub cuenta: Text,
    pub monto: Decimal,
}

#[cfg(test)]
impl RosterMember {
    /// The tests' roster row: an active pilot woman of district 080803 paid 100.00.
    pub fn sample(dni: &str, cuenta: &str) -> Self {
        Self {
            dni: Dni::parse(dni).expect("a test DNI"),
            names: None,
            ubigeo: Ubigeo::parse("080803").expect("a test ubigeo"),
            grupo: Grupo::Piloto,
            estado: Estado::Activo,
            cuenta: cuenta.into(),
            monto: Decimal::ONE_HUNDRED,
        }
    }
}

/// A roster member's names and district name, as the roster file gave them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberNames {
    pub nombres: String,
    pub apellido_paterno: String,
    pub apellido_materno: String,
    pub distrito: String,
}

/// A stored payment instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstructionRec {
    pub id: i64,
    pub lote: Text,
    pub dni: Dni,
    pub cuenta: Text,
    pub monto: Decimal,
    pub referencia: Text,
    pub seq: Seq,
}

/// A stored booked statement entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRec {
    pub id: i64,
    pub account: Text,
    pub booking_date: NaiveDate,
    /// Signed: + credit, − debit.
    pub amount: Decimal,
    pub reversal: bool,
    pub referencia: Option<Text>,
    pub kind: EntryKind,
    pub seq: Seq,
    /// The statement the entry belongs to.
    pub statement_id: i64,
    /// The first day of that statement's coverage.
    pub statement_from: NaiveDate,
}

impl EntryRec {
    /// A credit in the sense of SPEC §3: positive and not a reversal.
    pub fn is_credit(&self) -> bool {
        !self.reversal && self.amount > Decimal::ZERO
    }

    /// A reversal of a credit: a reversal entry that takes money out.
    pub fn is_credit_reversal(&self) -> bool {
        self.reversal && self.amount < Decimal::ZERO
    }

    /// The order key of SPEC §7: booking date, then delivery order.
    pub fn order_key(&self) -> (NaiveDate, Seq) {
        (self.booking_date, self.seq)
    }
}

/// A stored statement's head: what the balance timeline and `BALANCE_GAP` need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementHead {
    pub id: i64,
    pub account: Text,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub opening: Decimal,
    pub closing: Decimal,
    pub seq: Seq,
}

#[cfg(test)]
mod equal_run_tests {
    use super::equal_run;
    use proptest::prelude::*;

    proptest! {
        /// The run found by bisection is exactly the elements equal to the key, in order.
        #[test]
        fn the_run_is_every_element_equal_to_the_key(mut keys in proptest::collection::vec(0u8..8, 0..40), key in 0u8..9) {
            keys.sort_unstable();
            let pairs: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
            let run = equal_run(&pairs, |p| p.0.cmp(&key));
            let expected: Vec<(u8, usize)> = pairs.iter().copied().filter(|p| p.0 == key).collect();
            prop_assert_eq!(run, &expected[..]);
        }
    }
}
