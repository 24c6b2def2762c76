//! The embedded SQLite store: one file, WAL, migrations applied on open.

mod period;
mod raffle;
mod report;

use super::{
    DistrictInfo, FileMeta, KnownFile, PeriodReport, PeriodResults, RemoteFileKey, RunSummary, Store, Stored,
    StoredIndicator,
};
use crate::domain::money::to_cents;
use crate::domain::Period;
use crate::domain::RafflePeriod;
use crate::formats::{Batch, Content, ParsedFile, Problem, Roster, Statement};
use crate::raffle::draw::DrawRecord;
use crate::raffle::eligibility::{EligibleWoman, Exclusion};
use crate::reconcile::Ledger;
use crate::records::{EntryRec, InstructionRec, RosterMember, StatementHead};
use crate::savings::timeline::Checkpoint;
use anyhow::Context as _;
use chrono::{Days, NaiveDate};
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

/// Rows per multi-row INSERT (SQLite allows 32,766 bound variables).
const CHUNK: usize = 1000;

pub struct SqliteStore {
    pool: SqlitePool,
    /// The database file, for the recompute's own connections (`period`).
    path: Option<std::path::PathBuf>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and applies the migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| "Failed to read database.url as a SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(30));
        let file = options.get_filename();
        let path = (!file.as_os_str().is_empty() && file != std::path::Path::new(":memory:"))
            .then(|| file.to_owned());
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("Failed to create the database folder {}", parent.display()))?;
            }
        }
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::migrate!("src/store/migrations/sqlite")
            .run(&pool)
            .await
            .context("Failed to migrate the database")?;
        Ok(Self { pool, path })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A connection of the recompute's own (see `period`).
    fn conn(&self) -> anyhow::Result<rusqlite::Connection> {
        let path =
            self.path.as_deref().context("The recompute needs a database file, not an in-memory database")?;
        period::open(path)
    }
}

/// A stored `YYYY-MM-DD` date (read for every entry of a period: no format string to interpret).
pub(super) fn schema_date(text: &str) -> anyhow::Result<NaiveDate> {
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

fn period(text: &str) -> anyhow::Result<Period> {
    Period::parse(text).map_err(|e| anyhow::anyhow!("Bad period in database: {e}"))
}

/// The identity of a batch's content, whatever format carried it: its instructions as
/// (period, dni, cuenta, amount in céntimos, referencia), sorted.
pub(crate) fn batch_content_hash(batch: &Batch) -> String {
    let mut lines: Vec<String> = batch
        .instructions
        .iter()
        .map(|i| format!("{}|{}|{}|{}|{}", i.periodo, i.dni, i.cuenta, to_cents(i.monto), i.referencia))
        .collect();
    lines.sort();
    hex::encode(Sha256::digest(lines.join("\n").as_bytes()))
}

async fn next_id(tx: &mut Transaction<'_, Sqlite>, table: &str) -> anyhow::Result<i64> {
    let max: i64 =
        sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}")).fetch_one(&mut **tx).await?;
    Ok(max + 1)
}

async fn store_roster(
    tx: &mut Transaction<'_, Sqlite>,
    file_id: i64,
    roster: &Roster,
) -> anyhow::Result<Stored> {
    let p = roster.period.to_string();
    let version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM rosters WHERE period = ?")
            .bind(&p)
            .fetch_one(&mut **tx)
            .await?;
    let roster_id: i64 =
        sqlx::query_scalar("INSERT INTO rosters (file_id, period, version) VALUES (?, ?, ?) RETURNING id")
            .bind(file_id)
            .bind(&p)
            .bind(version)
            .fetch_one(&mut **tx)
            .await?;
    for (chunk_no, chunk) in roster.rows.chunks(CHUNK).enumerate() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO roster_rows (roster_id, position, dni, nombres, apellido_paterno, apellido_materno, ubigeo, \
             departamento, provincia, distrito, grupo, estado, cuenta, monto_cents, agencia, distancia_km) ",
        );
        qb.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
            b.push_bind(roster_id)
                .push_bind((chunk_no * CHUNK + i) as i64)
                .push_bind(r.dni.as_str())
                .push_bind(&r.nombres)
                .push_bind(&r.apellido_paterno)
                .push_bind(&r.apellido_materno)
                .push_bind(r.ubigeo.as_str())
                .push_bind(&r.departamento)
                .push_bind(&r.provincia)
                .push_bind(&r.distrito)
                .push_bind(r.grupo.as_str())
                .push_bind(r.estado.as_str())
                .push_bind(r.cuenta.as_str())
                .push_bind(to_cents(r.monto))
                .push_bind(&r.agencia)
                .push_bind(r.distancia_km.map(|d| d.to_string()));
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(Stored::Ingested { earliest_touched: Some(roster.period) })
}

