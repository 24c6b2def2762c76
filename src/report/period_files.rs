//! The per-period CSVs under `out/<M>/`: exceptions, summary, account-months, indicators.

use super::csv_out::{write_atomically, Cell, CsvTable};
use crate::domain::money::format_amount;
use crate::domain::Period;
use crate::indicators::IndicatorRow;
use crate::reconcile::{Category, ExceptionRow};
use crate::savings::AccountMonth;
use rust_decimal::Decimal;
use std::path::Path;

fn amount(value: Option<Decimal>) -> Cell {
    Cell::number(value.map(format_amount).unwrap_or_default())
}

pub fn exceptions_csv(rows: &[ExceptionRow]) -> Vec<u8> {
    let mut t = CsvTable::new(&[
        "period",
        "category",
        "dni",
        "cuenta",
        "ubigeo",
        "referencia",
        "expected_amount",
        "actual_amount",
        "detail",
    ]);
    for r in rows {
        t.push(vec![
            Cell::text(r.period.to_string()),
            Cell::text(r.category.code()),
            Cell::text(&r.dni),
            Cell::text(&r.cuenta),
            Cell::text(&r.ubigeo),
            Cell::text(&r.referencia),
            amount(r.expected_amount),
            amount(r.actual_amount),
            Cell::text(&r.detail),
        ]);
    }
    t.to_bytes()
}

/// One row per category, all eleven, sums of the non-empty cells (empty when none).
pub fn summary_csv(period: Period, rows: &[ExceptionRow]) -> Vec<u8> {
    let mut t = CsvTable::new(&["period", "category", "count", "expected_amount", "actual_amount"]);
    for category in Category::ALL {
        let of: Vec<&ExceptionRow> = rows.iter().filter(|r| r.category == category).collect();
        let sum =
            |f: fn(&ExceptionRow) -> Option<Decimal>| of.iter().filter_map(|r| f(r)).reduce(|a, b| a + b);
        t.push(vec![
            Cell::text(period.to_string()),
            Cell::text(category.code()),
            Cell::number(of.len().to_string()),
            amount(sum(|r| r.expected_amount)),
            amount(sum(|r| r.actual_amount)),
        ]);
    }
    t.to_bytes()
}

pub fn account_months_csv(rows: &[AccountMonth]) -> Vec<u8> {
    let mut t = CsvTable::new(&[
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
    ]);
    let mut sorted: Vec<&AccountMonth> = rows.iter().collect();
    sorted.sort_by(|a, b| (&a.dni, &a.cuenta).cmp(&(&b.dni, &b.cuenta)));
    for r in sorted {
        let b = r.balances.as_ref();
        t.push(vec![
            Cell::text(r.period.to_string()),
            Cell::text(&r.dni),
            Cell::text(&r.cuenta),
            Cell::text(&r.ubigeo),
            Cell::text(r.grupo.as_str()),
            amount(b.map(|b| b.month_end)),
            amount(b.map(|b| b.min)),
            amount(b.map(|b| b.avg_daily)),
            amount(Some(r.cct_credits)),
            amount(Some(r.other_credits)),
            amount(Some(r.debits)),
            Cell::number(r.customer_movements.to_string()),
            Cell::text(if r.saver { "true" } else { "false" }),
        ]);
    }
    t.to_bytes()
}

pub fn indicators_csv(rows: &[IndicatorRow]) -> Vec<u8> {
    let mut t = CsvTable::new(&["period", "scope", "scope_id", "metric", "value"]);
    for r in rows {
        t.push(vec![
            Cell::text(r.period.to_string()),
            Cell::text(r.scope.code()),
            Cell::text(&r.scope_id),
            Cell::text(r.metric),
            Cell::number(&r.value),
        ]);
    }
    t.to_bytes()
}

/// The four files of one period, written atomically under `<output>/<M>/`.
pub struct PeriodOutputs<'a> {
    pub period: Period,
    pub exceptions: &'a [ExceptionRow],
    pub account_months: &'a [AccountMonth],
    pub indicators: &'a [IndicatorRow],
}

pub fn write_period(output: &Path, o: &PeriodOutputs<'_>) -> std::io::Result<()> {
    let dir = output.join(o.period.to_string());
    write_atomically(&dir.join("reconciliation_exceptions.csv"), &exceptions_csv(o.exceptions))?;
    write_atomically(&dir.join("reconciliation_summary.csv"), &summary_csv(o.period, o.exceptions))?;
    write_atomically(&dir.join("account_months.csv"), &account_months_csv(o.account_months))?;
    write_atomically(&dir.join("indicators.csv"), &indicators_csv(o.indicators))?;
    Ok(())
}
