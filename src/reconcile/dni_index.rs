//! A lookup by DNI for national-scale rosters: sorted `(DNI number, value)` pairs, 8 to 24 bytes
//! each, with the start of every bucket of 2¹¹ consecutive numbers. A lookup searches one
//! bucket (~400 entries at 20 million women, a few cache lines) instead of bisecting the whole
//! array: at 20 million women a bisection of 25 steps, each a cache and TLB miss, cost the
//! recompute of each account range more time than its reconciliation.

use crate::domain::dni;

/// Numbers per bucket, as a shift: DNIs are below 10⁸, so 48,829 buckets (195 KB of starts).
const SHIFT: u32 = 11;
const BUCKETS: usize = (99_999_999 >> SHIFT) + 1;

pub struct DniIndex<T> {
    entries: Vec<(u32, T)>,
    /// Where each bucket starts in `entries`; one more for the end of the last.
    starts: Vec<u32>,
}

impl<T: Copy + Ord> DniIndex<T> {
    /// `entries` in any order, keys from `Dni::number`. A DNI listed more than once keeps its
    /// smallest value.
    pub fn new(mut entries: Vec<(u32, T)>) -> Self {
        assert!(u32::try_from(entries.len()).is_ok(), "fewer than 2³² DNIs");
        entries.sort_unstable();
        entries.dedup_by(|later, first| later.0 == first.0);
        let mut starts = Vec::with_capacity(BUCKETS + 1);
        let mut at = 0;
        for bucket in 0..=BUCKETS {
            while at < entries.len() && ((entries[at].0 >> SHIFT) as usize) < bucket {
                at += 1;
            }
            starts.push(at as u32);
        }
        Self { entries, starts }
    }

    /// The value of a DNI's text; `None` when it is not listed (or not eight digits).
    pub fn get(&self, dni: &str) -> Option<T> {
        let key = dni::number_of(dni)?;
        let bucket = (key >> SHIFT) as usize;
        let (start, end) = (self.starts[bucket] as usize, self.starts[bucket + 1] as usize);
        let slice = &self.entries[start..end];
        slice.binary_search_by_key(&key, |(d, _)| *d).ok().map(|i| slice[i].1)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every listed DNI is found with its smallest value, and no other is, over the whole
        /// range of numbers (the first and the last bucket included).
        #[test]
        fn finds_exactly_the_listed_dnis(
            listed in proptest::collection::vec((prop_oneof![0u32..5000, 99_990_000u32..100_000_000, 0u32..100_000_000], 0u32..50), 0..300),
            probes in proptest::collection::vec(0u32..100_000_000, 0..100),
        ) {
            let index = DniIndex::new(listed.clone());
            let mut expected = std::collections::BTreeMap::new();
            for (dni, value) in &listed {
                let v = expected.entry(*dni).or_insert(*value);
                *v = (*v).min(*value);
            }
            prop_assert_eq!(index.len(), expected.len());
            for (dni, value) in &expected {
                prop_assert_eq!(index.get(&format!("{dni:08}")), Some(*value));
            }
            for probe in probes {
                prop_assert_eq!(index.get(&format!("{probe:08}")), expected.get(&probe).copied());
            }
        }
    }

    #[test]
    fn a_text_that_is_not_a_dni_is_not_found() {
        let index = DniIndex::new(vec![(42, 1u32)]);
        assert_eq!(index.get("00000042"), Some(1));
        for bad in ["42", "0000004a", "000000042", ""] {
            assert_eq!(index.get(bad), None, "{bad:?}");
        }
    }
}