async fn store_payments(
    tx: &mut Transaction<'_, Sqlite>,
    file_id: i64,
    batches: &[Batch],
) -> anyhow::Result<Stored> {
    let mut problems = Vec::new();
    let mut earliest: Option<Period> = None;
    let mut position = 0i64;
    let mut stored_any = false;
    for batch in batches {
        let hash = batch_content_hash(batch);
        let existing: Option<String> = sqlx::query_scalar("SELECT content_hash FROM batches WHERE lote = ?")
            .bind(&batch.lote)
            .fetch_optional(&mut **tx)
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
        sqlx::query("INSERT INTO batches (lote, file_id, content_hash) VALUES (?, ?, ?)")
            .bind(&batch.lote)
            .bind(file_id)
            .bind(&hash)
            .execute(&mut **tx)
            .await?;
        for chunk in batch.instructions.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO instructions (lote, periodo, dni, cuenta, monto_cents, referencia, file_id, position) ",
            );
            qb.push_values(chunk, |mut b, i| {
                b.push_bind(&i.lote)
                    .push_bind(i.periodo.to_string())
                    .push_bind(i.dni.as_str())
                    .push_bind(i.cuenta.as_str())
                    .push_bind(to_cents(i.monto))
                    .push_bind(&i.referencia)
                    .push_bind(file_id)
                    .push_bind(position);
                position += 1;
            });
            if let Err(error) = qb.build().execute(&mut **tx).await {
                if is_unique_violation(&error) {
                    problems.extend(reused_references(tx, file_id, chunk).await?);
                } else {
                    return Err(error.into());
                }
            }
        }
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

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Names the referencias of `chunk` that another lote already uses.
async fn reused_references(
    tx: &mut Transaction<'_, Sqlite>,
    file_id: i64,
    chunk: &[crate::formats::Instruction],
) -> anyhow::Result<Vec<Problem>> {
    let mut problems = Vec::new();
    for i in chunk {
        let other: Option<String> =
            sqlx::query_scalar("SELECT lote FROM instructions WHERE referencia = ? AND file_id <> ?")
                .bind(&i.referencia)
                .bind(file_id)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(lote) = other {
            problems.push(Problem::in_file(
                "referencia",
                format!("referencia {} of lote {} is already used by lote {lote}", i.referencia, i.lote),
            ));
        }
    }
    if problems.is_empty() {
        problems.push(Problem::in_file("referencia", "a referencia is already used by a stored instruction"));
    }
    Ok(problems)
}

