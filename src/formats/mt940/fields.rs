//! Reads the value of one balance field (`:60F:`, `:60M:`, `:62F:`, `:62M:`) or one statement
//! line (`:61:`), reporting every broken subfield by line, tag and reason.
//!
//! Two-digit years: 00–79 are 2000–2079, 80–99 are 1980–1999. The `:61:` entry date (MMDD)
//! takes the value date's year, moved one year when the months are more than six apart
//! (value 1231 + entry 0102 is next January; value 0102 + entry 1231 is last December).

use super::lines::{Field, Tag};
use crate::domain::money::parse_mt940_amount;
use crate::formats::{statement_referencia, Entry, EntryKind, Problem};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// A signed balance with the line it came from.
#[derive(Debug, Clone)]
pub(super) struct Balance {
    pub line: u64,
    /// `60F`, `60M`, `62F` or `62M`.
    pub tag: Tag,
    pub intermediate: bool,
    pub date: NaiveDate,
    pub amount: Decimal,
}

/// Reads `C120701PEN1234,56`. `None` when the mark, date or amount cannot be read; a wrong
/// currency is a problem but the balance is still returned (it is what the file states).
pub(super) fn balance(field: &Field, currency: &str, problems: &mut Vec<Problem>) -> Option<Balance> {
    let at =
        |sub: &str, reason: String| Problem::at_line(field.line, format!(":{}: {sub}", field.tag), reason);
    let value = field.value.trim();
    let (mark, rest) = split_at_char(value, 1);
    let sign = match mark {
        "C" => Some(Decimal::ONE),
        "D" => Some(Decimal::NEGATIVE_ONE),
        _ => None,
    };
    if sign.is_none() {
        problems.push(at("mark", format!("debit/credit mark must be C or D, got {mark:?}")));
    }
    let (date_text, rest) = split_at_char(rest, 6);
    let date = yymmdd(date_text).map_err(|reason| problems.push(at("date", reason))).ok();
    let (found_currency, amount_text) = split_at_char(rest, 3);
    if found_currency != currency {
        problems.push(at("currency", format!("currency must be {currency}, got {found_currency:?}")));
    }
    let amount = parse_mt940_amount(amount_text).map_err(|reason| problems.push(at("amount", reason))).ok();
    if !field.continuation.is_empty() {
        let line = field.continuation.first().map_or(field.line, |(line, _)| *line);
        problems.push(Problem::at_line(line, format!(":{}:", field.tag), "unexpected text after a balance"));
    }
    let balance = Balance {
        line: field.line,
        tag: field.tag,
        intermediate: field.tag.as_str().ends_with('M'),
        date: date?,
        amount: amount? * sign?,
    };
    Some(balance)
}

/// Splits after `count` characters (fewer when the text is shorter).
fn split_at_char(text: &str, count: usize) -> (&str, &str) {
    // Subfields are ASCII in every real file: then characters are bytes.
    if text.as_bytes().get(..count).is_some_and(|head| head.is_ascii()) {
        return text.split_at(count);
    }
    let at = text.char_indices().nth(count).map_or(text.len(), |(i, _)| i);
    text.split_at(at)
}

fn two_digits(text: &str) -> Option<u32> {
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

/// `YYMMDD`, years 00–79 → 20xx, 80–99 → 19xx.
pub(super) fn yymmdd(text: &str) -> Result<NaiveDate, String> {
    let parts = (text.get(0..2), text.get(2..4), text.get(4..6));
    let bad = || format!("date must be YYMMDD, got {:?}", crate::domain::dni::shorten(text));
    let (Some(y), Some(m), Some(d)) = parts else { return Err(bad()) };
    let (Some(y), Some(m), Some(d)) = (two_digits(y), two_digits(m), two_digits(d)) else {
        return Err(bad());
    };
    if text.len() != 6 {
        return Err(bad());
    }
    let year = if y < 80 { 2000 + y } else { 1900 + y };
    NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(0), m, d)
        .ok_or_else(|| format!("no such date: {text:?}"))
}

