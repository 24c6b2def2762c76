//! The recompute's reads and writes on SQLite, through a plain `rusqlite` connection on the same
//! database file: rows are decoded as SQLite steps through them (no row objects held, no worker
//! thread between the database and the job), several times faster than the async driver for the
//! hundreds of thousands of rows a period reads and writes. Calls are synchronous; the job runs
//! one step at a time, so nothing waits behind them.

use crate::domain::money::{from_cents, to_cents};
use crate::domain::{Dni, Estado, Grupo, Period, Ubigeo};
use crate::formats::EntryKind;
use crate::reconcile::Ledger;
use crate::reconcile::{DuplicateCredit, ExceptionRow, Match};
use crate::records::{EntryRec, InstructionRec, MemberNames, RosterMember, Seq, StatementHead, Text};
use crate::report::account_month_rows::AccountMonthRows;
use crate::savings::timeline::{AccountCheckpoint, Checkpoint, EarlyEntries};
use crate::store::period_save::{ResultPart, SaveParts};
use crate::store::range::AccountRange;
use crate::store::rows::schema_date as date;
use crate::store::spill::RangeSpill;
use crate::store::{PeriodFacts, RangeFacts};
use anyhow::Context as _;
use chrono::NaiveDate;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row};
use std::path::Path;

/// Opens a connection for one step of the recompute.
pub(super) fn open(path: &Path) -> anyhow::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .with_context(|| format!("Failed to open the database {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // 64 MB of page cache: the period's index pages stay in memory between its queries.
    conn.pragma_update(None, "cache_size", -65_536)?;
    Ok(conn)
}

/// Reads a period's facts on two connections at once (WAL readers do not wait for each other):
/// the roster, and the range's instructions and window entries on this thread, the range's
/// statements and checkpoint and the ledger on another; at national scale the two halves take
/// about the same time. The job holds the run lock, so nothing writes between the two
/// connections' reads.
pub(super) fn facts(
    path: &Path,
    p: Period,
    window_end: NaiveDate,
    range: Option<&AccountRange>,
) -> anyhow::Result<PeriodFacts> {
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        let other = scope.spawn(|| -> anyhow::Result<_> {
            let conn = open(path)?;
            let statements = range.map(|r| range_statements(&conn, p, r, started)).transpose()?;
            let ledger = ledger_before(&conn, p)?;
            read(started, "ledger", ledger.consumed_credits.len());
            Ok((statements, ledger))
        });
        let conn = open(path)?;
        let roster = roster(&conn, p, false)?;
        read(started, "roster", roster.len());
        let payments = range.map(|r| range_payments(&conn, p, window_end, r, started)).transpose()?;
        let (statements, ledger) =
            other.join().map_err(|_| anyhow::anyhow!("the thread reading the statements panicked"))??;
        let range = payments.zip(statements).map(|((instructions, window_entries), (heads, previous))| {
            RangeFacts { instructions, window_entries, heads, previous }
        });
        Ok(PeriodFacts { roster, ledger, range })
    })
}

/// Every range's instructions, window entries and statements in one read of each, filed into
/// `spill` by range; on two connections at once as [`facts`] does.
pub(super) fn spill_range_facts(
    path: &Path,
    p: Period,
    window_end: NaiveDate,
    spill: &mut RangeSpill,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let all = AccountRange::all();
    let RangeSpill { instructions, entries, heads, .. } = spill;
    std::thread::scope(|scope| {
        let other = scope.spawn(|| -> anyhow::Result<()> {
            each_statement_starting(&open(path)?, p, &all, |h| heads.put(&h))?;
            read(started, "statements", heads.rows());
            Ok(())
        });
        let conn = open(path)?;
        each_instruction(&conn, p, &all, |i| instructions.put(&i))?;
        read(started, "instructions", instructions.rows());
        each_entry_between(&conn, p.first_day(), window_end, &all, |e| entries.put(&e))?;
        read(started, "entries", entries.rows());
        other.join().map_err(|_| anyhow::anyhow!("the thread reading the statements panicked"))?
    })?;
    spill.finish_writing()
}

