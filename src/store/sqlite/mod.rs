//! The embedded SQLite store: one file, WAL, migrations applied on open.

mod period;
mod raffle;
mod report;
mod write;

use super::writing::FileStream;
use super::{
    DistrictFirstRow, DistrictInfo, FileMeta, KnownFile, PeriodReport, RemoteFileKey, RunSummary, Store,
    StoredIndicator, StreamedFile,
};
use crate::domain::Period;
use crate::domain::RafflePeriod;
use crate::raffle::draw::DrawRecord;
use crate::raffle::eligibility::{EligibleWoman, Exclusion};
use crate::records::RosterMember;
use crate::report::account_month_rows::InOrder;
use crate::savings::timeline::Checkpoint;
use crate::store::period_save::PeriodSave;
use crate::store::range::AccountRange;
use crate::store::spill::RangeSpill;
use crate::store::PeriodFacts;
use anyhow::Context as _;
use chrono::NaiveDate;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

/// Rows per multi-row INSERT (SQLite allows 32,766 bound variables).
const CHUNK: usize = 1000;

pub struct SqliteStore {
    pool: SqlitePool,
    /// The database file, for the recompute's own connections (`period`).
    path: Option<std::path::PathBuf>,
    /// The ingestion's connection, kept from one file to the next so that its page cache (the
    /// indexes files insert into at random places) stays warm; let go when the recompute starts.
    writer: std::sync::Mutex<Option<rusqlite::Connection>>,
    /// The thread copying the ingestion's write-ahead log back into the database while the
    /// recompute reads and computes (see `recompute_file`); the save waits for it.
    checkpointing: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
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
        Ok(Self {
            pool,
            path,
            writer: std::sync::Mutex::new(None),
            checkpointing: std::sync::Mutex::new(None),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A connection of the recompute's own (see `period`).
    fn conn(&self) -> anyhow::Result<rusqlite::Connection> {
        period::open(self.recompute_file()?)
    }

    /// The database file for the recompute's connections, once the ingestion's connection and
    /// its page cache are let go: the recompute needs the memory.
    ///
    /// The ingestion leaves up to `WAL_CHECKPOINT_PAGES` pages in the write-ahead log. They are
    /// copied back into the database on a thread of its own while the period is read and
    /// decided (a passive checkpoint: readers go on, and they read the same data either way),
    /// instead of inside the save's commit.
    fn recompute_file(&self) -> anyhow::Result<&std::path::Path> {
        if let Some(conn) = self.writer_slot().take() {
            let handle = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
                let started = std::time::Instant::now();
                // Best effort: the save's commit checkpoints what is left.
                let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                });
                let ms = started.elapsed().as_millis() as u64;
                match done {
                    Ok((log, copied)) => tracing::debug!(log, copied, ms, "Write-ahead log checkpointed."),
                    Err(e) => tracing::debug!(error = %e, ms, "Write-ahead log checkpoint left to the save."),
                }
            });
            match handle {
                Ok(handle) => *self.checkpoint_slot() = Some(handle),
                Err(e) => tracing::debug!(error = %e, "Write-ahead log checkpoint left to the save."),
            }
        }
        self.file()
    }

    /// Waits for the ingestion's checkpoint, if one is running.
    fn checkpointed(&self) {
        if let Some(handle) = self.checkpoint_slot().take() {
            // The thread logs its own failure; a panic there left the database as it was.
            let _ = handle.join();
        }
    }

    fn checkpoint_slot(&self) -> std::sync::MutexGuard<'_, Option<std::thread::JoinHandle<()>>> {
        self.checkpointing.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn file(&self) -> anyhow::Result<&std::path::Path> {
        self.path.as_deref().context("The recompute needs a database file, not an in-memory database")
    }

    fn writer_slot(&self) -> std::sync::MutexGuard<'_, Option<rusqlite::Connection>> {
        // A writer thread that panicked left no connection half-used behind: the slot is empty
        // or holds a connection outside any transaction.
        self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The ingestion's connection: the one kept from the previous file, or a new one.
    fn writer_conn(&self) -> anyhow::Result<rusqlite::Connection> {
        match self.writer_slot().take() {
            Some(conn) => Ok(conn),
            None => {
                let conn = period::open(self.file()?)?;
                conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
                // A stored file leaves the inbox right after its commit, so the commit must
                // survive a power cut: the log is flushed to disk at every commit. (With the
                // default `NORMAL` only a checkpoint flushes it, and the log now spans files.)
                conn.pragma_update(None, "synchronous", "FULL")?;
                Ok(conn)
            }
        }
    }
}

