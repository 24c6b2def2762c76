//! The queries the decisions read through: the same rows, in the same order, as the SQLite
//! store returns (ties are broken by delivery order, never left to the planner).

use crate::domain::money::from_cents;
use crate::domain::{Dni, Estado, Grupo, Period, Ubigeo};
use crate::formats::EntryKind;
use crate::reconcile::Ledger;
use crate::records::{EntryRec, InstructionRec, RosterMember, Seq, StatementHead};
use crate::savings::AccountHistory;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use std::collections::HashMap;

const ENTRY_COLUMNS: &str =
    "e.id, e.account, e.booking_date, e.amount_cents, e.reversal, e.referencia, e.kind, e.file_id, e.position, e.statement_id";
const HEAD_COLUMNS: &str =
    "s.id, s.account, s.from_date, s.to_date, s.opening_cents, s.closing_cents, s.file_id, s.position";

fn bad(what: &str) -> impl Fn(String) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("Bad {what} in database: {e}")
}

pub async fn roster(pool: &PgPool, p: Period) -> anyhow::Result<Vec<RosterMember>> {
    let rows = sqlx::query(
        "SELECT dni, nombres, apellido_paterno, apellido_materno, ubigeo, distrito, grupo, estado, cuenta, monto_cents \
         FROM roster_rows WHERE roster_id = \
           (SELECT id FROM rosters WHERE period = $1 ORDER BY version DESC LIMIT 1) ORDER BY position",
    )
    .bind(p.first_day())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RosterMember {
                dni: Dni::parse(r.try_get("dni")?).map_err(bad("roster row"))?,
                nombres: r.try_get("nombres")?,
                apellido_paterno: r.try_get("apellido_paterno")?,
                apellido_materno: r.try_get("apellido_materno")?,
                ubigeo: Ubigeo::parse(r.try_get("ubigeo")?).map_err(bad("roster row"))?,
                distrito: r.try_get("distrito")?,
                grupo: Grupo::parse(r.try_get("grupo")?).map_err(bad("roster row"))?,
                estado: Estado::parse(r.try_get("estado")?).map_err(bad("roster row"))?,
                cuenta: r.try_get("cuenta")?,
                monto: from_cents(r.try_get("monto_cents")?),
            })
        })
        .collect()
}

pub async fn instructions(pool: &PgPool, p: Period) -> anyhow::Result<Vec<InstructionRec>> {
    let rows = sqlx::query(
        "SELECT id, lote, dni, cuenta, monto_cents, referencia, file_id, position FROM instructions \
         WHERE periodo = $1 ORDER BY file_id, position",
    )
    .bind(p.first_day())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(InstructionRec {
                id: r.try_get("id")?,
                lote: r.try_get("lote")?,
                dni: Dni::parse(r.try_get("dni")?).map_err(bad("instruction"))?,
                cuenta: r.try_get("cuenta")?,
                monto: from_cents(r.try_get("monto_cents")?),
                referencia: r.try_get("referencia")?,
                seq: Seq { file: r.try_get("file_id")?, position: r.try_get("position")? },
            })
        })
        .collect()
}

fn entry_from_row(r: &PgRow) -> anyhow::Result<EntryRec> {
    Ok(EntryRec {
        id: r.try_get("id")?,
        account: r.try_get("account")?,
        booking_date: r.try_get("booking_date")?,
        amount: from_cents(r.try_get("amount_cents")?),
        reversal: r.try_get("reversal")?,
        referencia: r.try_get("referencia")?,
        kind: EntryKind::from_code(r.try_get("kind")?),
        seq: Seq { file: r.try_get("file_id")?, position: r.try_get("position")? },
        statement_id: r.try_get("statement_id")?,
    })
}

fn head_from_row(r: &PgRow) -> anyhow::Result<StatementHead> {
    Ok(StatementHead {
        id: r.try_get("id")?,
        account: r.try_get("account")?,
        from: r.try_get("from_date")?,
        to: r.try_get("to_date")?,
        opening: from_cents(r.try_get("opening_cents")?),
        closing: from_cents(r.try_get("closing_cents")?),
        seq: Seq { file: r.try_get("file_id")?, position: r.try_get("position")? },
    })
}

