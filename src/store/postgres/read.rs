//! The queries the decisions read through: the same rows, in the same order, as the SQLite
//! store returns (ties are broken by delivery order, never left to the planner).

use super::copy_out::{copy_out, date_literal};
use crate::domain::money::{from_cents, to_cents};
use crate::domain::{Dni, Estado, Grupo, Period, Ubigeo};
/// Range conditions compare bytes whatever a column's collation (`store::range`).
const BYTES: &str = " COLLATE \"C\"";
use crate::formats::EntryKind;
use crate::reconcile::Ledger;
use crate::records::{EntryRec, InstructionRec, MemberNames, RosterMember, Seq, StatementHead};
use crate::savings::timeline::{AccountCheckpoint, Checkpoint, EarlyEntries};
use crate::store::range::AccountRange;
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

const HEAD_COLUMNS: &str =
    "s.id, s.account, s.from_date, s.to_date, s.opening_cents, s.closing_cents, s.file_id, s.position";

/// A vector sized for the rows `from_where` selects. Grown by doubling, a vector of millions of
/// rows briefly held its old and new buffers at once, and every row was written twice; the count
/// costs the server a scan of the pages the read then finds in its cache.
async fn sized_for<T>(pool: &PgPool, from_where: &str) -> anyhow::Result<Vec<T>> {
    Ok(Vec::with_capacity(count(pool, from_where).await?))
}

async fn count(pool: &PgPool, from_where: &str) -> anyhow::Result<usize> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) {from_where}")).fetch_one(pool).await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

