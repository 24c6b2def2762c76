//! Numbers as people in Peru read them: `S/ 1,234.50`, `1,234`, `21.3 %` (comma thousands,
//! dot decimals, rounding half away from zero as SPEC §1 says). Formatting only: no figure is
//! computed here.

use crate::domain::money::format_dp;
use rust_decimal::Decimal;

/// `1234.5` → `1,234.50`; `-5` → `-5.00`.
pub fn amount(value: Decimal) -> String {
    grouped(&format_dp(value, 2))
}

/// `1234.5` → `S/ 1,234.50`; `-5` → `-S/ 5.00`.
pub fn soles(value: Decimal) -> String {
    let text = amount(value);
    match text.strip_prefix('-') {
        Some(positive) => format!("-S/ {positive}"),
        None => format!("S/ {text}"),
    }
}

/// A count with thousands separators: `24300` → `24,300`.
pub fn count(n: u64) -> String {
    grouped(&n.to_string())
}

/// A rate (`0.2134`) as a percentage with one decimal: `21.3 %`.
pub fn rate(value: Decimal) -> String {
    percent(value * Decimal::ONE_HUNDRED)
}

/// A value already in percent (`43.81`) with one decimal: `43.8 %`.
pub fn percent(value: Decimal) -> String {
    format!("{} %", grouped(&format_dp(value, 1)))
}

/// Inserts thousands commas into the integer part of a plain decimal text.
fn grouped(text: &str) -> String {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn peruvian_forms() {
        assert_eq!(soles(d("1234.5")), "S/ 1,234.50");
        assert_eq!(soles(d("1234567.005")), "S/ 1,234,567.01");
        assert_eq!(soles(d("-80")), "-S/ 80.00");
        assert_eq!(soles(d("0")), "S/ 0.00");
        assert_eq!(amount(d("999.999")), "1,000.00");
        assert_eq!(count(24300), "24,300");
        assert_eq!(count(7), "7");
        assert_eq!(rate(d("0.2134")), "21.3 %");
        assert_eq!(rate(d("0.40")), "40.0 %");
        assert_eq!(rate(d("0.00045")), "0.0 %");
        assert_eq!(percent(d("43.81")), "43.8 %");
        assert_eq!(percent(d("5.75")), "5.8 %");
    }
}