async fn store_statements(
    tx: &mut Transaction<'_, Sqlite>,
    file_id: i64,
    statements: &[Statement],
    grace_days: u32,
) -> anyhow::Result<Stored> {
    let mut statement_id = next_id(tx, "statements").await?;
    let mut entry_id = next_id(tx, "entries").await?;
    let first_statement_id = statement_id;
    let mut earliest: Option<Period> = None;
    let mut entry_position = 0i64;
    for (chunk_no, chunk) in statements.chunks(CHUNK).enumerate() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO statements (id, file_id, position, account, from_date, to_date, opening_cents, closing_cents) ",
        );
        let base = statement_id;
        qb.push_values(chunk.iter().enumerate(), |mut b, (i, s)| {
            b.push_bind(base + i as i64)
                .push_bind(file_id)
                .push_bind((chunk_no * CHUNK + i) as i64)
                .push_bind(&s.account)
                .push_bind(s.from.to_string())
                .push_bind(s.to.to_string())
                .push_bind(to_cents(s.opening))
                .push_bind(to_cents(s.closing));
        });
        qb.build().execute(&mut **tx).await?;
        statement_id += chunk.len() as i64;
    }
    let mut rows = Vec::with_capacity(CHUNK);
    for (index, statement) in statements.iter().enumerate() {
        let touched = Period::of_date(
            statement.from.checked_sub_days(Days::new(u64::from(grace_days))).unwrap_or(statement.from),
        );
        earliest = Some(earliest.map_or(touched, |e| e.min(touched)));
        for entry in &statement.entries {
            let touched = Period::of_date(
                entry
                    .booking_date
                    .checked_sub_days(Days::new(u64::from(grace_days)))
                    .unwrap_or(entry.booking_date),
            );
            earliest = Some(earliest.map_or(touched, |e| e.min(touched)));
            rows.push((
                entry_id,
                first_statement_id + index as i64,
                entry_position,
                &statement.account,
                entry,
            ));
            entry_id += 1;
            entry_position += 1;
            if rows.len() == CHUNK {
                insert_entries(tx, file_id, &rows).await?;
                rows.clear();
            }
        }
    }
    if !rows.is_empty() {
        insert_entries(tx, file_id, &rows).await?;
    }
    let overlaps = overlapping_stored(tx, file_id).await?;
    if !overlaps.is_empty() {
        return Ok(Stored::Rejected(overlaps));
    }
    Ok(Stored::Ingested { earliest_touched: earliest })
}

type EntryRow<'a> = (i64, i64, i64, &'a String, &'a crate::formats::Entry);

async fn insert_entries(
    tx: &mut Transaction<'_, Sqlite>,
    file_id: i64,
    rows: &[EntryRow<'_>],
) -> anyhow::Result<()> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "INSERT INTO entries (id, statement_id, file_id, position, account, booking_date, value_date, amount_cents, \
         reversal, referencia, kind, description) ",
    );
    qb.push_values(rows, |mut b, (id, statement_id, position, account, e)| {
        b.push_bind(*id)
            .push_bind(*statement_id)
            .push_bind(file_id)
            .push_bind(*position)
            .push_bind(account.as_str())
            .push_bind(e.booking_date.to_string())
            .push_bind(e.value_date.map(|d| d.to_string()))
            .push_bind(to_cents(e.amount))
            .push_bind(e.reversal)
            .push_bind(e.referencia.as_deref())
            .push_bind(e.kind.code())
            .push_bind(&e.description);
    });
    qb.build().execute(&mut **tx).await?;
    Ok(())
}

/// Statements of this file that overlap a statement already stored for the same account.
async fn overlapping_stored(tx: &mut Transaction<'_, Sqlite>, file_id: i64) -> anyhow::Result<Vec<Problem>> {
    let rows = sqlx::query(
        "SELECT n.account, n.from_date, n.to_date, o.from_date, o.to_date, f.name \
         FROM statements n JOIN statements o ON o.account = n.account AND o.file_id <> n.file_id \
           AND o.from_date <= n.to_date AND n.from_date <= o.to_date \
         JOIN files f ON f.id = o.file_id \
         WHERE n.file_id = ? ORDER BY n.position LIMIT 100",
    )
    .bind(file_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Problem::in_file(
                "account",
                format!(
                    "statement of account {} from {} to {} overlaps the stored statement from {} to {} (file {})",
                    r.get::<String, _>(0),
                    r.get::<String, _>(1),
                    r.get::<String, _>(2),
                    r.get::<String, _>(3),
                    r.get::<String, _>(4),
                    r.get::<String, _>(5)
                ),
            )
        })
        .collect())
}

