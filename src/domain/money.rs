//! Money is exact: [`Decimal`] in soles, read from text by the rules of each format, stored as
//! integer céntimos. Floating point never touches an amount (clippy denies float arithmetic).

use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Reads a CSV amount: `123.45`, `123.4` or `123` — dot decimal, at most two decimals, no sign,
/// no thousands separator (SPEC §1).
pub fn parse_csv_amount(text: &str) -> Result<Decimal, String> {
    parse_unsigned(text, '.').map_err(|reason| format!("{reason}: {:?}", super::dni::shorten(text)))
}

/// Reads an MT940 amount: comma decimal (`100,00`, `100,` or `100`), at most two decimals.
pub fn parse_mt940_amount(text: &str) -> Result<Decimal, String> {
    parse_unsigned(text, ',').map_err(|reason| format!("{reason}: {:?}", super::dni::shorten(text)))
}

/// Reads an ISO 20022 amount (`1234.5`): dot decimal, unsigned, at most two decimals here
/// (the schema allows five; the programme's currency has two).
pub fn parse_xml_amount(text: &str) -> Result<Decimal, String> {
    parse_unsigned(text.trim(), '.').map_err(|reason| format!("{reason}: {:?}", super::dni::shorten(text)))
}

fn parse_unsigned(text: &str, decimal_mark: char) -> Result<Decimal, &'static str> {
    // Split on the bytes: the mark is ASCII, and digits are all an amount may hold.
    let bytes = text.as_bytes();
    let (int, frac) = match bytes.iter().position(|&b| char::from(b) == decimal_mark) {
        Some(at) => {
            let (int, rest) = bytes.split_at(at);
            (int, rest.get(1..).unwrap_or_default())
        }
        None => (bytes, &[][..]),
    };
    if int.is_empty() || !int.iter().all(u8::is_ascii_digit) || !frac.iter().all(u8::is_ascii_digit) {
        return Err("not an amount");
    }
    if frac.len() > 2 {
        return Err("more than 2 decimals");
    }
    if int.len() > 15 {
        return Err("amount too large");
    }
    // Built from the digits directly: no intermediate string on the hot path of every row.
    let digits = int.iter().chain(frac).fold(0i64, |n, b| n * 10 + i64::from(b - b'0'));
    Ok(Decimal::new(digits, frac.len() as u32))
}

/// Reads a decimal ≥ 0 with any number of decimals (distances), dot decimal.
pub fn parse_plain_decimal(text: &str) -> Result<Decimal, String> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|b| *b == b'.').count() <= 1
        && text.len() <= 20;
    if !ok {
        return Err(format!("not a decimal ≥ 0: {:?}", super::dni::shorten(text)));
    }
    Decimal::from_str(text).map_err(|_| format!("not a decimal ≥ 0: {:?}", super::dni::shorten(text)))
}

/// Integer céntimos for storage. Amounts read by this module always have ≤ 2 decimals.
pub fn to_cents(amount: Decimal) -> i64 {
    let scaled =
        (amount * Decimal::ONE_HUNDRED).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(scaled).unwrap_or(if amount.is_sign_negative() { i64::MIN } else { i64::MAX })
}

pub fn from_cents(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// Formats with exactly `decimals` decimals, rounding half away from zero (SPEC §1).
pub fn format_dp(value: Decimal, decimals: u32) -> String {
    let rounded = value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    let mut rescaled = rounded;
    rescaled.rescale(decimals);
    let text = rescaled.to_string();
    // `-0.00` after rounding a tiny negative: write it as zero.
    if rescaled.is_zero() {
        text.trim_start_matches('-').to_owned()
    } else {
        text
    }
}

/// Formats an amount with two decimals.
pub fn format_amount(value: Decimal) -> String {
    format_dp(value, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn csv_amounts_follow_the_spec() {
        assert_eq!(parse_csv_amount("123.45").unwrap().to_string(), "123.45");
        assert_eq!(parse_csv_amount("123.4").unwrap(), Decimal::new(12340, 2));
        assert_eq!(parse_csv_amount("123").unwrap(), Decimal::new(123, 0));
        for bad in ["", "-1", "+1", "1,5", "1.234", "1 000", "1e3", ".5", "1.2.3", "NaN"] {
            assert!(parse_csv_amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mt940_amounts_use_comma() {
        assert_eq!(parse_mt940_amount("100,00").unwrap(), Decimal::new(100, 0));
        assert_eq!(parse_mt940_amount("100,").unwrap(), Decimal::new(100, 0));
        assert_eq!(parse_mt940_amount("0,5").unwrap(), Decimal::new(5, 1));
        assert!(parse_mt940_amount("100.00").is_err());
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(format_dp(Decimal::new(12345, 3), 2), "12.35");
        assert_eq!(format_dp(Decimal::new(-12345, 3), 2), "-12.35");
        assert_eq!(format_dp(Decimal::new(5, 1), 0), "1");
        assert_eq!(format_dp(Decimal::new(2, 0), 4), "2.0000");
        assert_eq!(format_dp(Decimal::new(-1, 3), 2), "0.00");
    }

    proptest! {
        #[test]
        fn cents_round_trip(cents in -10_000_000_000i64..10_000_000_000) {
            prop_assert_eq!(to_cents(from_cents(cents)), cents);
            let text = format_amount(from_cents(cents.abs()));
            prop_assert_eq!(to_cents(parse_csv_amount(&text).unwrap()), cents.abs());
        }

        #[test]
        fn csv_parser_never_panics(text in ".{0,30}") {
            let _ = parse_csv_amount(&text);
            let _ = parse_mt940_amount(&text);
        }
    }
}
