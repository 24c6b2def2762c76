//! Account ranges: a period too large to recompute in memory at once is recomputed one range of
//! accounts at a time (docs/scaling.md). Everything the per-account work reads — a range's
//! instructions, window entries, statements and checkpoint — is selected by the account it is
//! on, so each account belongs to exactly one range and no range needs another's rows.

use crate::records::Text;
use std::fmt;

/// Accounts from `from` (included) to `to` (excluded), compared byte by byte (the order of
/// SQLite's `BINARY` and PostgreSQL's `COLLATE "C"`); an open end is `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountRange {
    pub from: Option<Text>,
    pub to: Option<Text>,
}

impl AccountRange {
    /// Every account: the whole period in one range.
    pub fn all() -> Self {
        Self::default()
    }

    pub fn is_all(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    pub fn contains(&self, account: &str) -> bool {
        self.from.as_deref().is_none_or(|from| account >= from)
            && self.to.as_deref().is_none_or(|to| account < to)
    }

    /// Ranges that together hold every account, each holding at most `per_range` of `accounts`
    /// (sorted, unique): the first open below, the last open above. One range (`all`) when the
    /// accounts fit in one.
    pub fn split(accounts: &[&str], per_range: usize) -> Vec<Self> {
        debug_assert!(accounts.windows(2).all(|w| w[0] < w[1]));
        let per_range = per_range.max(1);
        let bounds: Vec<Text> =
            accounts.iter().skip(per_range).step_by(per_range).map(|a| (*a).into()).collect();
        let mut ranges = Vec::with_capacity(bounds.len() + 1);
        let mut from = None;
        for bound in bounds {
            ranges.push(Self { from: from.take(), to: Some(bound.clone()) });
            from = Some(bound);
        }
        ranges.push(Self { from, to: None });
        ranges
    }

    /// The range as a condition on `column` for a query, `TRUE` when it is every account: ` AND
    /// column >= 'from' AND column < 'to'` (comparing bytes). The bounds are accounts of a
    /// stored roster; they are quoted as SQL literals all the same (the PostgreSQL reads are
    /// `COPY (SELECT …)`, which takes no parameters).
    pub fn sql(&self, column: &str, byte_order: &str) -> String {
        let mut sql = String::from("TRUE");
        if let Some(from) = &self.from {
            sql.push_str(&format!(" AND {column}{byte_order} >= {}", literal(from)));
        }
        if let Some(to) = &self.to {
            sql.push_str(&format!(" AND {column}{byte_order} < {}", literal(to)));
        }
        sql
    }
}

/// A text as an SQL string literal: quotes doubled, the one escape both databases read the same
/// way (PostgreSQL with `standard_conforming_strings`, its default since 9.1).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl fmt::Display for AccountRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self.from.as_deref().unwrap_or("…");
        let to = self.to.as_deref().unwrap_or("…");
        write!(f, "[{from}, {to})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_range_when_the_accounts_fit() {
        assert_eq!(AccountRange::split(&["a", "b", "c"], 3), vec![AccountRange::all()]);
        assert_eq!(AccountRange::split(&[], 3), vec![AccountRange::all()]);
        assert!(AccountRange::all().is_all());
        assert_eq!(AccountRange::all().sql("account", ""), "TRUE");
    }

    #[test]
    fn ranges_are_bounded_by_the_accounts_that_start_them() {
        let ranges = AccountRange::split(&["a", "b", "c", "d", "e"], 2);
        let bounds: Vec<(Option<&str>, Option<&str>)> =
            ranges.iter().map(|r| (r.from.as_deref(), r.to.as_deref())).collect();
        assert_eq!(bounds, [(None, Some("c")), (Some("c"), Some("e")), (Some("e"), None)]);
        assert_eq!(ranges[1].to_string(), "[c, e)");
        assert_eq!(
            ranges[1].sql("s.account", " COLLATE \"C\""),
            "TRUE AND s.account COLLATE \"C\" >= 'c' AND s.account COLLATE \"C\" < 'e'"
        );
    }

    #[test]
    fn a_quote_in_a_bound_stays_inside_its_literal() {
        let range = AccountRange { from: Some("a'b".into()), to: None };
        assert_eq!(range.sql("account", ""), "TRUE AND account >= 'a''b'");
    }

    proptest! {
        /// Every account, listed or not, falls in exactly one range, and no range holds more
        /// than `per_range` of the listed ones.
        #[test]
        fn every_account_is_in_exactly_one_range(
            mut listed in proptest::collection::vec("[0-9A-Z]{1,4}", 0..60),
            others in proptest::collection::vec("[0-9A-Z]{0,5}", 0..30),
            per_range in 1usize..10,
        ) {
            listed.sort();
            listed.dedup();
            let accounts: Vec<&str> = listed.iter().map(String::as_str).collect();
            let ranges = AccountRange::split(&accounts, per_range);
            for account in listed.iter().chain(&others) {
                prop_assert_eq!(ranges.iter().filter(|r| r.contains(account)).count(), 1, "{}", account);
            }
            for range in &ranges {
                prop_assert!(listed.iter().filter(|a| range.contains(a)).count() <= per_range);
            }
        }
    }
}
