//! The INEI district code (ubigeo): six digits `DDPPdd`; the region is the first two.

use std::fmt;

/// A district code, kept as text because leading zeros matter.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize)]
#[serde(transparent)]
pub struct Ubigeo(compact_str::CompactString);

impl Ubigeo {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.into()))
        } else {
            Err(format!("ubigeo must be exactly 6 digits, got {:?}", super::dni::shorten(text)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The department (region) code: the first two digits.
    pub fn region(&self) -> &str {
        &self.0[..2]
    }
}

impl fmt::Display for Ubigeo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_is_first_two_digits() {
        assert_eq!(Ubigeo::parse("080204").unwrap().region(), "08");
        assert!(Ubigeo::parse("80204").is_err());
        assert!(Ubigeo::parse("08020a").is_err());
    }
}
