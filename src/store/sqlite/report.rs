//! Reads of a period's stored results for the person-facing reports: exceptions,
//! account-months, the indicators of every period up to it, and the roster's districts.
//! Plain reads, no decisions.

use crate::domain::Period;
use crate::reconcile::ExceptionRow;
use crate::report::account_month_rows::{AccountMonthRows, InOrder};
use crate::savings::AccountMonth;
use crate::store::{rows, DistrictFirstRow, DistrictInfo, PeriodReport, StoredIndicator};
use futures_util::TryStreamExt;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

/// The stored results of `period`, or `None` when it was never computed.
pub(super) async fn period_report(
    pool: &SqlitePool,
    period: Period,
    account_months_in: InOrder,
) -> anyhow::Result<Option<PeriodReport>> {
    let p = period.to_string();
    let computed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM indicators WHERE period = ?")
        .bind(&p)
        .fetch_one(pool)
        .await?;
    if computed == 0 {
        return Ok(None);
    }
    Ok(Some(PeriodReport {
        period,
        exceptions: std::sync::Arc::new(exceptions(pool, period).await?),
        account_months: account_months(pool, period, account_months_in).await?,
        indicators: indicators_through(pool, period).await?,
        districts: districts(pool, period).await?,
    }))
}

/// The indicators of the periods before `period`, and its districts.
pub(super) async fn report_context(
    pool: &SqlitePool,
    period: Period,
    first_rows: &[DistrictFirstRow],
) -> anyhow::Result<(Vec<StoredIndicator>, Vec<DistrictInfo>)> {
    Ok((indicators_through(pool, period.previous()).await?, districts_at(pool, period, first_rows).await?))
}

/// The districts' names and groups read from their first rows by key; when those rows are not
/// the districts they should be (a roster whose positions do not number its rows from 0: never
/// written so), from the whole roster.
async fn districts_at(
    pool: &SqlitePool,
    period: Period,
    first_rows: &[DistrictFirstRow],
) -> anyhow::Result<Vec<DistrictInfo>> {
    let positions = serde_json::to_string(&first_rows.iter().map(|r| r.position).collect::<Vec<_>>())?;
    let rows = sqlx::query(
        "SELECT ubigeo, departamento, provincia, distrito, grupo FROM roster_rows \
         WHERE roster_id = (SELECT id FROM rosters WHERE period = ? ORDER BY version DESC LIMIT 1) \
           AND position IN (SELECT value FROM json_each(?)) \
         ORDER BY ubigeo",
    )
    .bind(period.to_string())
    .bind(positions)
    .fetch_all(pool)
    .await?;
    match DistrictFirstRow::confirmed(first_rows, rows.iter().map(district_of_row).collect(), period) {
        Some(found) => Ok(found),
        None => districts(pool, period).await,
    }
}

fn district_of_row(r: &sqlx::sqlite::SqliteRow) -> DistrictInfo {
    DistrictInfo {
        ubigeo: r.get("ubigeo"),
        departamento: r.get("departamento"),
        provincia: r.get("provincia"),
        distrito: r.get("distrito"),
        grupo: r.get("grupo"),
    }
}

async fn exceptions(pool: &SqlitePool, period: Period) -> anyhow::Result<Vec<ExceptionRow>> {
    let rows = sqlx::query(
        "SELECT ord, category, dni, cuenta, ubigeo, referencia, expected_cents, actual_cents, detail \
         FROM recon_exceptions WHERE period = ? ORDER BY ord",
    )
    .bind(period.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            rows::exception(
                period,
                rows::ExceptionColumns {
                    ord: r.get("ord"),
                    category: r.get("category"),
                    dni: r.get("dni"),
                    cuenta: r.get("cuenta"),
                    ubigeo: r.get("ubigeo"),
                    referencia: r.get("referencia"),
                    expected_cents: r.get("expected_cents"),
                    actual_cents: r.get("actual_cents"),
                    detail: r.get("detail"),
                },
            )
        })
        .collect()
}

/// Streamed, not fetched whole: a national month's rows would not fit in memory at once.
async fn account_months(
    pool: &SqlitePool,
    period: Period,
    mut rows_in: InOrder,
) -> anyhow::Result<AccountMonthRows> {
    let mut rows = sqlx::query(
        "SELECT dni, cuenta, ubigeo, grupo, month_end_cents, min_cents, avg_daily_balance, cct_credits_cents, \
         other_credits_cents, debits_cents, customer_movements, voluntary_deposits, saver \
         FROM account_months WHERE period = ? ORDER BY dni",
    )
    .bind(period.to_string())
    .fetch(pool);
    while let Some(r) = rows.try_next().await? {
        rows_in.push(account_month(period, &r)?)?;
    }
    rows_in.finish()
}

fn account_month(period: Period, r: &SqliteRow) -> anyhow::Result<AccountMonth> {
    rows::account_month(
        period,
        rows::AccountMonthColumns {
            dni: r.get("dni"),
            cuenta: r.get("cuenta"),
            ubigeo: r.get("ubigeo"),
            grupo: r.get("grupo"),
            month_end_cents: r.get("month_end_cents"),
            min_cents: r.get("min_cents"),
            avg_daily_balance: r.get("avg_daily_balance"),
            cct_credits_cents: r.get("cct_credits_cents"),
            other_credits_cents: r.get("other_credits_cents"),
            debits_cents: r.get("debits_cents"),
            customer_movements: r.get::<i64, _>("customer_movements"),
            voluntary_deposits: r.get::<i64, _>("voluntary_deposits"),
            saver: r.get("saver"),
        },
    )
}

async fn indicators_through(pool: &SqlitePool, period: Period) -> anyhow::Result<Vec<StoredIndicator>> {
    let rows = sqlx::query(
        "SELECT period, scope, scope_id, metric, value FROM indicators WHERE period <= ? \
         ORDER BY period, CASE scope WHEN 'PROGRAM' THEN 0 WHEN 'GROUP' THEN 1 WHEN 'REGION' THEN 2 ELSE 3 END, \
         scope_id, metric",
    )
    .bind(period.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let p: String = r.get("period");
            Ok(StoredIndicator {
                period: Period::parse(&p).map_err(|e| anyhow::anyhow!("Bad period in database: {e}"))?,
                scope: r.get("scope"),
                scope_id: r.get("scope_id"),
                metric: r.get("metric"),
                value: r.get("value"),
            })
        })
        .collect()
}

async fn districts(pool: &SqlitePool, period: Period) -> anyhow::Result<Vec<DistrictInfo>> {
    let rows = sqlx::query(
        // SQLite takes the bare columns from the row holding MIN(position): the district's
        // first roster row.
        "SELECT ubigeo, departamento, provincia, distrito, grupo, MIN(position) FROM roster_rows \
         WHERE roster_id = (SELECT id FROM rosters WHERE period = ? ORDER BY version DESC LIMIT 1) \
         GROUP BY ubigeo ORDER BY ubigeo",
    )
    .bind(period.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(district_of_row).collect())
}