/// How long the write-ahead log of the ingestion grows before its pages are copied back into
/// the database (SQLite's default is 1,000 pages, 4 MB). While a daily statement file inserted
/// tens of thousands of account keys at random places in `statements_by_account`, touching most
/// of that index's pages, the default copied them all back after every file's commit; with a
/// longer log a page changed by several files was copied back once (~1.5 s of the 700,000-woman
/// month). That index is gone (migration 0009) and both settings now measure the same; the
/// longer log stays, bounded (~400 MB on disk), and SQLite reuses it after each checkpoint.
const WAL_CHECKPOINT_PAGES: i64 = 100_000;

fn period(text: &str) -> anyhow::Result<Period> {
    Period::parse(text).map_err(|e| anyhow::anyhow!("Bad period in database: {e}"))
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

    async fn store_stream(
        &self,
        meta: &FileMeta,
        mut stream: FileStream,
        grace_days: u32,
        // One writer: the job gives SQLite one file at a time, so the order is kept already.
        _turn: crate::store::turn::FileTurn,
    ) -> anyhow::Result<StreamedFile> {
        let mut conn = self.writer_conn()?;
        let meta = meta.clone();
        // The writer blocks on the database and on the parser: it gets a thread of its own.
        // On failure the stream is dropped with the thread, which lets the parser finish, and
        // the connection with it (the next file opens a new one).
        let (stored, conn) = tokio::task::spawn_blocking(move || {
            let mut stored = write::store_stream(&mut conn, &meta, &mut stream, grace_days)?;
            stored.store_busy = stream.busy();
            anyhow::Ok((stored, conn))
        })
        .await
        .context("The file's writer thread failed")??;
        *self.writer_slot() = Some(conn);
        Ok(stored)
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

    async fn roster_size(&self, p: Period) -> anyhow::Result<u64> {
        period::roster_size(&self.conn()?, p)
    }

    async fn period_facts(
        &self,
        p: Period,
        window_end: NaiveDate,
        range: Option<&AccountRange>,
    ) -> anyhow::Result<PeriodFacts> {
        period::facts(self.recompute_file()?, p, window_end, range)
    }

    async fn spill_range_facts(
        &self,
        p: Period,
        window_end: NaiveDate,
        spill: &mut RangeSpill,
    ) -> anyhow::Result<()> {
        period::spill_range_facts(self.recompute_file()?, p, window_end, spill)
    }

    async fn range_checkpoint(&self, p: Period, range: &AccountRange) -> anyhow::Result<Checkpoint> {
        period::checkpoint_before(&period::open(self.recompute_file()?)?, p, range)
    }

    async fn begin_period_save(&self, period: Period) -> anyhow::Result<PeriodSave> {
        let mut conn = self.conn()?;
        self.checkpointed();
        Ok(PeriodSave::start(|parts| {
            tokio::task::spawn_blocking(move || period::save_period(&mut conn, period, parts))
        }))
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

    async fn period_report(
        &self,
        p: Period,
        account_months: InOrder,
    ) -> anyhow::Result<Option<PeriodReport>> {
        report::period_report(&self.pool, p, account_months).await
    }

    async fn report_context(
        &self,
        p: Period,
        first_rows: &[DistrictFirstRow],
    ) -> anyhow::Result<(Vec<StoredIndicator>, Vec<DistrictInfo>)> {
        report::report_context(&self.pool, p, first_rows).await
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The ingestion's commits are flushed to disk (the inbox copy goes right after), its log
    /// spans files, and the log it leaves is copied back once the recompute starts.
    #[tokio::test]
    async fn the_ingestion_writer_commits_durably_and_its_log_is_checkpointed_when_the_recompute_starts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let store = SqliteStore::open(&format!("sqlite://{}", path.display())).await.unwrap();
        let conn = store.writer_conn().unwrap();
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "FULL");
        let pages: i64 = conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
        assert_eq!(pages, WAL_CHECKPOINT_PAGES);
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000));").unwrap();
        *store.writer_slot() = Some(conn);
        let size = || std::fs::metadata(&path).unwrap().len();
        let before = size();
        assert!(before < 100_000, "the row waits in the log, not in the database file: {before}");
        store.recompute_file().unwrap();
        store.checkpointed();
        assert!(store.writer_slot().is_none(), "the ingestion's connection is let go");
        assert!(size() > before + 100_000, "the log was copied back into the database file");
    }
}
