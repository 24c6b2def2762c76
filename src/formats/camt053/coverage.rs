//! The in-file overlap check (SPEC §7) without keeping statements: each statement leaves only
//! its account's number, its coverage and its place in the file (20 bytes), and each account's
//! id is kept once. The overlapping pairs are read off at the end of the file, exactly as
//! [`overlapping_pairs`](crate::formats::overlapping_pairs) finds them over whole statements:
//! sorted by account, start and position, each statement against the one before it.

use crate::formats::{Problem, Statement};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Where a statement is: its parent element (interned) and its `Stmt[n]` index.
#[derive(Clone, Copy, Debug)]
pub(super) struct Place {
    parent: u32,
    index: u32,
}

/// What the check needs of one statement; its position in the file is its index in
/// [`Coverage::spans`].
#[derive(Clone, Copy, Debug)]
struct Span {
    account: u32,
    from: NaiveDate,
    to: NaiveDate,
    place: Place,
}

#[derive(Default)]
pub(super) struct Coverage {
    /// Each account id seen, numbered in order of appearance.
    accounts: HashMap<Box<str>, u32>,
    spans: Vec<Span>,
    /// Paths of the elements holding statements, one entry per change of parent (a file has
    /// one: `/Document/BkToCstmrStmt`).
    parents: Vec<Box<str>>,
}

fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Coverage {
    /// The place of a `Stmt` just opened under `parent_path` at sibling `index`.
    pub(super) fn place(&mut self, parent_path: &str, index: usize) -> Place {
        if self.parents.last().is_none_or(|last| **last != *parent_path) {
            self.parents.push(parent_path.into());
        }
        Place { parent: small(self.parents.len().saturating_sub(1)), index: small(index) }
    }

    /// Notes a statement kept from the `Stmt` at `place`.
    pub(super) fn add(&mut self, statement: &Statement, place: Place) {
        let next = small(self.accounts.len());
        let account = match self.accounts.get(statement.account.as_str()) {
            Some(&id) => id,
            None => *self.accounts.entry(statement.account.as_str().into()).or_insert(next),
        };
        self.spans.push(Span { account, from: statement.from, to: statement.to, place });
    }

    fn path(&self, place: Place) -> String {
        let parent = self.parents.get(place.parent as usize).map_or("", |p| &**p);
        format!("{parent}/Stmt[{}]", place.index)
    }

    /// One problem per overlapping pair, at the later statement, in the order
    /// `overlapping_pairs` gives.
    pub(super) fn problems(self) -> Vec<Problem> {
        let mut names: Vec<(&str, u32)> = self.accounts.iter().map(|(name, &id)| (&**name, id)).collect();
        names.sort_unstable();
        let mut rank = vec![0u32; names.len()];
        for (position, (_, id)) in names.iter().enumerate() {
            if let Some(slot) = rank.get_mut(*id as usize) {
                *slot = small(position);
            }
        }
        let rank_of = |span: &Span| rank.get(span.account as usize).copied().unwrap_or(u32::MAX);
        let mut order: Vec<usize> = (0..self.spans.len()).collect();
        order.sort_unstable_by_key(|&seq| (rank_of(&self.spans[seq]), self.spans[seq].from, seq));
        let mut problems = Vec::new();
        for pair in order.windows(2) {
            let &[a, b] = pair else { continue };
            let (span_a, span_b) = (&self.spans[a], &self.spans[b]);
            if span_a.account != span_b.account || span_b.from > span_a.to {
                continue;
            }
            let (first, second) = (&self.spans[a.min(b)], &self.spans[a.max(b)]);
            let account = names.get(rank_of(second) as usize).map_or("", |(name, _)| name);
            let reason = format!(
                "statement of account {account} from {} to {} overlaps {} (from {} to {})",
                second.from,
                second.to,
                self.path(first.place),
                first.from,
                first.to
            );
            problems.push(Problem::at_element(self.path(second.place), "FrToDt", reason));
        }
        problems
    }
}