impl Store for SqliteStore {
    async fn known_file(&self, sha256: &str) -> anyhow::Result<Option<KnownFile>> {
        let row = sqlx::query("SELECT id, name, status FROM files WHERE sha256 = ?")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| KnownFile { id: r.get(0), name: r.get(1), status: r.get(2) }))
    }

    async fn record_sighting(&self, file_id: i64, name: &str, run_id: Option<i64>) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO file_sightings (file_id, name, seen_at, run_id) VALUES (?, ?, ?, ?)")
            .bind(file_id)
            .bind(name)
            .bind(crate::clock::now_rfc3339())
            .bind(run_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn record_quarantine(
        &self,
        meta: &FileMeta,
        kind: &str,
        format: &str,
        report: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO files (sha256, name, size, kind, format, status, archive_path, error_report, received_at, run_id) \
             VALUES (?, ?, ?, ?, ?, 'QUARANTINED', ?, ?, ?, ?)",
        )
        .bind(&meta.sha256)
        .bind(&meta.name)
        .bind(meta.size as i64)
        .bind(kind)
        .bind(format)
        .bind(&meta.archive_path)
        .bind(report)
        .bind(&meta.received_at)
        .bind(meta.run_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn store_file(
        &self,
        meta: &FileMeta,
        parsed: &ParsedFile,
        grace_days: u32,
    ) -> anyhow::Result<Stored> {
        let mut tx = self.pool.begin().await?;
        let file_id: i64 = sqlx::query_scalar(
            "INSERT INTO files (sha256, name, size, kind, format, status, archive_path, received_at, run_id) \
             VALUES (?, ?, ?, ?, ?, 'INGESTED', ?, ?, ?) RETURNING id",
        )
        .bind(&meta.sha256)
        .bind(&meta.name)
        .bind(meta.size as i64)
        .bind(parsed.content.kind())
        .bind(parsed.format.name())
        .bind(&meta.archive_path)
        .bind(&meta.received_at)
        .bind(meta.run_id)
        .fetch_one(&mut *tx)
        .await?;
        let outcome = match &parsed.content {
            Content::Roster(roster) => store_roster(&mut tx, file_id, roster).await?,
            Content::Payments(batches) => store_payments(&mut tx, file_id, batches).await?,
            Content::Statements(statements) => {
                store_statements(&mut tx, file_id, statements, grace_days).await?
            }
            Content::Nothing => Stored::Rejected(vec![Problem::in_file("", "nothing to store")]),
        };
        match &outcome {
            Stored::Rejected(_) => {
                tx.rollback().await?;
                return Ok(outcome);
            }
            Stored::DuplicateContent => {
                sqlx::query("UPDATE files SET status = 'DUPLICATE' WHERE id = ?")
                    .bind(file_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Stored::Ingested { earliest_touched: Some(p) } => {
                sqlx::query("INSERT INTO dirty_periods (period) VALUES (?) ON CONFLICT DO NOTHING")
                    .bind(p.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            Stored::Ingested { earliest_touched: None } => {}
        }
        tx.commit().await?;
        Ok(outcome)
    }

    async fn dirty_periods(&self) -> anyhow::Result<Vec<Period>> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT period FROM dirty_periods ORDER BY period")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|p| period(p)).collect()
    }

    async fn mark_dirty(&self, p: Period) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO dirty_periods (period) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(p.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn clear_dirty_through(&self, last: Period) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM dirty_periods WHERE period <= ?")
            .bind(last.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn roster_periods(&self) -> anyhow::Result<Vec<Period>> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT DISTINCT period FROM rosters ORDER BY period")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|p| period(p)).collect()
    }

    async fn roster(&self, p: Period) -> anyhow::Result<Vec<RosterMember>> {
        period::roster(&self.conn()?, p, true)
    }

    async fn roster_without_names(&self, p: Period) -> anyhow::Result<Vec<RosterMember>> {
        period::roster(&self.conn()?, p, false)
    }

    async fn instructions(&self, p: Period) -> anyhow::Result<Vec<InstructionRec>> {
        period::instructions(&self.conn()?, p)
    }

    async fn entries_between(&self, from: NaiveDate, to: NaiveDate) -> anyhow::Result<Vec<EntryRec>> {
        period::entries_between(&self.conn()?, from, to)
    }

    async fn statements_starting(&self, p: Period) -> anyhow::Result<Vec<StatementHead>> {
        period::statements_starting(&self.conn()?, p)
    }

    async fn checkpoint_before(&self, p: Period) -> anyhow::Result<Checkpoint> {
        period::checkpoint_before(&self.conn()?, p)
    }

    async fn ledger_before(&self, p: Period) -> anyhow::Result<Ledger> {
        period::ledger_before(&self.conn()?, p)
    }

    async fn save_period(&self, results: &PeriodResults<'_>) -> anyhow::Result<()> {
        period::save_period(&mut self.conn()?, results)
    }

    async fn savers(&self, period: Period) -> anyhow::Result<HashSet<String>> {
        self.raffle_savers(period).await
    }

    async fn exceptions_of(
        &self,
        period: Period,
        categories: &[&str],
    ) -> anyhow::Result<Vec<(String, String)>> {
        self.raffle_exceptions_of(period, categories).await
    }

    async fn recent_winners(
        &self,
        before: RafflePeriod,
        draws: usize,
    ) -> anyhow::Result<HashMap<String, RafflePeriod>> {
        self.raffle_recent_winners(before, draws).await
    }

    async fn save_eligible(
        &self,
        period: RafflePeriod,
        eligible: &[EligibleWoman],
        excluded: &BTreeMap<String, Vec<Exclusion>>,
    ) -> anyhow::Result<()> {
        self.raffle_save_eligible(period, eligible, excluded).await
    }

    async fn eligible(&self, period: RafflePeriod) -> anyhow::Result<Option<Vec<EligibleWoman>>> {
        self.raffle_eligible(period).await
    }

    async fn exclusion_reasons(&self, period: RafflePeriod, dni: &str) -> anyhow::Result<Vec<String>> {
        self.raffle_exclusion_reasons(period, dni).await
    }

    async fn current_draw(&self, period: RafflePeriod) -> anyhow::Result<Option<DrawRecord>> {
        self.raffle_current_draw(period).await
    }

    async fn save_draw(&self, record: &DrawRecord) -> anyhow::Result<()> {
        self.raffle_save_draw(record).await
    }

    async fn fetched_remote(&self, r: &RemoteFileKey<'_>) -> anyhow::Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT sha256 FROM remote_files WHERE source = ? AND name = ? AND size = ? AND mtime = ?",
        )
        .bind(r.source)
        .bind(r.name)
        .bind(r.size as i64)
        .bind(r.mtime as i64)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn record_fetched_remote(
        &self,
        r: &RemoteFileKey<'_>,
        sha256: &str,
        run_id: Option<i64>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO remote_files (source, name, size, mtime, sha256, fetched_at, run_id) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(r.source)
        .bind(r.name)
        .bind(r.size as i64)
        .bind(r.mtime as i64)
        .bind(sha256)
        .bind(crate::clock::now_rfc3339())
        .bind(run_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn period_report(&self, p: Period) -> anyhow::Result<Option<PeriodReport>> {
        report::period_report(&self.pool, p).await
    }

    async fn report_context(&self, p: Period) -> anyhow::Result<(Vec<StoredIndicator>, Vec<DistrictInfo>)> {
        report::report_context(&self.pool, p).await
    }

    async fn begin_run(&self, command: &str, started_at: &str) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO job_runs (command, started_at, status) VALUES (?, ?, 'RUNNING') RETURNING id",
        )
        .bind(command)
        .bind(started_at)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn finish_run(&self, run_id: i64, finished_at: &str, s: &RunSummary) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE job_runs SET finished_at = ?, status = ?, exit_code = ?, files_ingested = ?, files_duplicate = ?, \
             files_quarantined = ?, periods_recomputed = ?, summary = ? WHERE id = ?",
        )
        .bind(finished_at)
        .bind(&s.status)
        .bind(s.exit_code)
        .bind(s.files_ingested as i64)
        .bind(s.files_duplicate as i64)
        .bind(s.files_quarantined as i64)
        .bind(s.periods_recomputed.join(","))
        .bind(serde_json::to_string(s)?)
        .bind(run_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