pub async fn entries_between(pool: &PgPool, from: NaiveDate, to: NaiveDate) -> anyhow::Result<Vec<EntryRec>> {
    let rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.booking_date BETWEEN $1 AND $2 \
         ORDER BY e.booking_date, e.file_id, e.position"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

pub async fn gap_candidates(
    pool: &PgPool,
    p: Period,
) -> anyhow::Result<Vec<(StatementHead, Option<Decimal>)>> {
    let rows = sqlx::query(&format!(
        "SELECT {HEAD_COLUMNS}, (SELECT q.closing_cents FROM statements q WHERE q.account = s.account \
           AND q.from_date < s.from_date ORDER BY q.from_date DESC, q.file_id DESC, q.position DESC LIMIT 1) AS previous \
         FROM statements s WHERE s.from_date BETWEEN $1 AND $2 ORDER BY s.from_date, s.file_id, s.position"
    ))
    .bind(p.first_day())
    .bind(p.last_day())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((head_from_row(r)?, r.try_get::<Option<i64>, _>("previous")?.map(from_cents))))
        .collect()
}

pub async fn histories(pool: &PgPool, p: Period) -> anyhow::Result<HashMap<String, AccountHistory>> {
    let (first, last) = (p.first_day(), p.last_day());
    // The statements in force during the period: the last one starting on or before its first
    // day, and every one starting within it.
    let in_force =
        "s.from_date <= $1 AND s.from_date >= COALESCE((SELECT MAX(q.from_date) FROM statements q \
                    WHERE q.account = s.account AND q.from_date <= $2), s.from_date)";
    let heads = sqlx::query(&format!("SELECT {HEAD_COLUMNS} FROM statements s WHERE {in_force}"))
        .bind(last)
        .bind(first)
        .fetch_all(pool)
        .await?;
    let mut histories: HashMap<String, AccountHistory> = HashMap::new();
    for r in &heads {
        let head = head_from_row(r)?;
        histories.entry(head.account.clone()).or_default().statements.push(head);
    }
    let entries = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries e JOIN statements s ON s.id = e.statement_id \
         WHERE {in_force} AND e.booking_date <= $1 ORDER BY e.statement_id, e.position"
    ))
    .bind(last)
    .bind(first)
    .fetch_all(pool)
    .await?;
    for r in &entries {
        let entry = entry_from_row(r)?;
        histories.entry(entry.account.clone()).or_default().entries.push(entry);
    }
    for history in histories.values_mut() {
        history.statements.sort_by_key(|s| (s.from, s.seq));
    }
    Ok(histories)
}

pub async fn ledger_before(pool: &PgPool, p: Period) -> anyhow::Result<Ledger> {
    let first = p.first_day();
    let mut ledger = Ledger::default();
    let matched: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT m.entry_id, m.returned_by FROM recon_matches m JOIN entries e ON e.id = m.entry_id \
         WHERE m.period < $1 AND e.booking_date >= $1",
    )
    .bind(first)
    .fetch_all(pool)
    .await?;
    for (entry, returned_by) in matched {
        ledger.consumed_credits.insert(entry);
        ledger.matched_credits.insert(entry);
        ledger.used_reversals.extend(returned_by);
    }
    let duplicates: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT d.entry_id, d.offset_by FROM recon_duplicates d JOIN entries e ON e.id = d.entry_id \
         WHERE d.period < $1 AND e.booking_date >= $1",
    )
    .bind(first)
    .fetch_all(pool)
    .await?;
    for (entry, offset_by) in duplicates {
        ledger.consumed_credits.insert(entry);
        ledger.used_reversals.extend(offset_by);
    }
    // Reversals used by earlier periods can be booked after the first of M even when the
    // credit they returned was not.
    let reversals: Vec<i64> = sqlx::query_scalar(
        "SELECT returned_by FROM recon_matches WHERE period < $1 AND returned_by IS NOT NULL \
         UNION SELECT offset_by FROM recon_duplicates WHERE period < $1 AND offset_by IS NOT NULL",
    )
    .bind(first)
    .fetch_all(pool)
    .await?;
    ledger.used_reversals.extend(reversals);
    Ok(ledger)
}
