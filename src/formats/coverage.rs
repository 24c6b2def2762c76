//! The exact index behind "statements of one account may not overlap, inside one file too"
//! (SPEC §7) for parsers that stream their statements. It keeps, per account, each
//! statement's coverage and where the statement is (a few dozen bytes a statement, never its
//! entries), and at the end of the file gives the pairs [`overlapping_pairs`] gives over all
//! the file's statements, in the same order.
//!
//! [`overlapping_pairs`]: super::overlapping_pairs

use crate::records::HashMap;
use chrono::NaiveDate;

/// One statement's coverage (inclusive days), its index in file order and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span<W> {
    pub index: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub at: W,
}

/// Two statements of one account whose coverages intersect; `first` is the earlier in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap<W> {
    pub account: String,
    pub first: Span<W>,
    pub second: Span<W>,
}

/// The coverages of the statements of a file so far, by account.
#[derive(Debug)]
pub struct CoverageIndex<W> {
    /// `ahash`: one lookup per statement of the file, and the map's order never shows (the
    /// overlaps are listed by account).
    accounts: HashMap<Box<str>, Vec<Span<W>>>,
    count: usize,
}

impl<W> Default for CoverageIndex<W> {
    fn default() -> Self {
        Self { accounts: HashMap::default(), count: 0 }
    }
}

impl<W: Clone> CoverageIndex<W> {
    /// Adds the file's next statement.
    pub fn add(&mut self, account: &str, from: NaiveDate, to: NaiveDate, at: W) {
        let span = Span { index: self.count, from, to, at };
        self.count += 1;
        match self.accounts.get_mut(account) {
            Some(spans) => spans.push(span),
            None => {
                self.accounts.insert(account.into(), vec![span]);
            }
        }
    }

    /// The overlapping pairs: within each account (accounts in order), statements ordered by
    /// their first day then file order, each next to the one before it when it starts on or
    /// before that one's last day.
    pub fn overlaps(self) -> Vec<Overlap<W>> {
        let mut accounts: Vec<(Box<str>, Vec<Span<W>>)> = self.accounts.into_iter().collect();
        accounts.sort_by(|a, b| a.0.cmp(&b.0));
        let mut overlaps = Vec::new();
        for (account, mut spans) in accounts {
            spans.sort_by_key(|s| (s.from, s.index));
            for pair in spans.windows(2) {
                let [a, b] = pair else { continue };
                if b.from <= a.to {
                    let (first, second) = if a.index < b.index { (a, b) } else { (b, a) };
                    let account = String::from(&*account);
                    overlaps.push(Overlap { account, first: first.clone(), second: second.clone() });
                }
            }
        }
        overlaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{overlapping_pairs, Statement};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn statement(account: &str, from: NaiveDate, days: u32) -> Statement {
        let to = from + chrono::Days::new(u64::from(days));
        Statement {
            account: account.into(),
            from,
            to,
            opening: Decimal::ZERO,
            closing: Decimal::ZERO,
            entries: vec![],
        }
    }

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(u64::from(n))
    }

    #[test]
    fn only_neighbours_in_day_order_are_paired() {
        // A covers days 0..10; B (2..3) and C (5..8) both lie inside it, but C starts after B
        // ends, so once sorted only A–B are neighbours that overlap, as over a whole file.
        let sts = [statement("A", day(0), 10), statement("A", day(5), 3), statement("A", day(2), 1)];
        let mut index = CoverageIndex::default();
        sts.iter().enumerate().for_each(|(i, s)| index.add(&s.account, s.from, s.to, i));
        let pairs: Vec<(usize, usize)> = index.overlaps().iter().map(|o| (o.first.at, o.second.at)).collect();
        assert_eq!(pairs, [(0, 2)]);
        assert_eq!(pairs, overlapping_pairs(&sts));
    }

    proptest! {
        #[test]
        fn gives_the_pairs_of_the_whole_file(spans in prop::collection::vec((0..3u8, 0..20u32, 0..6u32), 0..12)) {
            let sts: Vec<Statement> =
                spans.iter().map(|(a, from, days)| statement(&format!("ACC{a}"), day(*from), *days)).collect();
            let mut index = CoverageIndex::default();
            sts.iter().enumerate().for_each(|(i, s)| index.add(&s.account, s.from, s.to, i));
            let pairs: Vec<(usize, usize)> = index.overlaps().iter().map(|o| (o.first.at, o.second.at)).collect();
            prop_assert_eq!(pairs, overlapping_pairs(&sts));
        }
    }
}
