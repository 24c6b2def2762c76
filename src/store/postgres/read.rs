//! The queries the decisions read through: the same rows, in the same order, as the SQLite
//! store returns (ties are broken by delivery order, never left to the planner).

use crate::domain::money::{from_cents, to_cents};
use crate::domain::{Dni, Estado, Grupo, Period, Ubigeo};
use crate::formats::EntryKind;
use crate::reconcile::Ledger;
use crate::records::{EntryRec, InstructionRec, MemberNames, RosterMember, Seq, StatementHead};
use crate::savings::timeline::{AccountCheckpoint, Checkpoint, EarlyEntries};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

const HEAD_COLUMNS: &str =
    "s.id, s.account, s.from_date, s.to_date, s.opening_cents, s.closing_cents, s.file_id, s.position";

fn bad(what: &str) -> impl Fn(String) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("Bad {what} in database: {e}")
}

pub async fn roster(pool: &PgPool, p: Period, names: bool) -> anyhow::Result<Vec<RosterMember>> {
    let names_of = |r: &PgRow| -> anyhow::Result<Option<Box<MemberNames>>> {
        if !names {
            return Ok(None);
        }
        Ok(Some(Box::new(MemberNames {
            nombres: r.try_get("nombres")?,
            apellido_paterno: r.try_get("apellido_paterno")?,
            apellido_materno: r.try_get("apellido_materno")?,
            distrito: r.try_get("distrito")?,
        })))
    };
    let mut rows = sqlx::query(
        "SELECT dni, nombres, apellido_paterno, apellido_materno, ubigeo, distrito, grupo, estado, cuenta, monto_cents \
         FROM roster_rows WHERE roster_id = \
           (SELECT id FROM rosters WHERE period = $1 ORDER BY version DESC LIMIT 1) ORDER BY position",
    )
    .bind(p.first_day())
    .fetch(pool);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        out.push(RosterMember {
            dni: Dni::parse(r.try_get("dni")?).map_err(bad("roster row"))?,
            names: names_of(&r)?,
            ubigeo: Ubigeo::parse(r.try_get("ubigeo")?).map_err(bad("roster row"))?,
            grupo: Grupo::parse(r.try_get("grupo")?).map_err(bad("roster row"))?,
            estado: Estado::parse(r.try_get("estado")?).map_err(bad("roster row"))?,
            cuenta: r.try_get::<&str, _>("cuenta")?.into(),
            monto: from_cents(r.try_get("monto_cents")?),
        });
    }
    Ok(out)
}

pub async fn instructions(pool: &PgPool, p: Period) -> anyhow::Result<Vec<InstructionRec>> {
    let mut rows = sqlx::query(
        "SELECT id, lote, dni, cuenta, monto_cents, referencia, file_id, position FROM instructions \
         WHERE periodo = $1 ORDER BY file_id, position",
    )
    .bind(p.first_day())
    .fetch(pool);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        out.push(InstructionRec {
            id: r.try_get("id")?,
            lote: r.try_get::<&str, _>("lote")?.into(),
            dni: Dni::parse(r.try_get("dni")?).map_err(bad("instruction"))?,
            cuenta: r.try_get::<&str, _>("cuenta")?.into(),
            monto: from_cents(r.try_get("monto_cents")?),
            referencia: r.try_get::<&str, _>("referencia")?.into(),
            seq: Seq { file: r.try_get("file_id")?, position: r.try_get("position")? },
        });
    }
    Ok(out)
}

fn entry_from_row(r: &PgRow) -> anyhow::Result<EntryRec> {
    Ok(EntryRec {
        id: r.try_get(0)?,
        account: r.try_get::<&str, _>(1)?.into(),
        booking_date: r.try_get(2)?,
        amount: from_cents(r.try_get(3)?),
        reversal: r.try_get(4)?,
        referencia: r.try_get::<Option<&str>, _>(5)?.map(Into::into),
        kind: EntryKind::from_code(r.try_get(6)?),
        seq: Seq { file: r.try_get(7)?, position: r.try_get(8)? },
        statement_id: r.try_get(9)?,
        statement_from: r.try_get(10)?,
    })
}

fn head_from_row(r: &PgRow) -> anyhow::Result<StatementHead> {
    Ok(StatementHead {
        id: r.try_get(0)?,
        account: r.try_get::<&str, _>(1)?.into(),
        from: r.try_get(2)?,
        to: r.try_get(3)?,
        opening: from_cents(r.try_get(4)?),
        closing: from_cents(r.try_get(5)?),
        seq: Seq { file: r.try_get(6)?, position: r.try_get(7)? },
    })
}

