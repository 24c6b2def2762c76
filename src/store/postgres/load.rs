//! Storing one valid file's facts inside its transaction, with `COPY` for the rows: rosters
//! (a new version of the period), payment batches (a `lote` already stored with the same
//! content is skipped, with other content is a conflict; a reused `referencia` is refused) and
//! statements (refused when they overlap a stored statement of the same account). The checks
//! are made after inserting, as on SQLite, so the database's constraints decide.

use super::copy::{copy_in, CopyError};
use crate::domain::money::to_cents;
use crate::domain::Period;
use crate::formats::{Batch, Instruction, Problem, Roster, Statement};
use crate::store::sqlite::batch_content_hash;
use crate::store::Stored;
use chrono::{Days, NaiveDate};
use sqlx::{Acquire as _, PgConnection, Row};
use std::collections::{BTreeSet, HashMap};

pub async fn store_roster(conn: &mut PgConnection, file_id: i64, roster: &Roster) -> anyhow::Result<Stored> {
    let period = roster.period.first_day();
    let version: i32 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM rosters WHERE period = $1")
            .bind(period)
            .fetch_one(&mut *conn)
            .await?;
    let roster_id: i64 =
        sqlx::query_scalar("INSERT INTO rosters (file_id, period, version) VALUES ($1, $2, $3) RETURNING id")
            .bind(file_id)
            .bind(period)
            .bind(version)
            .fetch_one(&mut *conn)
            .await?;
    copy_in(
        conn,
        "roster_rows (roster_id, position, dni, nombres, apellido_paterno, apellido_materno, ubigeo, \
         departamento, provincia, distrito, grupo, estado, cuenta, monto_cents, agencia, distancia_km)",
        roster.rows.iter().enumerate(),
        |out, (position, r)| {
            out.field(roster_id)?.field(position as i64)?.field(r.dni.as_str())?.field(&r.nombres)?;
            out.field(&r.apellido_paterno)?.field(&r.apellido_materno)?.field(r.ubigeo.as_str())?;
            out.field(&r.departamento)?.field(&r.provincia)?.field(&r.distrito)?;
            out.field(r.grupo.as_str())?.field(r.estado.as_str())?.field(r.cuenta.as_str())?;
            out.field(to_cents(r.monto))?.field(&r.agencia)?.field(r.distancia_km)?;
            Ok(())
        },
    )
    .await?;
    Ok(Stored::Ingested { earliest_touched: Some(roster.period) })
}

pub async fn store_payments(
    conn: &mut PgConnection,
    file_id: i64,
    batches: &[Batch],
) -> anyhow::Result<Stored> {
    let mut problems = Vec::new();
    let mut earliest: Option<Period> = None;
    let mut position = 0i64;
    let mut stored_any = false;
    for batch in batches {
        let hash = batch_content_hash(batch);
        let existing: Option<String> = sqlx::query_scalar("SELECT content_hash FROM batches WHERE lote = $1")
            .bind(&batch.lote)
            .fetch_optional(&mut *conn)
            .await?;
        match existing {
            Some(h) if h == hash => {
                position += batch.instructions.len() as i64;
                continue;
            }
            Some(_) => {
                problems.push(Problem::in_file(
                    "lote",
                    format!("lote {} was already received with other content (conflict)", batch.lote),
                ));
                continue;
            }
            None => {}
        }
        stored_any = true;
        sqlx::query("INSERT INTO batches (lote, file_id, content_hash) VALUES ($1, $2, $3)")
            .bind(&batch.lote)
            .bind(file_id)
            .bind(&hash)
            .execute(&mut *conn)
            .await?;
        // A failed statement aborts a PostgreSQL transaction: the COPY runs in a savepoint so a
        // reused referencia can be reported and the other batches still checked.
        let mut savepoint = conn.begin().await?;
        let copied = copy_instructions(&mut savepoint, file_id, position, &batch.instructions).await;
        match copied {
            Ok(_) => savepoint.commit().await?,
            Err(error) if error.is_unique_violation() => {
                savepoint.rollback().await?;
                problems.extend(reused_references(conn, file_id, &batch.instructions).await?);
            }
            Err(error) => return Err(error.into()),
        }
        position += batch.instructions.len() as i64;
        for i in &batch.instructions {
            earliest = Some(earliest.map_or(i.periodo, |e| e.min(i.periodo)));
        }
    }
    if !problems.is_empty() {
        return Ok(Stored::Rejected(problems));
    }
    if !stored_any {
        return Ok(Stored::DuplicateContent);
    }
    Ok(Stored::Ingested { earliest_touched: earliest })
}

async fn copy_instructions(
    conn: &mut PgConnection,
    file_id: i64,
    first_position: i64,
    instructions: &[Instruction],
) -> Result<u64, CopyError> {
    copy_in(
        conn,
        "instructions (lote, periodo, dni, cuenta, monto_cents, referencia, file_id, position)",
        instructions.iter().zip(first_position..),
        |out, (i, position)| {
            out.field(&i.lote)?.field(i.periodo.first_day())?.field(i.dni.as_str())?;
            out.field(i.cuenta.as_str())?.field(to_cents(i.monto))?.field(&i.referencia)?;
            out.field(file_id)?.field(position)?;
            Ok(())
        },
    )
    .await
}

