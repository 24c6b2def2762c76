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

    #[test]
    fn debug_is_masked() {
        assert_eq!(format!("{:?}", Dni::parse("42388604").unwrap()), "Dni(*****604)");
    }
}