pub async fn roster(pool: &PgPool, p: Period, names: bool) -> anyhow::Result<Vec<RosterMember>> {
    const COLUMNS: &[&str] = &["dni", "ubigeo", "grupo", "estado", "cuenta", "monto_cents"];
    const WITH_NAMES: &[&str] = &[
        "dni",
        "ubigeo",
        "grupo",
        "estado",
        "cuenta",
        "monto_cents",
        "nombres",
        "apellido_paterno",
        "apellido_materno",
        "distrito",
    ];
    let rows = format!(
        "FROM roster_rows WHERE roster_id = \
           (SELECT id FROM rosters WHERE period = {} ORDER BY version DESC LIMIT 1)",
        date_literal(p.first_day())
    );
    // Sized from the primary key's last entry, not by counting: right after a national roster
    // is loaded its pages are no longer in the cache, and a count read all 20 million rows from
    // the disk once more before the read itself (32 s of its 54 s).
    let mut out = Vec::with_capacity(usize::try_from(roster_size(pool, p).await?).unwrap_or(0));
    let rest = format!("{rows} ORDER BY position");
    copy_out(pool, "roster_rows", if names { WITH_NAMES } else { COLUMNS }, &rest, |f| {
        let names = if names {
            Some(Box::new(MemberNames {
                nombres: f.text(6)?.to_owned(),
                apellido_paterno: f.text(7)?.to_owned(),
                apellido_materno: f.text(8)?.to_owned(),
                distrito: f.text(9)?.to_owned(),
            }))
        } else {
            None
        };
        out.push(RosterMember {
            dni: Dni::parse(f.text(0)?).map_err(|e| f.bad(0, e))?,
            names,
            ubigeo: Ubigeo::parse(f.text(1)?).map_err(|e| f.bad(1, e))?,
            grupo: Grupo::parse(f.text(2)?).map_err(|e| f.bad(2, e))?,
            estado: Estado::parse(f.text(3)?).map_err(|e| f.bad(3, e))?,
            cuenta: f.text(4)?.into(),
            monto: from_cents(f.int(5)?),
        });
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Rows of the latest roster of the period, read from the primary key's last entry (positions
/// number a roster's rows from 0): counting 20 million rows took the server ~20 s.
pub async fn roster_size(pool: &PgPool, p: Period) -> anyhow::Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM roster_rows WHERE roster_id = \
           (SELECT id FROM rosters WHERE period = $1 ORDER BY version DESC LIMIT 1)",
    )
    .bind(p.first_day())
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub async fn instructions(
    pool: &PgPool,
    p: Period,
    range: &AccountRange,
) -> anyhow::Result<Vec<InstructionRec>> {
    let mut out = sized_for(pool, &instructions_from(p, range)).await?;
    each_instruction(pool, p, range, |i| {
        out.push(i);
        Ok(())
    })
    .await?;
    Ok(out)
}

fn instructions_from(p: Period, range: &AccountRange) -> String {
    format!(
        "FROM instructions WHERE periodo = {} AND {}",
        date_literal(p.first_day()),
        range.sql("cuenta", BYTES)
    )
}

/// The period's instructions on the range's accounts, in delivery order, each handed to `each`
/// as it is decoded.
pub async fn each_instruction(
    pool: &PgPool,
    p: Period,
    range: &AccountRange,
    mut each: impl FnMut(InstructionRec) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    const COLUMNS: &[&str] =
        &["id", "lote", "dni", "cuenta", "monto_cents", "referencia", "file_id", "position"];
    let rest = format!("{} ORDER BY file_id, position", instructions_from(p, range));
    copy_out(pool, "instructions", COLUMNS, &rest, |f| {
        each(InstructionRec {
            id: f.int(0)?,
            lote: f.text(1)?.into(),
            dni: Dni::parse(f.text(2)?).map_err(|e| f.bad(2, e))?,
            cuenta: f.text(3)?.into(),
            monto: from_cents(f.int(4)?),
            referencia: f.text(5)?.into(),
            seq: Seq { file: f.int(6)?, position: f.int(7)? },
        })
    })
    .await
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
pub async fn entries_between(
    pool: &PgPool,
    from: NaiveDate,
    to: NaiveDate,
    range: &AccountRange,
) -> anyhow::Result<Vec<EntryRec>> {
    // Counted without the join: every entry has its statement.
    let mut out = sized_for(
        pool,
        &format!(
            "FROM entries WHERE booking_date BETWEEN {} AND {} AND {}",
            date_literal(from),
            date_literal(to),
            range.sql("account", BYTES)
        ),
    )
    .await?;
    each_entry_between(pool, from, to, range, |e| {
        out.push(e);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// [`entries_between`], each entry handed to `each` as it is decoded.
pub async fn each_entry_between(
    pool: &PgPool,
    from: NaiveDate,
    to: NaiveDate,
    range: &AccountRange,
    mut each: impl FnMut(EntryRec) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    const COLUMNS: &[&str] = &[
        "e.id",
        "e.account",
        "e.booking_date",
        "e.amount_cents",
        "e.reversal",
        "e.referencia IS NULL",
        "e.referencia",
        "e.kind",
        "e.file_id",
        "e.position",
        "e.statement_id",
        "s.from_date",
    ];
    let rest = format!(
        "FROM entries e JOIN statements s ON s.id = e.statement_id WHERE e.booking_date BETWEEN {} AND {} \
         AND {}",
        date_literal(from),
        date_literal(to),
        range.sql("e.account", BYTES)
    );
    copy_out(pool, "entries", COLUMNS, &rest, |f| {
        each(EntryRec {
            id: f.int(0)?,
            account: f.text(1)?.into(),
            booking_date: f.date(2)?,
            amount: from_cents(f.int(3)?),
            reversal: f.flag(4)?,
            referencia: f.optional_text(5)?.map(Into::into),
            kind: EntryKind::from_code(f.text(7)?),
            seq: Seq { file: f.int(8)?, position: f.int(9)? },
            statement_id: f.int(10)?,
            statement_from: f.date(11)?,
        })
    })
    .await
}

/// Statements whose coverage starts in the period, by (first day, delivery order). Sorted here:
/// a national month is ~1.8 M statements, which the server would sort on disk (`work_mem`).
pub async fn statements_starting(
    pool: &PgPool,
    p: Period,
    range: &AccountRange,
) -> anyhow::Result<Vec<StatementHead>> {
    let mut out = sized_for(pool, &statements_from(p, range)).await?;
    each_statement_starting(pool, p, range, |h| {
        out.push(h);
        Ok(())
    })
    .await?;
    // (file, position) is unique: no ties.
    out.sort_unstable_by_key(|h| (h.from, h.seq.file, h.seq.position));
    Ok(out)
}

fn statements_from(p: Period, range: &AccountRange) -> String {
    format!(
        "FROM statements WHERE from_date BETWEEN {} AND {} AND {}",
        date_literal(p.first_day()),
        date_literal(p.last_day()),
        range.sql("account", BYTES)
    )
}

/// The statements [`statements_starting`] reads, in no particular order, each handed to `each`
/// as it is decoded.
pub async fn each_statement_starting(
    pool: &PgPool,
    p: Period,
    range: &AccountRange,
    mut each: impl FnMut(StatementHead) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    const COLUMNS: &[&str] =
        &["id", "account", "from_date", "to_date", "opening_cents", "closing_cents", "file_id", "position"];
    copy_out(pool, "statements", COLUMNS, &statements_from(p, range), |f| {
        each(StatementHead {
            id: f.int(0)?,
            account: f.text(1)?.into(),
            from: f.date(2)?,
            to: f.date(3)?,
            opening: from_cents(f.int(4)?),
            closing: from_cents(f.int(5)?),
            seq: Seq { file: f.int(6)?, position: f.int(7)? },
        })
    })
    .await
}

/// The timelines at the end of the month before `p`: the checkpoint its recompute stored, or,
/// when there is none (first run, a month without roster in between), computed from the whole
/// stored history.
pub async fn checkpoint_before(pool: &PgPool, p: Period, range: &AccountRange) -> anyhow::Result<Checkpoint> {
    let previous = p.previous().first_day();
    let stored: Option<i32> = sqlx::query_scalar("SELECT 1 FROM checkpoints WHERE period = $1")
        .bind(previous)
        .fetch_optional(pool)
        .await?;
    let mut checkpoint = Checkpoint::default();
    if stored.is_some() {
        const COLUMNS: &[&str] = &[
            "statement_id",
            "account",
            "from_date",
            "to_date",
            "file_id",
            "position",
            "opening_cents",
            "closing_cents",
            "base_cents",
        ];
        let rest = format!(
            "FROM checkpoint_accounts WHERE period = {} AND {}",
            date_literal(previous),
            range.sql("account", BYTES)
        );
        let accounts = &mut checkpoint.accounts;
        accounts.reserve(count(pool, &rest).await?);
        copy_out(pool, "checkpoint_accounts", COLUMNS, &rest, |f| {
            accounts.insert(
                f.text(1)?.into(),
                AccountCheckpoint {
                    statement_id: f.int(0)?,
                    from: f.date(2)?,
                    to: f.date(3)?,
                    seq: Seq { file: f.int(4)?, position: f.int(5)? },
                    opening_cents: f.int(6)?,
                    closing_cents: f.int(7)?,
                    base_cents: f.int(8)?,
                },
            );
            Ok(())
        })
        .await?;
        let sql = format!(
            "SELECT statement_id, account, cents FROM checkpoint_early WHERE period = $1 AND {}",
            range.sql("account", BYTES)
        );
        let mut rows = sqlx::query(&sql).bind(previous).fetch(pool);
        while let Some(r) = rows.try_next().await? {
            checkpoint.early.insert(
                r.try_get(0)?,
                EarlyEntries { account: r.try_get::<&str, _>(1)?.into(), cents: r.try_get(2)? },
            );
        }
        return Ok(checkpoint);
    }
    let first = p.first_day();
    // A first period has no statement before it: asked through the index by first day (a few
    // milliseconds), where the query below, planned without statistics right after a national
    // load, scanned every statement once per account range (2 s each, 21 times at 20 million).
    let earliest: Option<NaiveDate> =
        sqlx::query_scalar("SELECT MIN(from_date) FROM statements").fetch_one(pool).await?;
    if earliest.is_none_or(|day| day >= first) {
        return early_entries_before(pool, first, range, checkpoint).await;
    }
    // The last statement of each account starting before the first of M (DISTINCT ON keeps the
    // first row of each account in the given order).
    let sql = format!(
        "SELECT DISTINCT ON (s.account) {HEAD_COLUMNS} FROM statements s WHERE s.from_date < $1 AND {} \
         ORDER BY s.account, s.from_date DESC, s.file_id DESC, s.position DESC",
        range.sql("s.account", BYTES)
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
    early_entries_before(pool, first, range, checkpoint).await
}

/// Adds to `checkpoint` the entries booked before `first`: to the base of an account's statement
/// in force, or as the early entries of a statement starting on or after `first`.
async fn early_entries_before(
    pool: &PgPool,
    first: NaiveDate,
    range: &AccountRange,
    mut checkpoint: Checkpoint,
) -> anyhow::Result<Checkpoint> {
    let sql = format!(
        "SELECT e.statement_id, s.account, s.from_date, SUM(e.amount_cents)::BIGINT FROM entries e \
         JOIN statements s ON s.id = e.statement_id WHERE e.booking_date < $1 AND {} \
         GROUP BY e.statement_id, s.account, s.from_date",
        range.sql("s.account", BYTES)
    );
    let mut rows = sqlx::query(&sql).bind(first).fetch(pool);
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
    // A first period has no earlier results: asked through the indexes by period, where the
    // joins below, planned without statistics right after a national load, took up to 5 s.
    let earlier: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM recon_matches WHERE period < $1) \
             OR EXISTS (SELECT 1 FROM recon_duplicates WHERE period < $1)",
    )
    .bind(first)
    .fetch_one(pool)
    .await?;
    if !earlier {
        return Ok(ledger);
    }
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