/// Booked entries with a booking date in `from..=to`, each with its statement's first day, in
/// no particular order (every decision orders what it reads). Rows are decoded as they arrive.
pub async fn entries_between(pool: &PgPool, from: NaiveDate, to: NaiveDate) -> anyhow::Result<Vec<EntryRec>> {
    let mut rows = sqlx::query(
        "SELECT e.id, e.account, e.booking_date, e.amount_cents, e.reversal, e.referencia, e.kind, e.file_id, \
         e.position, e.statement_id, s.from_date \
         FROM entries e JOIN statements s ON s.id = e.statement_id WHERE e.booking_date BETWEEN $1 AND $2",
    )
    .bind(from)
    .bind(to)
    .fetch(pool);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        out.push(entry_from_row(&r)?);
    }
    Ok(out)
}

/// Statements whose coverage starts in the period, by (first day, delivery order). Sorted here:
/// a national month is ~1.8 M statements, which the server would sort on disk (`work_mem`).
pub async fn statements_starting(pool: &PgPool, p: Period) -> anyhow::Result<Vec<StatementHead>> {
    let sql = format!("SELECT {HEAD_COLUMNS} FROM statements s WHERE s.from_date BETWEEN $1 AND $2");
    let mut rows = sqlx::query(&sql).bind(p.first_day()).bind(p.last_day()).fetch(pool);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        out.push(head_from_row(&r)?);
    }
    // (file, position) is unique: no ties.
    out.sort_unstable_by_key(|h| (h.from, h.seq.file, h.seq.position));
    Ok(out)
}

/// The timelines at the end of the month before `p`: the checkpoint its recompute stored, or,
/// when there is none (first run, a month without roster in between), computed from the whole
/// stored history.
pub async fn checkpoint_before(pool: &PgPool, p: Period) -> anyhow::Result<Checkpoint> {
    let previous = p.previous().first_day();
    let stored: Option<i32> = sqlx::query_scalar("SELECT 1 FROM checkpoints WHERE period = $1")
        .bind(previous)
        .fetch_optional(pool)
        .await?;
    let mut checkpoint = Checkpoint::default();
    if stored.is_some() {
        let mut rows = sqlx::query(
            "SELECT account, statement_id, from_date, to_date, file_id, position, opening_cents, closing_cents, \
             base_cents FROM checkpoint_accounts WHERE period = $1",
        )
        .bind(previous)
        .fetch(pool);
        while let Some(r) = rows.try_next().await? {
            checkpoint.accounts.insert(
                r.try_get::<&str, _>(0)?.into(),
                AccountCheckpoint {
                    statement_id: r.try_get(1)?,
                    from: r.try_get(2)?,
                    to: r.try_get(3)?,
                    seq: Seq { file: r.try_get(4)?, position: r.try_get(5)? },
                    opening_cents: r.try_get(6)?,
                    closing_cents: r.try_get(7)?,
                    base_cents: r.try_get(8)?,
                },
            );
        }
        drop(rows);
        let mut rows =
            sqlx::query("SELECT statement_id, account, cents FROM checkpoint_early WHERE period = $1")
                .bind(previous)
                .fetch(pool);
        while let Some(r) = rows.try_next().await? {
            checkpoint.early.insert(
                r.try_get(0)?,
                EarlyEntries { account: r.try_get::<&str, _>(1)?.into(), cents: r.try_get(2)? },
            );
        }
        return Ok(checkpoint);
    }
    let first = p.first_day();
    // The last statement of each account starting before the first of M (DISTINCT ON keeps the
    // first row of each account in the given order).
    let sql = format!(
        "SELECT DISTINCT ON (s.account) {HEAD_COLUMNS} FROM statements s WHERE s.from_date < $1 \
         ORDER BY s.account, s.from_date DESC, s.file_id DESC, s.position DESC"
    );
    let mut rows = sqlx::query(&sql).bind(first).fetch(pool);
    while let Some(r) = rows.try_next().await? {
        let h = head_from_row(&r)?;
        let opening_cents = to_cents(h.opening);
        checkpoint.accounts.insert(
            h.account,
            AccountCheckpoint {
                statement_id: h.id,
                from: h.from,
                to: h.to,
                seq: h.seq,
                opening_cents,
                closing_cents: to_cents(h.closing),
                base_cents: opening_cents,
            },
        );
    }
    drop(rows);
    let mut rows = sqlx::query(
        "SELECT e.statement_id, s.account, s.from_date, SUM(e.amount_cents)::BIGINT FROM entries e \
         JOIN statements s ON s.id = e.statement_id WHERE e.booking_date < $1 \
         GROUP BY e.statement_id, s.account, s.from_date",
    )
    .bind(first)
    .fetch(pool);
    while let Some(r) = rows.try_next().await? {
        let (statement_id, account, from, cents): (i64, &str, NaiveDate, i64) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        let account: crate::records::Text = account.into();
        if from >= first {
            checkpoint.early.insert(statement_id, EarlyEntries { account, cents });
        } else if let Some(c) = checkpoint.accounts.get_mut(&account) {
            if c.statement_id == statement_id {
                c.base_cents += cents;
            }
        }
    }
    Ok(checkpoint)
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
