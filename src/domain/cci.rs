//! The CCI (Código de Cuenta Interbancario): 20 digits, bank `018` for Banco de la Nación,
//! 3-digit office, 12-digit account, and two check digits (SPEC §1.1).

use std::fmt;

/// A CCI whose check digits are correct. Programme files (roster, batches) carry accounts as
/// CCIs; statements carry bank account ids as plain text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Cci(String);

impl Cci {
    /// Parses 20 digits and checks both check digits.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() != 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("CCI must be exactly 20 digits, got {:?}", super::dni::shorten(text)));
        }
        let digits = text.as_bytes();
        let (bank_office, account) = (&digits[0..6], &digits[6..18]);
        let expected = [check_digit(bank_office), check_digit(account)];
        let found = [digits[18] - b'0', digits[19] - b'0'];
        if expected != found {
            return Err(format!(
                "CCI check digits are {}{}, expected {}{}",
                found[0], found[1], expected[0], expected[1]
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// Builds a valid CCI from bank, office and account numbers (used by the fixtures generator).
    pub fn build(bank: u16, office: u16, account: u64) -> Self {
        let body = format!("{bank:03}{office:03}{account:012}");
        let b = body.as_bytes();
        let text = format!("{body}{}{}", check_digit(&b[0..6]), check_digit(&b[6..18]));
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form safe for logs: bank code and the last four digits.
    pub fn masked(&self) -> String {
        mask_account(&self.0)
    }
}

/// Masks any account id for logs: keeps the first three and last four characters.
pub fn mask_account(account: &str) -> String {
    let chars: Vec<char> = account.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// SPEC §1.1: weights 1,2,1,2… from the left, add the digits of each product,
/// check = (10 − sum mod 10) mod 10.
fn check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let product = u32::from(d - b'0') * if i % 2 == 0 { 1 } else { 2 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl fmt::Display for Cci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Cci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cci({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn banco_de_la_nacion_public_vector_is_valid() {
        assert!(Cci::parse("01800000400588058608").is_ok());
    }

    #[test]
    fn wrong_check_digit_is_refused_with_expected_digits() {
        let err = Cci::parse("01800000400588058609").unwrap_err();
        assert!(err.contains("expected 08"), "{err}");
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in ["0180000040058805860", "0180000040058805860a", ""] {
            assert!(Cci::parse(bad).is_err());
        }
    }

    #[test]
    fn masking_keeps_head_and_tail() {
        assert_eq!(mask_account("01800000400588058608"), "018*************8608");
    }

    proptest! {
        #[test]
        fn built_ccis_always_parse(office in 0u16..1000, account in 0u64..1_000_000_000_000) {
            let cci = Cci::build(18, office, account);
            prop_assert_eq!(Cci::parse(cci.as_str()).unwrap(), cci);
        }

        #[test]
        fn any_single_digit_change_in_account_is_caught(account in 0u64..1_000_000_000_000, pos in 6usize..18, delta in 1u8..10) {
            let cci = Cci::build(18, 0, account);
            let mut bytes = cci.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Cci::parse(&changed).is_err());
        }
    }
}