fn read(started: std::time::Instant, what: &str, rows: usize) {
    tracing::debug!(what, rows, ms = started.elapsed().as_millis() as u64, "Read.");
}

/// A range's instructions and window entries.
fn range_payments(
    conn: &Connection,
    p: Period,
    window_end: NaiveDate,
    range: &AccountRange,
    started: std::time::Instant,
) -> anyhow::Result<(Vec<InstructionRec>, Vec<EntryRec>)> {
    let instructions = instructions(conn, p, range)?;
    read(started, "instructions", instructions.len());
    let window_entries = entries_between(conn, p.first_day(), window_end, range)?;
    read(started, "entries", window_entries.len());
    Ok((instructions, window_entries))
}

/// A range's statements starting in the period and its checkpoint at the month before.
fn range_statements(
    conn: &Connection,
    p: Period,
    range: &AccountRange,
    started: std::time::Instant,
) -> anyhow::Result<(Vec<StatementHead>, Checkpoint)> {
    let heads = statements_starting(conn, p, range)?;
    read(started, "statements", heads.len());
    let previous = checkpoint_before(conn, p, range)?;
    read(started, "checkpoint", previous.accounts.len());
    Ok((heads, previous))
}

/// Rows of the latest roster of the period.
/// Read from the primary key's last entry (positions number a roster's rows from 0): counting
/// 20 million rows took the server ~20 s.
pub(super) fn roster_size(conn: &Connection, p: Period) -> anyhow::Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM roster_rows WHERE roster_id = \
             (SELECT id FROM rosters WHERE period = ?1 ORDER BY version DESC LIMIT 1)",
        )?
        .query_row(params![p.to_string()], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

const ROSTER_COUNT: &str = "SELECT count(*) FROM roster_rows WHERE roster_id = \
    (SELECT id FROM rosters WHERE period = ?1 ORDER BY version DESC LIMIT 1)";

/// A vector sized for the rows `count_sql` counts. Growing a vector of millions of rows by
/// doubling held the old and the new buffer at once: at 700,000 women the period's reads
/// briefly took ~300 MB more than the rows themselves. The counts read only index pages.
fn sized_for<T>(conn: &Connection, count_sql: &str, params: impl rusqlite::Params) -> anyhow::Result<Vec<T>> {
    let n: i64 = conn.prepare_cached(count_sql)?.query_row(params, |r| r.get(0))?;
    Ok(Vec::with_capacity(usize::try_from(n).unwrap_or(0)))
}

fn text<'r>(row: &'r Row<'_>, i: usize) -> anyhow::Result<&'r str> {
    Ok(row.get_ref(i)?.as_str()?)
}

fn day(row: &Row<'_>, i: usize) -> anyhow::Result<NaiveDate> {
    date(text(row, i)?)
}

fn bad(what: &'static str) -> impl Fn(String) -> anyhow::Error {
    move |e| anyhow::anyhow!("Bad {what} in database: {e}")
}

pub(super) fn roster(conn: &Connection, p: Period, names: bool) -> anyhow::Result<Vec<RosterMember>> {
    let mut stmt = conn.prepare_cached(
        "SELECT dni, nombres, apellido_paterno, apellido_materno, ubigeo, distrito, grupo, estado, cuenta, monto_cents \
         FROM roster_rows WHERE roster_id = \
           (SELECT id FROM rosters WHERE period = ?1 ORDER BY version DESC LIMIT 1) ORDER BY position",
    )?;
    let mut rows = stmt.query(params![p.to_string()])?;
    let mut out = sized_for(conn, ROSTER_COUNT, params![p.to_string()])?;
    let names_of = |r: &Row<'_>| -> anyhow::Result<Option<Box<MemberNames>>> {
        if !names {
            return Ok(None);
        }
        Ok(Some(Box::new(MemberNames {
            nombres: text(r, 1)?.to_owned(),
            apellido_paterno: text(r, 2)?.to_owned(),
            apellido_materno: text(r, 3)?.to_owned(),
            distrito: text(r, 5)?.to_owned(),
        })))
    };
    while let Some(r) = rows.next()? {
        out.push(RosterMember {
            dni: Dni::parse(text(r, 0)?).map_err(bad("roster row"))?,
            names: names_of(r)?,
            ubigeo: Ubigeo::parse(text(r, 4)?).map_err(bad("roster row"))?,
            grupo: Grupo::parse(text(r, 6)?).map_err(bad("roster row"))?,
            estado: Estado::parse(text(r, 7)?).map_err(bad("roster row"))?,
            cuenta: text(r, 8)?.into(),
            monto: from_cents(r.get(9)?),
        });
    }
    Ok(out)
}

