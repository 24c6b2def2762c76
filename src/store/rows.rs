//! Stored rows back into domain values, shared by both backends so that SQLite and PostgreSQL
//! read the same results the same way. Each backend only fetches the columns.

use crate::domain::money::from_cents;
use crate::domain::{Grupo, Period};
use crate::reconcile::{Category, ExceptionRow};
use crate::records::Seq;
use crate::savings::{AccountMonth, Balances};
use anyhow::Context as _;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

/// The columns of one `recon_exceptions` row.
pub struct ExceptionColumns {
    pub ord: i64,
    pub category: String,
    pub dni: String,
    pub cuenta: String,
    pub ubigeo: String,
    pub referencia: String,
    pub expected_cents: Option<i64>,
    pub actual_cents: Option<i64>,
    pub detail: String,
}

pub fn exception(period: Period, c: ExceptionColumns) -> anyhow::Result<ExceptionRow> {
    Ok(ExceptionRow {
        period,
        category: Category::from_code(&c.category)
            .with_context(|| format!("Bad exception category in database: {}", c.category))?,
        dni: c.dni,
        cuenta: c.cuenta,
        ubigeo: c.ubigeo,
        referencia: c.referencia,
        expected_amount: c.expected_cents.map(from_cents),
        actual_amount: c.actual_cents.map(from_cents),
        detail: c.detail,
        // The stored order already is the output order.
        seq: Seq { file: 0, position: c.ord },
    })
}

/// The columns of one `account_months` row (the average as exact decimal text).
pub struct AccountMonthColumns {
    pub dni: String,
    pub cuenta: String,
    pub ubigeo: String,
    pub grupo: String,
    pub month_end_cents: Option<i64>,
    pub min_cents: Option<i64>,
    pub avg_daily_balance: Option<String>,
    pub cct_credits_cents: i64,
    pub other_credits_cents: i64,
    pub debits_cents: i64,
    pub customer_movements: i64,
    pub voluntary_deposits: i64,
    pub saver: bool,
}

pub fn account_month(period: Period, c: AccountMonthColumns) -> anyhow::Result<AccountMonth> {
    let balances = match (c.month_end_cents, c.min_cents, c.avg_daily_balance) {
        (Some(end), Some(min), Some(avg)) => Some(Balances {
            month_end: from_cents(end),
            min: from_cents(min),
            avg_daily: Decimal::from_str(&avg).with_context(|| format!("Bad average in database: {avg}"))?,
        }),
        _ => None,
    };
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(AccountMonth {
        period,
        dni: c.dni.into(),
        cuenta: c.cuenta.into(),
        ubigeo: c.ubigeo.into(),
        grupo: Grupo::parse(&c.grupo).map_err(|e| anyhow::anyhow!("Bad grupo in database: {e}"))?,
        balances,
        cct_credits: from_cents(c.cct_credits_cents),
        other_credits: from_cents(c.other_credits_cents),
        debits: from_cents(c.debits_cents),
        customer_movements: count(c.customer_movements),
        voluntary_deposits: count(c.voluntary_deposits),
        saver: c.saver,
    })
}

/// A stored `YYYY-MM-DD` date: SQLite's text, and PostgreSQL's in `COPY` output (sqlx connects
/// with `DateStyle` ISO). Read for every entry of a period: no format string to interpret.
pub fn schema_date(text: &str) -> anyhow::Result<NaiveDate> {
    let bad = || anyhow::anyhow!("Bad date in database: {text}");
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let (year, month, day) = (number(&b[..4]), number(&b[5..7]), number(&b[8..]));
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(i32::try_from(y).map_err(|_| bad())?, m, d).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::schema_date;
    use chrono::NaiveDate;

    #[test]
    fn schema_dates_are_read_exactly_or_refused() {
        assert_eq!(schema_date("2012-02-29").unwrap(), NaiveDate::from_ymd_opt(2012, 2, 29).unwrap());
        for bad in ["2013-02-29", "2012-7-01", "2012/07/01", "07/01/2012", "2012-07-01 ", "", "+012-07-01"] {
            assert!(schema_date(bad).is_err(), "{bad:?} was read as a date");
        }
    }
}