/// The year of an `MMDD` entry date next to its value date.
fn entry_date(value: NaiveDate, mmdd: &str) -> Result<NaiveDate, String> {
    let bad = || format!("entry date must be MMDD, got {mmdd:?}");
    let (Some(m), Some(d)) = (mmdd.get(0..2).and_then(two_digits), mmdd.get(2..4).and_then(two_digits))
    else {
        return Err(bad());
    };
    let months_apart = i64::from(m) - i64::from(value.month());
    let year = match months_apart {
        a if a > 6 => value.year() - 1,
        a if a < -6 => value.year() + 1,
        _ => value.year(),
    };
    NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| format!("no such entry date: {mmdd:?} in {year}"))
}

/// Reads a `:61:` statement line (and its supplementary-details line). The description is
/// filled in later from the `:86:` that follows.
pub(super) fn statement_line(field: &Field, problems: &mut Vec<Problem>) -> Option<Entry> {
    let at = |sub: &str, reason: String| Problem::at_line(field.line, format!(":61: {sub}"), reason);
    let mut cursor = Cursor { rest: field.value.trim_end() };
    let value_date = yymmdd(cursor.take(6)).map_err(|reason| problems.push(at("value date", reason))).ok();
    let entry_text = cursor.entry_date();
    let booking = match (value_date, entry_text) {
        (Some(value), Some(mmdd)) => {
            entry_date(value, mmdd).map_err(|reason| problems.push(at("entry date", reason))).ok()
        }
        (value, None) => value,
        (None, Some(_)) => None,
    };
    let (sign, reversal) = match cursor.mark() {
        Ok(mark) => mark,
        Err(reason) => {
            problems.push(at("mark", reason));
            return None;
        }
    };
    cursor.funds_code();
    let amount =
        parse_mt940_amount(cursor.amount()).map_err(|reason| problems.push(at("amount", reason))).ok();
    let kind = match cursor.type_code() {
        Ok(kind) => Some(kind),
        Err(reason) => {
            problems.push(at("transaction type", reason));
            None
        }
    };
    let referencia = statement_referencia(cursor.rest.split("//").next().unwrap_or(""));
    Some(Entry {
        booking_date: booking?,
        value_date,
        amount: amount? * sign,
        reversal,
        referencia,
        kind: kind?,
        description: String::new(),
    })
}