pub(super) fn instructions(
    conn: &Connection,
    p: Period,
    range: &AccountRange,
) -> anyhow::Result<Vec<InstructionRec>> {
    let mut out = sized_for(
        conn,
        &format!("SELECT count(*) FROM instructions WHERE periodo = ?1 AND {}", range.sql("cuenta", "")),
        params![p.to_string()],
    )?;
    each_instruction(conn, p, range, |i| {
        out.push(i);
        Ok(())
    })?;
    Ok(out)
}

/// The period's instructions on the range's accounts, in delivery order, each handed to `each`
/// as it is decoded.
fn each_instruction(
    conn: &Connection,
    p: Period,
    range: &AccountRange,
    mut each: impl FnMut(InstructionRec) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, lote, dni, cuenta, monto_cents, referencia, file_id, position FROM instructions \
         WHERE periodo = ?1 AND {} ORDER BY file_id, position",
        range.sql("cuenta", "")
    ))?;
    let mut rows = stmt.query(params![p.to_string()])?;
    while let Some(r) = rows.next()? {
        each(InstructionRec {
            id: r.get(0)?,
            lote: text(r, 1)?.into(),
            dni: Dni::parse(text(r, 2)?).map_err(bad("instruction"))?,
            cuenta: text(r, 3)?.into(),
            monto: from_cents(r.get(4)?),
            referencia: text(r, 5)?.into(),
            seq: Seq { file: r.get(6)?, position: r.get(7)? },
        })?;
    }
    Ok(())
}

/// Booked entries with a booking date in `from..=to`, each with its statement's first day, in
/// no particular order (every decision orders what it reads).
pub(super) fn entries_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    range: &AccountRange,
) -> anyhow::Result<Vec<EntryRec>> {
    let mut out = sized_for(
        conn,
        &format!(
            "SELECT count(*) FROM entries WHERE id BETWEEN ?3 AND ?4 AND booking_date BETWEEN ?1 AND ?2 AND {}",
            range.sql("account", "")
        ),
        with_ids(conn, Rows::Entries, &from.to_string(), &to.to_string())?,
    )?;
    each_entry_between(conn, from, to, range, |e| {
        out.push(e);
        Ok(())
    })?;
    Ok(out)
}

/// [`entries_between`], each entry handed to `each` as it is decoded.
fn each_entry_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    range: &AccountRange,
    mut each: impl FnMut(EntryRec) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.id, e.account, e.booking_date, e.amount_cents, e.reversal, e.referencia, e.kind, e.file_id, \
         e.position, e.statement_id, s.from_date \
         FROM entries e CROSS JOIN statements s ON s.id = e.statement_id \
         WHERE e.id BETWEEN ?3 AND ?4 AND e.booking_date BETWEEN ?1 AND ?2 AND {}",
        range.sql("e.account", "")
    ))?;
    let mut rows = stmt.query(with_ids(conn, Rows::Entries, &from.to_string(), &to.to_string())?)?;
    while let Some(r) = rows.next()? {
        each(EntryRec {
            id: r.get(0)?,
            account: text(r, 1)?.into(),
            booking_date: day(r, 2)?,
            amount: from_cents(r.get(3)?),
            reversal: r.get(4)?,
            referencia: r.get_ref(5)?.as_str_or_null()?.map(Into::into),
            kind: EntryKind::from_code(text(r, 6)?),
            seq: Seq { file: r.get(7)?, position: r.get(8)? },
            statement_id: r.get(9)?,
            statement_from: day(r, 10)?,
        })?;
    }
    Ok(())
}

const HEAD_COLUMNS: &str = "id, account, from_date, to_date, opening_cents, closing_cents, file_id, position";

