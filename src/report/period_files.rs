//! The per-period CSVs under `out/<M>/`: exceptions, summary, account-months, indicators, each
//! written row by row to its file (memory does not grow with the rows) and put in place
//! atomically.

use super::account_month_rows::AccountMonthRows;
use super::csv_out::{CsvFile, Prepared};
use crate::domain::money::format_amount;
use crate::domain::Period;
use crate::indicators::IndicatorRow;
use crate::reconcile::{Category, ExceptionRow};
use crate::savings::AccountMonth;
use rust_decimal::Decimal;
use std::io;
use std::path::Path;

fn amount(f: &mut CsvFile, value: Option<Decimal>) -> io::Result<()> {
    f.number(&value.map(format_amount).unwrap_or_default())
}

pub fn write_exceptions(prepared: &mut Prepared, path: &Path, rows: &[ExceptionRow]) -> io::Result<()> {
    let mut f = CsvFile::create(
        path,
        &[
            "period",
            "category",
            "dni",
            "cuenta",
            "ubigeo",
            "referencia",
            "expected_amount",
            "actual_amount",
            "detail",
        ],
    )?;
    for r in rows {
        f.text(&r.period.to_string())?;
        f.text(r.category.code())?;
        f.text(&r.dni)?;
        f.text(&r.cuenta)?;
        f.text(&r.ubigeo)?;
        f.text(&r.referencia)?;
        amount(&mut f, r.expected_amount)?;
        amount(&mut f, r.actual_amount)?;
        f.text(&r.detail)?;
        f.end_row()?;
    }
    f.close_into(prepared)
}

/// One row per category, all eleven, sums of the non-empty cells (empty when none).
pub fn write_summary(
    prepared: &mut Prepared,
    path: &Path,
    period: Period,
    rows: &[ExceptionRow],
) -> io::Result<()> {
    let mut f = CsvFile::create(path, &["period", "category", "count", "expected_amount", "actual_amount"])?;
    for category in Category::ALL {
        let (mut count, mut expected, mut actual) = (0u64, None::<Decimal>, None::<Decimal>);
        for r in rows.iter().filter(|r| r.category == category) {
            count += 1;
            if let Some(v) = r.expected_amount {
                expected = Some(expected.map_or(v, |s| s + v));
            }
            if let Some(v) = r.actual_amount {
                actual = Some(actual.map_or(v, |s| s + v));
            }
        }
        f.text(&period.to_string())?;
        f.text(category.code())?;
        f.number(&count.to_string())?;
        amount(&mut f, expected)?;
        amount(&mut f, actual)?;
        f.end_row()?;
    }
    f.close_into(prepared)
}

/// `rows` sorted by (dni, cuenta), as the file is.
pub fn write_account_months(
    prepared: &mut Prepared,
    path: &Path,
    rows: &AccountMonthRows,
) -> anyhow::Result<()> {
    let mut f = CsvFile::create(
        path,
        &[
            "period",
            "dni",
            "cuenta",
            "ubigeo",
            "grupo",
            "month_end_balance",
            "min_balance",
            "avg_daily_balance",
            "cct_credits",
            "other_credits",
            "debits",
            "customer_movements",
            "saver",
        ],
    )?;
    for r in rows.iter()? {
        let r = r?;
        let b = r.balances.as_ref();
        f.text(&r.period.to_string())?;
        f.text(&r.dni)?;
        f.text(&r.cuenta)?;
        f.text(&r.ubigeo)?;
        f.text(r.grupo.as_str())?;
        amount(&mut f, b.map(|b| b.month_end))?;
        amount(&mut f, b.map(|b| b.min))?;
        amount(&mut f, b.map(|b| b.avg_daily))?;
        amount(&mut f, Some(r.cct_credits))?;
        amount(&mut f, Some(r.other_credits))?;
        amount(&mut f, Some(r.debits))?;
        f.number(&r.customer_movements.to_string())?;
        f.text(if r.saver { "true" } else { "false" })?;
        f.end_row()?;
    }
    Ok(f.close_into(prepared)?)
}

pub fn write_indicators(prepared: &mut Prepared, path: &Path, rows: &[IndicatorRow]) -> io::Result<()> {
    let mut f = CsvFile::create(path, &["period", "scope", "scope_id", "metric", "value"])?;
    for r in rows {
        f.text(&r.period.to_string())?;
        f.text(r.scope.code())?;
        f.text(&r.scope_id)?;
        f.text(r.metric)?;
        f.number(&r.value)?;
        f.end_row()?;
    }
    f.close_into(prepared)
}

/// Sorts account-months as `account_months.csv` and the reports list them: by DNI (then
/// account).
pub fn sort_account_months(rows: &mut [AccountMonth]) {
    rows.sort_unstable_by(|a, b| (&a.dni, &a.cuenta).cmp(&(&b.dni, &b.cuenta)));
}

/// The four files of one period under `<output>/<M>/`.
pub struct PeriodOutputs<'a> {
    pub period: Period,
    pub exceptions: &'a [ExceptionRow],
    /// Sorted by [`sort_account_months`].
    pub account_months: &'a AccountMonthRows,
    pub indicators: &'a [IndicatorRow],
}

/// The four files, under temporary names until `prepared` is persisted.
pub fn prepare_period(prepared: &mut Prepared, output: &Path, o: &PeriodOutputs<'_>) -> anyhow::Result<()> {
    let dir = output.join(o.period.to_string());
    write_exceptions(prepared, &dir.join("reconciliation_exceptions.csv"), o.exceptions)?;
    write_summary(prepared, &dir.join("reconciliation_summary.csv"), o.period, o.exceptions)?;
    write_account_months(prepared, &dir.join("account_months.csv"), o.account_months)?;
    write_indicators(prepared, &dir.join("indicators.csv"), o.indicators)?;
    Ok(())
}
