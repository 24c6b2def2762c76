//! The PostgreSQL store: the same [`Store`] contract as SQLite — one transaction per file,
//! insert then check, results replaced per period — for production. Rows are loaded with
//! `COPY … FROM STDIN`; migrations (`src/store/migrations/postgres`) are applied on open;
//! the password comes from the environment (`PGPASSWORD`) or `~/.pgpass`, never from the
//! configuration file. [`lock::PgRunLock`] keeps two runs, on any machines, from overlapping.

mod copy;
mod copy_out;
pub mod lock;
mod migrate;
mod raffle;
mod read;
mod report;
mod results;
mod write;

use super::writing::{record_rows, FileStream, Message};
use super::{
    DistrictFirstRow, DistrictInfo, FileMeta, KnownFile, PeriodReport, RemoteFileKey, RunSummary, Store,
    Stored, StoredIndicator, StreamedFile,
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
use crate::store::turn::FileTurn;
use crate::store::{PeriodFacts, RangeFacts};
use anyhow::Context as _;
use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::collections::HashMap;
use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;
use std::time::Instant;

pub use lock::{PgRunLock, RUN_LOCK_KEY};

/// Whether a `database.url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Connection options for `url`; a password missing from it is taken from `PGPASSWORD` or
/// `~/.pgpass`.
pub fn connect_options(url: &str) -> anyhow::Result<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .map_err(|e| anyhow::anyhow!("Failed to read database.url as a PostgreSQL URL: {e}"))
        .map(|o| o.application_name("alcancia"))
}

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and applies any pending migration.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = connect_options(url)?;
        migrate::run(&options).await?;
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .context("Failed to connect to PostgreSQL")?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The facts of a period read in one piece (`range` is then every account), each read on
    /// a pooled connection of its own.
    async fn whole_range_facts(
        &self,
        p: Period,
        window_end: NaiveDate,
        range: &AccountRange,
    ) -> anyhow::Result<RangeFacts> {
        let pool = &self.pool;
        let started = Instant::now();
        let (instructions, window_entries, heads, previous) = tokio::try_join!(
            async {
                read::instructions(pool, p, range)
                    .await
                    .inspect(|r| read_done(started, "instructions", r.len()))
            },
            async {
                read::entries_between(pool, p.first_day(), window_end, range)
                    .await
                    .inspect(|r| read_done(started, "entries", r.len()))
            },
            async {
                read::statements_starting(pool, p, range)
                    .await
                    .inspect(|r| read_done(started, "statements", r.len()))
            },
            async {
                read::checkpoint_before(pool, p, range)
                    .await
                    .inspect(|r| read_done(started, "checkpoint", r.accounts.len()))
            },
        )?;
        Ok(RangeFacts { instructions, window_entries, heads, previous })
    }
}

/// The parser's next messages, up to about `rows` rows, its end or the stream's: what it sends
/// while the store copies a chunk.
async fn receive_ahead(stream: &mut FileStream, rows: usize) -> Vec<Option<Message>> {
    let mut messages = Vec::new();
    let mut received = 0;
    while received < rows as u64 {
        let message = stream.next().await;
        let last = !matches!(message, Some(Message::Records(_)));
        if let Some(Message::Records(records)) = &message {
            // A statement without entries still counts: its own row.
            received += records.iter().map(|r| record_rows(r).max(1)).sum::<u64>();
        }
        messages.push(message);
        if last {
            break;
        }
    }
    messages
}

fn period_of(date: NaiveDate) -> Period {
    Period::of_date(date)
}

