//! Reads of a period's stored results for the person-facing reports, on PostgreSQL (the same
//! rows, in the same order, as the SQLite reads). Plain reads, no decisions.

use crate::domain::Period;
use crate::reconcile::ExceptionRow;
use crate::report::account_month_rows::{AccountMonthRows, InOrder};
use crate::savings::AccountMonth;
use crate::store::{rows, DistrictFirstRow, DistrictInfo, PeriodReport, StoredIndicator};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

/// The stored results of `period`, or `None` when it was never computed.
pub(super) async fn period_report(
    pool: &PgPool,
    period: Period,
    account_months_in: InOrder,
) -> anyhow::Result<Option<PeriodReport>> {
    let computed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM indicators WHERE period = $1")
        .bind(period.first_day())
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
    pool: &PgPool,
    period: Period,
    first_rows: &[DistrictFirstRow],
) -> anyhow::Result<(Vec<StoredIndicator>, Vec<DistrictInfo>)> {
    Ok((indicators_through(pool, period.previous()).await?, districts_at(pool, period, first_rows).await?))
}

/// The districts' names and groups read from their first rows by key; when those rows are not
/// the districts they should be (a roster whose positions do not number its rows from 0: never
/// written so), from the whole roster.
async fn districts_at(
    pool: &PgPool,
    period: Period,
    first_rows: &[DistrictFirstRow],
) -> anyhow::Result<Vec<DistrictInfo>> {
    let positions: Vec<i64> = first_rows.iter().map(|r| r.position).collect();
    let rows = sqlx::query(
        "SELECT ubigeo::text AS ubigeo, departamento, provincia, distrito, grupo FROM roster_rows \
         WHERE roster_id = (SELECT id FROM rosters WHERE period = $1 ORDER BY version DESC LIMIT 1) \
           AND position = ANY($2) \
         ORDER BY ubigeo",
    )
    .bind(period.first_day())
    .bind(&positions)
    .fetch_all(pool)
    .await?;
    match DistrictFirstRow::confirmed(first_rows, rows.iter().map(district_of_row).collect(), period) {
        Some(found) => Ok(found),
        None => districts(pool, period).await,
    }
}

fn district_of_row(r: &sqlx::postgres::PgRow) -> DistrictInfo {
    DistrictInfo {
        ubigeo: r.get("ubigeo"),
        departamento: r.get("departamento"),
        provincia: r.get("provincia"),
        distrito: r.get("distrito"),
        grupo: r.get("grupo"),
    }
}

async fn exceptions(pool: &PgPool, period: Period) -> anyhow::Result<Vec<ExceptionRow>> {
    let rows = sqlx::query(
        "SELECT ord, category, dni, cuenta, ubigeo, referencia, expected_cents, actual_cents, detail \
         FROM recon_exceptions WHERE period = $1 ORDER BY ord",
    )
    .bind(period.first_day())
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
    pool: &PgPool,
    period: Period,
    mut rows_in: InOrder,
) -> anyhow::Result<AccountMonthRows> {
    let mut rows = sqlx::query(
        "SELECT dni::text AS dni, cuenta::text AS cuenta, ubigeo::text AS ubigeo, grupo, month_end_cents, min_cents, \
         avg_daily_balance::text AS avg_daily_balance, cct_credits_cents, other_credits_cents, debits_cents, \
         customer_movements, voluntary_deposits, saver \
         FROM account_months WHERE period = $1 ORDER BY dni COLLATE \"C\"",
    )
    .bind(period.first_day())
    .fetch(pool);
    while let Some(r) = rows.try_next().await? {
        rows_in.push(account_month(period, &r)?)?;
    }
    rows_in.finish()
}

fn account_month(period: Period, r: &PgRow) -> anyhow::Result<AccountMonth> {
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
            customer_movements: i64::from(r.get::<i32, _>("customer_movements")),
            voluntary_deposits: i64::from(r.get::<i32, _>("voluntary_deposits")),
            saver: r.get("saver"),
        },
    )
}

async fn indicators_through(pool: &PgPool, period: Period) -> anyhow::Result<Vec<StoredIndicator>> {
    let rows = sqlx::query(
        "SELECT period, scope, scope_id, metric, value FROM indicators WHERE period <= $1 \
         ORDER BY period, CASE scope WHEN 'PROGRAM' THEN 0 WHEN 'GROUP' THEN 1 WHEN 'REGION' THEN 2 ELSE 3 END, \
         scope_id COLLATE \"C\", metric COLLATE \"C\"",
    )
    .bind(period.first_day())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| StoredIndicator {
            period: Period::of_date(r.get::<NaiveDate, _>("period")),
            scope: r.get("scope"),
            scope_id: r.get("scope_id"),
            metric: r.get("metric"),
            value: r.get("value"),
        })
        .collect())
}

async fn districts(pool: &PgPool, period: Period) -> anyhow::Result<Vec<DistrictInfo>> {
    let rows = sqlx::query(
        // The district's first roster row gives its names and group. Its position is found by
        // grouping, then its row by key: `DISTINCT ON (ubigeo) … ORDER BY ubigeo, position`
        // sorted every row of the roster with its texts (20 s for a 20-million-row roster,
        // against 12–15 s this way; BENCHMARKS.md).
        "WITH roster AS (SELECT id FROM rosters WHERE period = $1 ORDER BY version DESC LIMIT 1), \
              firsts AS (SELECT ubigeo, MIN(position) AS position FROM roster_rows \
                         WHERE roster_id = (SELECT id FROM roster) GROUP BY ubigeo) \
         SELECT r.ubigeo::text AS ubigeo, r.departamento, r.provincia, r.distrito, r.grupo \
         FROM firsts f JOIN roster_rows r ON r.roster_id = (SELECT id FROM roster) AND r.position = f.position \
         ORDER BY r.ubigeo",
    )
    .bind(period.first_day())
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(district_of_row).collect())
}