/// Names the referencias of `instructions` that another file's lote already uses, in file order.
async fn reused_references(
    conn: &mut PgConnection,
    file_id: i64,
    instructions: &[Instruction],
) -> anyhow::Result<Vec<Problem>> {
    let wanted: Vec<&str> = instructions.iter().map(|i| i.referencia.as_str()).collect();
    let used: HashMap<String, String> = sqlx::query_as(
        "SELECT referencia, lote FROM instructions WHERE referencia = ANY($1) AND file_id <> $2",
    )
    .bind(&wanted)
    .bind(file_id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let mut problems: Vec<Problem> = instructions
        .iter()
        .filter_map(|i| {
            used.get(&i.referencia).map(|lote| {
                Problem::in_file(
                    "referencia",
                    format!("referencia {} of lote {} is already used by lote {lote}", i.referencia, i.lote),
                )
            })
        })
        .collect();
    if problems.is_empty() {
        problems.push(Problem::in_file("referencia", "a referencia is already used by a stored instruction"));
    }
    Ok(problems)
}

/// The months of a statement file's entries: their partitions must exist before the load.
pub fn entry_months(statements: &[Statement]) -> Vec<NaiveDate> {
    let months: BTreeSet<NaiveDate> = statements
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| Period::of_date(e.booking_date).first_day()))
        .collect();
    months.into_iter().collect()
}

pub async fn store_statements(
    conn: &mut PgConnection,
    file_id: i64,
    statements: &[Statement],
    grace_days: u32,
) -> anyhow::Result<Stored> {
    // Ids continue the stored ones, as on SQLite; the run lock makes this the only writer.
    let first_statement: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM statements").fetch_one(&mut *conn).await?;
    let first_entry: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM entries").fetch_one(&mut *conn).await?;
    copy_in(
        conn,
        "statements (id, file_id, position, account, from_date, to_date, opening_cents, closing_cents)",
        statements.iter().zip(0i64..),
        |out, (s, position)| {
            out.field(first_statement + position)?.field(file_id)?.field(position)?.field(&s.account)?;
            out.field(s.from)?.field(s.to)?.field(to_cents(s.opening))?.field(to_cents(s.closing))?;
            Ok(())
        },
    )
    .await?;
    let entries = statements
        .iter()
        .zip(first_statement..)
        .flat_map(|(s, statement_id)| s.entries.iter().map(move |e| (statement_id, &s.account, e)));
    copy_in(
        conn,
        "entries (id, statement_id, file_id, position, account, booking_date, value_date, amount_cents, \
         reversal, referencia, kind, description)",
        entries.zip(0i64..),
        |out, ((statement_id, account, e), position)| {
            out.field(first_entry + position)?.field(statement_id)?.field(file_id)?.field(position)?;
            out.field(account)?.field(e.booking_date)?.field(e.value_date)?.field(to_cents(e.amount))?;
            out.field(e.reversal)?.field(e.referencia.as_deref())?.field(e.kind.code())?;
            out.field(&e.description)?;
            Ok(())
        },
    )
    .await?;
    let overlaps = overlapping_stored(conn, file_id).await?;
    if !overlaps.is_empty() {
        return Ok(Stored::Rejected(overlaps));
    }
    Ok(Stored::Ingested { earliest_touched: earliest_touched(statements, grace_days) })
}

/// The earliest period whose window (with the grace days) a statement or entry falls in.
fn earliest_touched(statements: &[Statement], grace_days: u32) -> Option<Period> {
    let back = |date: NaiveDate| {
        Period::of_date(date.checked_sub_days(Days::new(u64::from(grace_days))).unwrap_or(date))
    };
    statements
        .iter()
        .flat_map(|s| std::iter::once(back(s.from)).chain(s.entries.iter().map(|e| back(e.booking_date))))
        .min()
}

/// Statements of this file that overlap a statement already stored for the same account.
async fn overlapping_stored(conn: &mut PgConnection, file_id: i64) -> anyhow::Result<Vec<Problem>> {
    let rows = sqlx::query(
        "SELECT n.account, n.from_date, n.to_date, o.from_date, o.to_date, f.name \
         FROM statements n JOIN statements o ON o.account = n.account AND o.file_id <> n.file_id \
           AND o.from_date <= n.to_date AND n.from_date <= o.to_date \
         JOIN files f ON f.id = o.file_id \
         WHERE n.file_id = $1 ORDER BY n.position, o.from_date, o.file_id, o.position LIMIT 100",
    )
    .bind(file_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Problem::in_file(
                "account",
                format!(
                    "statement of account {} from {} to {} overlaps the stored statement from {} to {} (file {})",
                    r.try_get::<String, _>(0)?,
                    r.try_get::<NaiveDate, _>(1)?,
                    r.try_get::<NaiveDate, _>(2)?,
                    r.try_get::<NaiveDate, _>(3)?,
                    r.try_get::<NaiveDate, _>(4)?,
                    r.try_get::<String, _>(5)?
                ),
            ))
        })
        .collect()
}