/// Which of a statement file's rows [`ids_of_files`] gives the ids of.
#[derive(Clone, Copy)]
enum Rows {
    /// Its statements, by their first day.
    Statements,
    /// Its entries, by their booking date.
    Entries,
}

/// The ids of the rows (of `rows`' table) stored by the statement files whose dates can fall in
/// `from..=to` (ISO dates; `""` for no lower bound): one range, from the first such file's first
/// row to the last one's last, which the table's own key scans (`file_spans`, migration 0008:
/// a row per file). The rows' dates are still checked one by one: a file delivered late makes
/// the range longer, never the answer different. `(1, 0)`, an empty range, when no file can.
fn ids_of_files(conn: &Connection, rows: Rows, from: &str, to: &str) -> anyhow::Result<(i64, i64)> {
    let sql = match rows {
        Rows::Statements => {
            "SELECT COALESCE(MIN(first_statement), 1), COALESCE(MAX(last_statement), 0) FROM file_spans \
             WHERE from_max >= ?1 AND from_min <= ?2"
        }
        Rows::Entries => {
            "SELECT COALESCE(MIN(first_entry), 1), COALESCE(MAX(last_entry), 0) FROM file_spans \
             WHERE booking_max >= ?1 AND booking_min <= ?2"
        }
    };
    Ok(conn.prepare_cached(sql)?.query_row(params![from, to], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// The parameters of a read of `rows` dated `from..=to`: the two dates, then their files' ids.
fn with_ids(
    conn: &Connection,
    rows: Rows,
    from: &str,
    to: &str,
) -> anyhow::Result<[rusqlite::types::Value; 4]> {
    let (low, high) = ids_of_files(conn, rows, from, to)?;
    Ok([from.to_owned().into(), to.to_owned().into(), low.into(), high.into()])
}

fn head(r: &Row<'_>) -> anyhow::Result<StatementHead> {
    Ok(StatementHead {
        id: r.get(0)?,
        account: text(r, 1)?.into(),
        from: day(r, 2)?,
        to: day(r, 3)?,
        opening: from_cents(r.get(4)?),
        closing: from_cents(r.get(5)?),
        seq: Seq { file: r.get(6)?, position: r.get(7)? },
    })
}

/// Statements whose coverage starts in the period, by (first day, delivery order).
pub(super) fn statements_starting(
    conn: &Connection,
    p: Period,
    range: &AccountRange,
) -> anyhow::Result<Vec<StatementHead>> {
    let (first, last) = (p.first_day().to_string(), p.last_day().to_string());
    let mut out = sized_for(
        conn,
        &format!(
            "SELECT count(*) FROM statements WHERE id BETWEEN ?3 AND ?4 AND from_date BETWEEN ?1 AND ?2 AND {}",
            range.sql("account", "")
        ),
        with_ids(conn, Rows::Statements, &first, &last)?,
    )?;
    each_statement_starting(conn, p, range, |h| {
        out.push(h);
        Ok(())
    })?;
    Ok(out)
}

/// [`statements_starting`], each statement handed to `each` as it is decoded.
fn each_statement_starting(
    conn: &Connection,
    p: Period,
    range: &AccountRange,
    mut each: impl FnMut(StatementHead) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {HEAD_COLUMNS} FROM statements WHERE id BETWEEN ?3 AND ?4 AND from_date BETWEEN ?1 AND ?2 AND {} \
         ORDER BY from_date, file_id, position",
        range.sql("account", "")
    ))?;
    let (first, last) = (p.first_day().to_string(), p.last_day().to_string());
    let mut rows = stmt.query(with_ids(conn, Rows::Statements, &first, &last)?)?;
    while let Some(r) = rows.next()? {
        each(head(r)?)?;
    }
    Ok(())
}

/// The timelines at the end of the month before `p`: the checkpoint its recompute stored, or,
/// when there is none (first run, a month without roster in between), computed from the whole
/// stored history.
pub(super) fn checkpoint_before(
    conn: &Connection,
    p: Period,
    range: &AccountRange,
) -> anyhow::Result<Checkpoint> {
    let previous = p.previous().to_string();
    let stored: Option<i64> = conn
        .query_row("SELECT 1 FROM checkpoints WHERE period = ?1", params![previous], |r| r.get(0))
        .optional()?;
    if stored.is_some() {
        return stored_checkpoint(conn, &previous, range);
    }
    checkpoint_from_history(conn, p.first_day(), range)
}

fn stored_checkpoint(conn: &Connection, period: &str, range: &AccountRange) -> anyhow::Result<Checkpoint> {
    let mut checkpoint = Checkpoint::default();
    let on_range = range.sql("account", "");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT account, statement_id, from_date, to_date, file_id, position, opening_cents, closing_cents, base_cents \
         FROM checkpoint_accounts WHERE period = ?1 AND {on_range}"
    ))?;
    let mut rows = stmt.query(params![period])?;
    while let Some(r) = rows.next()? {
        checkpoint.accounts.insert(
            text(r, 0)?.into(),
            AccountCheckpoint {
                statement_id: r.get(1)?,
                from: day(r, 2)?,
                to: day(r, 3)?,
                seq: Seq { file: r.get(4)?, position: r.get(5)? },
                opening_cents: r.get(6)?,
                closing_cents: r.get(7)?,
                base_cents: r.get(8)?,
            },
        );
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT statement_id, account, cents FROM checkpoint_early WHERE period = ?1 AND {on_range}"
    ))?;
    let mut rows = stmt.query(params![period])?;
    while let Some(r) = rows.next()? {
        checkpoint.early.insert(r.get(0)?, EarlyEntries { account: text(r, 1)?.into(), cents: r.get(2)? });
    }
    Ok(checkpoint)
}