/// Walks the subfields of a `:61:` value left to right.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, count: usize) -> &'a str {
        let (head, tail) = split_at_char(self.rest, count);
        self.rest = tail;
        head
    }

    /// The optional MMDD entry date; four blanks (some banks) mean none.
    fn entry_date(&mut self) -> Option<&'a str> {
        let head = self.rest.get(..4)?;
        if head.bytes().all(|b| b.is_ascii_digit()) {
            Some(self.take(4))
        } else {
            if head == "    " {
                self.take(4);
            }
            None
        }
    }

    /// `C`/`D`/`RC`/`RD` → (sign of the effect on the balance, reversal).
    fn mark(&mut self) -> Result<(Decimal, bool), String> {
        for (mark, sign, reversal) in [
            ("RC", Decimal::NEGATIVE_ONE, true),
            ("RD", Decimal::ONE, true),
            ("C", Decimal::ONE, false),
            ("D", Decimal::NEGATIVE_ONE, false),
        ] {
            if let Some(rest) = self.rest.strip_prefix(mark) {
                self.rest = rest;
                return Ok((sign, reversal));
            }
        }
        Err(format!("debit/credit mark must be C, D, RC or RD, got {:?}", self.take(2)))
    }

    /// The optional funds code: one letter before the amount.
    fn funds_code(&mut self) {
        if self.rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            self.take(1);
        }
    }

    fn amount(&mut self) -> &'a str {
        let end = self.rest.find(|c: char| !(c.is_ascii_digit() || c == ',')).unwrap_or(self.rest.len());
        self.take(end)
    }

    /// `N`/`F`/`S` + 3 characters; `INT` is interest, `CHG` a charge.
    fn type_code(&mut self) -> Result<EntryKind, String> {
        let code = self.take(4);
        let valid = code.chars().count() == 4 && matches!(code.chars().next(), Some('N' | 'F' | 'S'));
        if !valid {
            return Err(format!("transaction type must be N, F or S and 3 characters, got {code:?}"));
        }
        Ok(match code.get(1..) {
            Some("INT") => EntryKind::Interest,
            Some("CHG") => EntryKind::Charge,
            _ => EntryKind::Ordinary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(tag: &str, value: &str) -> Field {
        Field { line: 7, tag: tag.into(), value: value.into(), continuation: Vec::new() }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    proptest::proptest! {
        /// The shortcut for ASCII splits where counting characters splits.
        #[test]
        fn split_at_char_counts_characters(text in "[A-Z0-9,é€ ]{0,12}", count in 0usize..14) {
            let at = text.char_indices().nth(count).map_or(text.len(), |(i, _)| i);
            proptest::prop_assert_eq!(split_at_char(&text, count), text.split_at(at));
        }
    }

    #[test]
    fn balances_are_signed_and_dated() {
        let mut problems = Vec::new();
        let b = balance(&field("60F", "D991231PEN1234,56"), "PEN", &mut problems).unwrap();
        assert_eq!((b.date, b.amount, b.intermediate), (date(1999, 12, 31), Decimal::new(-123456, 2), false));
        let b = balance(&field("62M", "C790101PEN0,"), "PEN", &mut problems).unwrap();
        assert_eq!((b.date, b.amount, b.intermediate), (date(2079, 1, 1), Decimal::ZERO, true));
        assert!(problems.is_empty());
        let b = balance(&field("60F", "C240101EUR5,"), "PEN", &mut problems).unwrap();
        assert_eq!(b.amount, Decimal::new(5, 0));
        assert_eq!(problems[0].field, ":60F: currency");
    }

    #[test]
    fn broken_balances_name_every_subfield() {
        let mut problems = Vec::new();
        assert!(balance(&field("62F", "X240230USD1.5"), "PEN", &mut problems).is_none());
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, [":62F: mark", ":62F: date", ":62F: currency", ":62F: amount"]);
    }

    #[test]
    fn statement_lines_follow_the_marks() {
        let mut problems = Vec::new();
        let e = statement_line(&field("61", "1207010701CR100,00NTRFREF1//BANKREF"), &mut problems).unwrap();
        assert_eq!(
            (e.amount, e.reversal, e.referencia.as_deref()),
            (Decimal::new(100, 0), false, Some("REF1"))
        );
        let e = statement_line(&field("61", "120701RC5,NINTNONREF"), &mut problems).unwrap();
        assert_eq!(
            (e.amount, e.reversal, e.kind, e.referencia),
            (Decimal::new(-5, 0), true, EntryKind::Interest, None)
        );
        let e = statement_line(&field("61", "120701RDR5,NCHG"), &mut problems).unwrap();
        assert_eq!((e.amount, e.reversal, e.kind), (Decimal::new(5, 0), true, EntryKind::Charge));
        let e = statement_line(&field("61", "200101    D65,00NOVBNL47"), &mut problems).unwrap();
        assert_eq!((e.booking_date, e.amount), (date(2020, 1, 1), Decimal::new(-65, 0)));
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn entry_dates_cross_the_year_boundary() {
        let mut problems = Vec::new();
        let e = statement_line(&field("61", "2312310102D1,NTRFX"), &mut problems).unwrap();
        assert_eq!((e.value_date, e.booking_date), (Some(date(2023, 12, 31)), date(2024, 1, 2)));
        let e = statement_line(&field("61", "2401021231D1,NTRFX"), &mut problems).unwrap();
        assert_eq!(e.booking_date, date(2023, 12, 31));
        assert!(problems.is_empty());
    }

    #[test]
    fn broken_statement_lines_are_problems() {
        for (value, sub) in [
            ("160230D1,NTRF", "value date"),
            ("1602011301D1,NTRF", "entry date"),
            ("160201X1,NTRF", "mark"),
            ("160201D1,234NTRF", "amount"),
            ("160201D1,", "transaction type"),
        ] {
            let mut problems = Vec::new();
            assert!(statement_line(&field("61", value), &mut problems).is_none(), "{value}");
            assert_eq!(problems[0].field, format!(":61: {sub}"), "{value}");
        }
    }
}