impl Store for PgStore {
    async fn known_file(&self, sha256: &str) -> anyhow::Result<Option<KnownFile>> {
        let row = sqlx::query("SELECT id, name, status FROM files WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(KnownFile { id: r.try_get(0)?, name: r.try_get(1)?, status: r.try_get(2)? }))
            .transpose()
    }

    async fn record_sighting(&self, file_id: i64, name: &str, run_id: Option<i64>) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO file_sightings (file_id, name, seen_at, run_id) VALUES ($1, $2, $3::timestamptz, $4)")
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
             VALUES ($1, $2, $3, $4, $5, 'QUARANTINED', $6, $7, $8::timestamptz, $9)",
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
        mut turn: FileTurn,
    ) -> anyhow::Result<StreamedFile> {
        let Some(Message::Start(format)) = stream.next().await else {
            anyhow::bail!("the parser ended before it recognised the file");
        };
        // Written beside the file before (`store::turn`), except that a roster or a payments
        // file reads what is stored of its kind as it writes (the roster's version, each lote's
        // stored content): after a file of the same kind, it waits for that one to end.
        let previous_kind = turn.previous_registered().await;
        if previous_kind == Some(format.kind()) && format.kind() != "statements" {
            turn.previous_done().await?;
        }
        let started = Instant::now();
        let mut tx = self.pool.begin().await?;
        let file_id: i64 = sqlx::query_scalar(
            "INSERT INTO files (sha256, name, size, kind, format, status, archive_path, received_at, run_id) \
             VALUES ($1, $2, $3, $4, $5, 'INGESTED', $6, $7::timestamptz, $8) RETURNING id",
        )
        .bind(&meta.sha256)
        .bind(&meta.name)
        .bind(meta.size as i64)
        .bind(format.kind())
        .bind(format.name())
        .bind(&meta.archive_path)
        .bind(&meta.received_at)
        .bind(meta.run_id)
        .fetch_one(&mut *tx)
        .await?;
        turn.registered(format.kind());
        let mut writer = write::FileWriter::new(&format, file_id, grace_days, &self.pool)?;
        // The store's busy time: its own work, not its waits for the parser (a chunk's COPY
        // and the receipt of the next chunk overlap, so the stream's own measure would not do).
        let mut busy = started.elapsed();
        let mut rows = 0u64;
        let outcome = 'receive: loop {
            let messages = if writer.wants_flush() {
                // The server works on this chunk while the parser goes on with the next.
                let flush = async {
                    let started = Instant::now();
                    let flushed = writer.flush(&mut tx).await;
                    (flushed, started.elapsed())
                };
                let ((flushed, took), messages) =
                    futures_util::future::join(flush, receive_ahead(&mut stream, write::CHUNK)).await;
                flushed?;
                busy += took;
                messages
            } else {
                vec![stream.next().await]
            };
            for message in messages {
                match message {
                    Some(Message::Records(records)) => {
                        let started = Instant::now();
                        rows += records.iter().map(record_rows).sum::<u64>();
                        writer.write(&mut tx, records).await?;
                        busy += started.elapsed();
                    }
                    Some(Message::End(outcome)) => break 'receive outcome,
                    Some(Message::Start(_)) | None => {
                        anyhow::bail!("the parser stopped before the end of the file")
                    }
                }
            }
        };
        let stored = if outcome.is_valid() {
            // The checks against what is stored, and the commit, in delivery order.
            turn.previous_done().await?;
            let started = Instant::now();
            let stored = writer.finish(&mut tx).await?;
            busy += started.elapsed();
            stored
        } else {
            Stored::Rejected(outcome.problems.clone())
        };
        let started = Instant::now();
        match &stored {
            Stored::Rejected(_) => tx.rollback().await?,
            Stored::DuplicateContent => {
                sqlx::query("UPDATE files SET status = 'DUPLICATE' WHERE id = $1")
                    .bind(file_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Stored::Ingested { earliest_touched } => {
                if let Some(p) = earliest_touched {
                    sqlx::query("INSERT INTO dirty_periods (period) VALUES ($1) ON CONFLICT DO NOTHING")
                        .bind(p.first_day())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
        }
        busy += started.elapsed();
        Ok(StreamedFile { outcome, stored, rows, store_busy: busy })
    }

    /// Two: the server's backend of one connection is what bounds ingestion (about one core,
    /// with the client at a third of another), so a second file's rows go in beside the
    /// first's, in their own transaction, in the same order (`store::turn`). Not more: a
    /// roster or payments file waits only for the file just before it, which is enough only
    /// while the one before that has always ended.
    fn files_at_once(&self) -> usize {
        2
    }

    async fn dirty_periods(&self) -> anyhow::Result<Vec<Period>> {
        let rows: Vec<NaiveDate> = sqlx::query_scalar("SELECT period FROM dirty_periods ORDER BY period")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(period_of).collect())
    }

    async fn mark_dirty(&self, p: Period) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO dirty_periods (period) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(p.first_day())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn clear_dirty_through(&self, last: Period) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM dirty_periods WHERE period <= $1")
            .bind(last.first_day())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn roster_periods(&self) -> anyhow::Result<Vec<Period>> {
        let rows: Vec<NaiveDate> = sqlx::query_scalar("SELECT DISTINCT period FROM rosters ORDER BY period")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(period_of).collect())
    }

    async fn roster(&self, p: Period) -> anyhow::Result<Vec<RosterMember>> {
        read::roster(&self.pool, p, true).await
    }

    async fn roster_size(&self, p: Period) -> anyhow::Result<u64> {
        read::roster_size(&self.pool, p).await
    }

    async fn period_facts(
        &self,
        p: Period,
        window_end: NaiveDate,
        range: Option<&AccountRange>,
    ) -> anyhow::Result<PeriodFacts> {
        // Each read on its own pooled connection: the server works on them at once.
        let pool = &self.pool;
        let started = Instant::now();
        let (roster, ledger, range) = tokio::try_join!(
            async { read::roster(pool, p, false).await.inspect(|r| read_done(started, "roster", r.len())) },
            async {
                read::ledger_before(pool, p)
                    .await
                    .inspect(|r| read_done(started, "ledger", r.consumed_credits.len()))
            },
            async {
                match range {
                    Some(range) => Some(self.whole_range_facts(p, window_end, range).await).transpose(),
                    None => Ok(None),
                }
            },
        )?;
        Ok(PeriodFacts { roster, ledger, range })
    }

    async fn spill_range_facts(
        &self,
        p: Period,
        window_end: NaiveDate,
        spill: &mut RangeSpill,
    ) -> anyhow::Result<()> {
        let pool = &self.pool;
        let started = Instant::now();
        let all = AccountRange::all();
        let RangeSpill { instructions, entries, heads, .. } = spill;
        tokio::try_join!(
            async {
                read::each_instruction(pool, p, &all, |i| instructions.put(&i)).await?;
                read_done(started, "instructions", instructions.rows());
                anyhow::Ok(())
            },
            async {
                read::each_entry_between(pool, p.first_day(), window_end, &all, |e| entries.put(&e)).await?;
                read_done(started, "entries", entries.rows());
                anyhow::Ok(())
            },
            async {
                read::each_statement_starting(pool, p, &all, |h| heads.put(&h)).await?;
                read_done(started, "statements", heads.rows());
                anyhow::Ok(())
            },
        )?;
        spill.finish_writing()
    }

    async fn range_checkpoint(&self, p: Period, range: &AccountRange) -> anyhow::Result<Checkpoint> {
        let started = Instant::now();
        read::checkpoint_before(&self.pool, p, range)
            .await
            .inspect(|r| read_done(started, "checkpoint", r.accounts.len()))
    }

    async fn begin_period_save(&self, period: Period) -> anyhow::Result<PeriodSave> {
        let pool = self.pool.clone();
        Ok(PeriodSave::start(|parts| tokio::spawn(results::save_period(pool, period, parts))))
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

    async fn fetched_remote(&self, remote: &RemoteFileKey<'_>) -> anyhow::Result<Option<String>> {
        self.remote_fetched(remote).await
    }

    async fn record_fetched_remote(
        &self,
        remote: &RemoteFileKey<'_>,
        sha256: &str,
        run_id: Option<i64>,
    ) -> anyhow::Result<()> {
        self.remote_record(remote, sha256, run_id).await
    }

    async fn period_report(
        &self,
        period: Period,
        account_months: InOrder,
    ) -> anyhow::Result<Option<PeriodReport>> {
        report::period_report(&self.pool, period, account_months).await
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
            "INSERT INTO job_runs (command, started_at, status) VALUES ($1, $2::timestamptz, 'RUNNING') RETURNING id",
        )
        .bind(command)
        .bind(started_at)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn finish_run(&self, run_id: i64, finished_at: &str, s: &RunSummary) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE job_runs SET finished_at = $1::timestamptz, status = $2, exit_code = $3, files_ingested = $4, \
             files_duplicate = $5, files_quarantined = $6, periods_recomputed = $7, summary = $8::jsonb WHERE id = $9",
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

/// The tests' PostgreSQL server: `ALCANCIA_TEST_DATABASE_URL`; when it is not set,
/// `postgres://postgres@127.0.0.1:5432/postgres` if something listens on that port (trust
/// authentication for local connections, as a development server has), so that `cargo test`
/// alone runs the PostgreSQL tests on a machine that has one. `None` (the tests skip) when
/// there is neither or the variable is set empty — a panic under `CI=true`, where those tests
/// must run. Tests only (the unit tests here and `tests/job`).
#[doc(hidden)]
pub fn test_server() -> Option<String> {
    let url = match std::env::var("ALCANCIA_TEST_DATABASE_URL") {
        Ok(url) => Some(url).filter(|u| !u.trim().is_empty()),
        Err(_) => {
            let address = std::net::SocketAddr::from(([127, 0, 0, 1], 5432));
            std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_millis(500))
                .ok()
                .map(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
        }
    };
    if url.is_none() && std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true needs a PostgreSQL server (ALCANCIA_TEST_DATABASE_URL, or one on 127.0.0.1:5432)")
    }
    url
}

fn read_done(started: Instant, what: &str, rows: usize) {
    tracing::debug!(what, rows, ms = started.elapsed().as_millis() as u64, "Read.");
}