/// The checkpoint at the day before `first`, from every statement and entry stored before it.
fn checkpoint_from_history(
    conn: &Connection,
    first: NaiveDate,
    range: &AccountRange,
) -> anyhow::Result<Checkpoint> {
    let first_text = first.to_string();
    let mut checkpoint = Checkpoint::default();
    let day_before = first.pred_opt().map(|d| d.to_string()).unwrap_or_default();
    // The files that began before M (their ids), sorted here: no index orders statements by
    // account (migration 0009). Only a first period, or one after a month without roster, reads
    // the history.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {HEAD_COLUMNS} FROM statements WHERE id BETWEEN ?2 AND ?3 AND from_date < ?1 AND {} \
         ORDER BY account, from_date, file_id, position",
        range.sql("account", "")
    ))?;
    let (low, high) = ids_of_files(conn, Rows::Statements, "", &day_before)?;
    let mut rows = stmt.query(params![first_text, low, high])?;
    while let Some(r) = rows.next()? {
        let h = head(r)?;
        let opening_cents = to_cents(h.opening);
        // Ordered by coverage: the last one of each account stays.
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
    let mut stmt = conn.prepare_cached(&format!(
        // The files booked before M (their ids), never every entry: led by the entries.
        "SELECT e.statement_id, s.account, s.from_date, SUM(e.amount_cents) FROM entries e \
         CROSS JOIN statements s ON s.id = e.statement_id \
         WHERE e.id BETWEEN ?2 AND ?3 AND e.booking_date < ?1 AND {} GROUP BY e.statement_id",
        range.sql("e.account", "")
    ))?;
    let (low, high) = ids_of_files(conn, Rows::Entries, "", &day_before)?;
    let mut rows = stmt.query(params![first_text, low, high])?;
    while let Some(r) = rows.next()? {
        let (statement_id, account, cents): (i64, Text, i64) = (r.get(0)?, text(r, 1)?.into(), r.get(3)?);
        if day(r, 2)? >= first {
            checkpoint.early.insert(statement_id, EarlyEntries { account, cents });
        } else if let Some(c) = checkpoint.accounts.get_mut(&account) {
            if c.statement_id == statement_id {
                c.base_cents += cents;
            }
        }
    }
    Ok(checkpoint)
}

