//! The Peruvian national identity number (DNI): exactly eight ASCII digits, kept as text.

use std::fmt;

/// A DNI. Leading zeros matter, so it is never a number. Kept inline (no allocation of its own).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Dni(compact_str::CompactString);

impl Dni {
    /// Parses exactly eight ASCII digits.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.into()))
        } else {
            Err(format!("DNI must be exactly 8 digits, got {:?}", crate::domain::dni::shorten(text)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The eight digits as a number: compact keys for the national-scale indexes (4 bytes
    /// instead of 24), in the same order as the texts (they all have eight digits).
    pub fn number(&self) -> u32 {
        number_of(&self.0).expect("a parsed DNI is eight digits")
    }

    /// The form safe for logs: only the last three digits (`*****678`).
    pub fn masked(&self) -> String {
        format!("*****{}", &self.0[5..])
    }
}

impl fmt::Display for Dni {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The number of a DNI's text ([`Dni::number`]); `None` when it is not eight digits.
pub fn number_of(text: &str) -> Option<u32> {
    (text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')))
}

/// Debug is masked so that a DNI never reaches a log through `{:?}`.
impl fmt::Debug for Dni {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dni({})", self.masked())
    }
}

/// Cuts user text quoted in an error message so a hostile cell cannot flood a report.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_eight_digits_with_leading_zeros() {
        assert_eq!(Dni::parse("01234567").unwrap().as_str(), "01234567");
    }

    #[test]
    fn refuses_other_lengths_and_non_digits() {
        for bad in ["1234567", "123456789", "1234567a", "", "１２３４５６７８", " 1234567"] {
            assert!(Dni::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        /// A DNI's number gives its eight digits back and sorts as the texts do (the national
        /// indexes search numbers where the outputs sort texts).
        #[test]
        fn numbers_keep_the_digits_and_their_order(a in "[0-9]{8}", b in "[0-9]{8}") {
            let (da, db) = (Dni::parse(&a).unwrap(), Dni::parse(&b).unwrap());
            proptest::prop_assert_eq!(format!("{:08}", da.number()), a.clone());
            proptest::prop_assert_eq!(da.number().cmp(&db.number()), a.cmp(&b));
        }
    }

    #[test]
    fn only_eight_digits_have_a_number() {
        assert_eq!(number_of("00000042"), Some(42));
        for bad in ["1234567", "123456789", "1234567a", ""] {
            assert_eq!(number_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn debug_is_masked() {
        assert_eq!(format!("{:?}", Dni::parse("42388604").unwrap()), "Dni(*****604)");
    }
}