pub(super) fn ledger_before(conn: &Connection, p: Period) -> anyhow::Result<Ledger> {
    let (period, first) = (p.to_string(), p.first_day().to_string());
    let mut ledger = Ledger::default();
    let mut stmt = conn.prepare_cached(
        // CROSS JOIN keeps the earlier periods' matches as the outer loop: led by the entries'
        // booking dates instead, SQLite would probe every entry of the window.
        "SELECT m.entry_id, m.returned_by FROM recon_matches m CROSS JOIN entries e ON e.id = m.entry_id \
         WHERE m.period < ?1 AND e.booking_date >= ?2",
    )?;
    let mut rows = stmt.query(params![period, first])?;
    while let Some(r) = rows.next()? {
        let entry: i64 = r.get(0)?;
        ledger.consumed_credits.insert(entry);
        ledger.matched_credits.insert(entry);
        ledger.used_reversals.extend(r.get::<_, Option<i64>>(1)?);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT d.entry_id, d.offset_by FROM recon_duplicates d CROSS JOIN entries e ON e.id = d.entry_id \
         WHERE d.period < ?1 AND e.booking_date >= ?2",
    )?;
    let mut rows = stmt.query(params![period, first])?;
    while let Some(r) = rows.next()? {
        ledger.consumed_credits.insert(r.get(0)?);
        ledger.used_reversals.extend(r.get::<_, Option<i64>>(1)?);
    }
    // Reversals used by earlier periods can be booked after the first of M even when the
    // credit they returned was not.
    let mut stmt = conn.prepare_cached(
        "SELECT returned_by FROM recon_matches WHERE period < ?1 AND returned_by IS NOT NULL \
         UNION SELECT offset_by FROM recon_duplicates WHERE period < ?1 AND offset_by IS NOT NULL",
    )?;
    let mut rows = stmt.query(params![period])?;
    while let Some(r) = rows.next()? {
        ledger.used_reversals.insert(r.get(0)?);
    }
    Ok(ledger)
}

/// Replaces the results of the period and stores its checkpoint, in one transaction, writing
/// each part as the recompute hands it over (`store::period_save`). Later periods' matches and
/// checkpoints go (the caller recomputes them next); checkpoints older than two months before go
/// too (a recompute that far back rebuilds its own from the history).
pub(super) fn save_period(conn: &mut Connection, period: Period, mut parts: SaveParts) -> anyhow::Result<()> {
    let p = period.to_string();
    let oldest_kept = period.previous().previous().to_string();
    let started = std::time::Instant::now();
    let done = |what: &str| tracing::debug!(what, ms = started.elapsed().as_millis() as u64, "Saved.");
    let tx = conn.transaction()?;
    for table in ["recon_matches", "recon_duplicates"] {
        tx.execute(&format!("DELETE FROM {table} WHERE period >= ?1"), params![p])?;
    }
    for table in ["recon_exceptions", "account_months", "indicators"] {
        tx.execute(&format!("DELETE FROM {table} WHERE period = ?1"), params![p])?;
    }
    for table in ["checkpoints", "checkpoint_accounts", "checkpoint_early"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE period >= ?1 OR period < ?2"),
            params![p, oldest_kept],
        )?;
    }
    done("deleted");
    while let Some(part) = parts.next_blocking()? {
        match part {
            ResultPart::Reconciliation { matches, duplicates } => {
                save_reconciliation(&tx, &p, matches, &duplicates)?;
                done("matches");
            }
            ResultPart::Checkpoint(checkpoint) => {
                save_checkpoint(&tx, &p, &checkpoint)?;
                done("checkpoint");
            }
            ResultPart::Exceptions(exceptions) => {
                save_exceptions(&tx, &p, &exceptions)?;
                done("exceptions");
            }
            ResultPart::AccountMonths(account_months) => {
                // Replacing a national month rewrites millions of index entries at random
                // places: a page cache that holds those indexes (256 MB) keeps it from re-reading
                // pages. Taken now: the recompute sends the account-months once the period's
                // facts are freed.
                tx.pragma_update(None, "cache_size", -262_144)?;
                save_account_months(&tx, &p, &account_months)?;
                done("account_months");
            }
            ResultPart::Indicators(indicators) => {
                let mut insert = tx.prepare(
                    "INSERT INTO indicators (period, scope, scope_id, metric, value) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for i in &indicators {
                    insert.execute(params![p, i.scope.code(), i.scope_id, i.metric, i.value])?;
                }
            }
        }
    }
    // The checkpoint is whole only with every range's accounts: its row says so.
    tx.execute("INSERT INTO checkpoints (period) VALUES (?1)", params![p])?;
    tx.commit()?;
    done("commit");
    Ok(())
}

fn save_reconciliation(
    tx: &rusqlite::Transaction<'_>,
    p: &str,
    mut matches: Vec<Match>,
    duplicates: &[DuplicateCredit],
) -> anyhow::Result<()> {
    let mut insert = tx.prepare(
        "INSERT INTO recon_matches (period, instruction_id, entry_id, returned_by) VALUES (?1, ?2, ?3, ?4)",
    )?;
    // In key order: the rows append to the table's B-tree.
    matches.sort_unstable_by_key(|m| m.instruction_id);
    for m in &matches {
        insert.execute(params![p, m.instruction_id, m.entry_id, m.returned_by])?;
    }
    let mut insert = tx.prepare(
        "INSERT INTO recon_duplicates (period, instruction_id, entry_id, offset_by) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for d in duplicates {
        insert.execute(params![p, d.instruction_id, d.entry_id, d.offset_by])?;
    }
    Ok(())
}

fn save_exceptions(
    tx: &rusqlite::Transaction<'_>,
    p: &str,
    exceptions: &[ExceptionRow],
) -> anyhow::Result<()> {
    let mut insert = tx.prepare(
        "INSERT INTO recon_exceptions (period, ord, category, dni, cuenta, ubigeo, referencia, expected_cents, \
         actual_cents, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (ord, x) in (0i64..).zip(exceptions) {
        insert.execute(params![
            p,
            ord,
            x.category.code(),
            x.dni,
            x.cuenta,
            x.ubigeo,
            x.referencia,
            x.expected_amount.map(to_cents),
            x.actual_amount.map(to_cents),
            x.detail
        ])?;
    }
    Ok(())
}

fn save_account_months(
    tx: &rusqlite::Transaction<'_>,
    p: &str,
    account_months: &AccountMonthRows,
) -> anyhow::Result<()> {
    let mut insert = tx.prepare(
        "INSERT INTO account_months (period, dni, cuenta, ubigeo, grupo, month_end_cents, min_cents, \
         avg_daily_balance, cct_credits_cents, other_credits_cents, debits_cents, customer_movements, \
         voluntary_deposits, saver) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for a in account_months.iter()? {
        let a = a?;
        let bal = a.balances.as_ref();
        insert.execute(params![
            p,
            a.dni.as_str(),
            a.cuenta.as_str(),
            a.ubigeo.as_str(),
            a.grupo.as_str(),
            bal.map(|b| to_cents(b.month_end)),
            bal.map(|b| to_cents(b.min)),
            bal.map(|b| b.avg_daily.to_string()),
            to_cents(a.cct_credits),
            to_cents(a.other_credits),
            to_cents(a.debits),
            i64::from(a.customer_movements),
            i64::from(a.voluntary_deposits),
            a.saver
        ])?;
    }
    Ok(())
}

fn save_checkpoint(tx: &rusqlite::Transaction<'_>, p: &str, checkpoint: &Checkpoint) -> anyhow::Result<()> {
    let mut insert = tx.prepare(
        "INSERT INTO checkpoint_accounts (period, account, statement_id, from_date, to_date, file_id, position, \
         opening_cents, closing_cents, base_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    // In key order: the rows append to the table's B-tree instead of landing at random.
    let mut accounts: Vec<_> = checkpoint.accounts.iter().collect();
    accounts.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (account, c) in accounts {
        insert.execute(params![
            p,
            account.as_str(),
            c.statement_id,
            c.from.to_string(),
            c.to.to_string(),
            c.seq.file,
            c.seq.position,
            c.opening_cents,
            c.closing_cents,
            c.base_cents
        ])?;
    }
    let mut insert = tx.prepare(
        "INSERT INTO checkpoint_early (period, statement_id, account, cents) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (statement_id, e) in &checkpoint.early {
        insert.execute(params![p, statement_id, e.account.as_str(), e.cents])?;
    }
    Ok(())
}
