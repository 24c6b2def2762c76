//! The embedded SQLite store: one file, WAL, migrations applied on open.

mod raffle;
mod report;
mod write;

use super::writing::{record_rows, FileStream, Message};
use super::{
    FileMeta, KnownFile, PeriodReport, PeriodResults, RemoteFileKey, RunSummary, Store, Stored, StreamedFile,
};
use crate::domain::money::{from_cents, to_cents};
use crate::domain::RafflePeriod;
use crate::domain::{Dni, Estado, Grupo, Period, Ubigeo};
use crate::formats::EntryKind;
use crate::raffle::draw::DrawRecord;
use crate::raffle::eligibility::{EligibleWoman, Exclusion};
use crate::reconcile::Ledger;
use crate::records::{EntryRec, InstructionRec, RosterMember, Seq, StatementHead};
use crate::savings::AccountHistory;
use anyhow::Context as _;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

/// Rows per multi-row INSERT (SQLite allows 32,766 bound variables).
const CHUNK: usize = 1000;

pub struct SqliteStore {
    pool: SqlitePool,
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
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn date(text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| format!("Bad date in database: {text}"))
}

fn period(text: &str) -> anyhow::Result<Period> {
    Period::parse(text).map_err(|e| anyhow::anyhow!("Bad period in database: {e}"))
}

fn entry_from_row(r: &sqlx::sqlite::SqliteRow) -> anyhow::Result<EntryRec> {
    Ok(EntryRec {
        id: r.get("id"),
        account: r.get("account"),
        booking_date: date(&r.get::<String, _>("booking_date"))?,
        amount: from_cents(r.get("amount_cents")),
        reversal: r.get("reversal"),
        referencia: r.get("referencia"),
        kind: EntryKind::from_code(&r.get::<String, _>("kind")),
        seq: Seq { file: r.get("file_id"), position: r.get("position") },
        statement_id: r.get("statement_id"),
    })
}

fn head_from_row(r: &sqlx::sqlite::SqliteRow) -> anyhow::Result<StatementHead> {
    Ok(StatementHead {
        id: r.get("id"),
        account: r.get("account"),
        from: date(&r.get::<String, _>("from_date"))?,
        to: date(&r.get::<String, _>("to_date"))?,
        opening: from_cents(r.get("opening_cents")),
        closing: from_cents(r.get("closing_cents")),
        seq: Seq { file: r.get("file_id"), position: r.get("position") },
    })
}

const ENTRY_COLUMNS: &str =
    "e.id, e.account, e.booking_date, e.amount_cents, e.reversal, e.referencia, e.kind, e.file_id, e.position, e.statement_id";
const HEAD_COLUMNS: &str =
    "s.id, s.account, s.from_date, s.to_date, s.opening_cents, s.closing_cents, s.file_id, s.position";

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
        stream: &mut FileStream,
        grace_days: u32,
    ) -> anyhow::Result<StreamedFile> {
        let Some(Message::Start(format)) = stream.next().await else {
            anyhow::bail!("the parser ended before it recognised the file");
        };
        let mut tx = self.pool.begin().await?;
        let file_id: i64 = sqlx::query_scalar(
            "INSERT INTO files (sha256, name, size, kind, format, status, archive_path, received_at, run_id) \
             VALUES (?, ?, ?, ?, ?, 'INGESTED', ?, ?, ?) RETURNING id",
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
        let mut writer = write::FileWriter::new(&format, file_id, grace_days, &mut tx).await?;
        let mut rows = 0u64;
        let outcome = loop {
            match stream.next().await {
                Some(Message::Records(records)) => {
                    rows += records.iter().map(record_rows).sum::<u64>();
                    writer.write(&mut tx, records).await?;
                }
                Some(Message::End(outcome)) => break outcome,
                Some(Message::Start(_)) | None => {
                    anyhow::bail!("the parser stopped before the end of the file")
                }
            }
        };
        let stored = if outcome.is_valid() {
            writer.finish(&mut tx).await?
        } else {
            Stored::Rejected(outcome.problems.clone())
        };
        match &stored {
            Stored::Rejected(_) => tx.rollback().await?,
            Stored::DuplicateContent => {
                sqlx::query("UPDATE files SET status = 'DUPLICATE' WHERE id = ?")
                    .bind(file_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Stored::Ingested { earliest_touched } => {
                if let Some(p) = earliest_touched {
                    sqlx::query("INSERT INTO dirty_periods (period) VALUES (?) ON CONFLICT DO NOTHING")
                        .bind(p.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
        }
        Ok(StreamedFile { outcome, stored, rows })
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
        let rows = sqlx::query(
            "SELECT dni, nombres, apellido_paterno, apellido_materno, ubigeo, distrito, grupo, estado, cuenta, monto_cents \
             FROM roster_rows WHERE roster_id = \
               (SELECT id FROM rosters WHERE period = ? ORDER BY version DESC LIMIT 1) ORDER BY position",
        )
        .bind(p.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let bad = |e: String| anyhow::anyhow!("Bad roster row in database: {e}");
                Ok(RosterMember {
                    dni: Dni::parse(r.get("dni")).map_err(bad)?,
                    nombres: r.get("nombres"),
                    apellido_paterno: r.get("apellido_paterno"),
                    apellido_materno: r.get("apellido_materno"),
                    ubigeo: Ubigeo::parse(r.get("ubigeo")).map_err(bad)?,
                    distrito: r.get("distrito"),
                    grupo: Grupo::parse(r.get("grupo")).map_err(bad)?,
                    estado: Estado::parse(r.get("estado")).map_err(bad)?,
                    cuenta: r.get("cuenta"),
                    monto: from_cents(r.get("monto_cents")),
                })
            })
            .collect()
    }

    async fn instructions(&self, p: Period) -> anyhow::Result<Vec<InstructionRec>> {
        let rows = sqlx::query(
            "SELECT id, lote, dni, cuenta, monto_cents, referencia, file_id, position FROM instructions \
             WHERE periodo = ? ORDER BY file_id, position",
        )
        .bind(p.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(InstructionRec {
                    id: r.get("id"),
                    lote: r.get("lote"),
                    dni: Dni::parse(r.get("dni"))
                        .map_err(|e| anyhow::anyhow!("Bad instruction in database: {e}"))?,
                    cuenta: r.get("cuenta"),
                    monto: from_cents(r.get("monto_cents")),
                    referencia: r.get("referencia"),
                    seq: Seq { file: r.get("file_id"), position: r.get("position") },
                })
            })
            .collect()
    }

    async fn entries_between(&self, from: NaiveDate, to: NaiveDate) -> anyhow::Result<Vec<EntryRec>> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.booking_date BETWEEN ? AND ? ORDER BY e.booking_date, e.file_id, e.position"
        ))
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn gap_candidates(&self, p: Period) -> anyhow::Result<Vec<(StatementHead, Option<Decimal>)>> {
        // The statements starting in M, plus each of their accounts' last statement before M
        // (one index seek per account), ordered per account by coverage: LAG gives each one's
        // previous closing.
        let rows = sqlx::query(&format!(
            "WITH m AS (SELECT * FROM statements WHERE from_date BETWEEN ?1 AND ?2), \
             before AS (SELECT (SELECT q.id FROM statements q WHERE q.account = a.account AND q.from_date < ?1 \
                                ORDER BY q.from_date DESC, q.file_id DESC, q.position DESC LIMIT 1) AS id \
                        FROM (SELECT DISTINCT account FROM m) a), \
             timeline AS (SELECT * FROM m UNION ALL SELECT st.* FROM statements st JOIN before b ON st.id = b.id) \
             SELECT {HEAD_COLUMNS}, LAG(s.closing_cents) OVER \
               (PARTITION BY s.account ORDER BY s.from_date, s.file_id, s.position) AS previous \
             FROM timeline s ORDER BY s.from_date, s.file_id, s.position"
        ))
        .bind(p.first_day().to_string())
        .bind(p.last_day().to_string())
        .fetch_all(&self.pool)
        .await?;
        let first = p.first_day();
        let mut candidates = Vec::new();
        for r in &rows {
            let head = head_from_row(r)?;
            if head.from >= first {
                candidates.push((head, r.get::<Option<i64>, _>("previous").map(from_cents)));
            }
        }
        Ok(candidates)
    }

    async fn histories(&self, p: Period) -> anyhow::Result<HashMap<String, AccountHistory>> {
        let (first, last) = (p.first_day().to_string(), p.last_day().to_string());
        let mut conn = self.pool.acquire().await?;
        // The statements that decide the month's balances: those starting in M, and for each
        // roster account the one in force on the first of M (one index seek per account, so
        // the cost follows the roster, not the stored history).
        sqlx::query("CREATE TEMP TABLE IF NOT EXISTS chosen_statements (id INTEGER PRIMARY KEY)")
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM chosen_statements").execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO chosen_statements SELECT id FROM statements WHERE from_date BETWEEN ?1 AND ?2",
        )
        .bind(&first)
        .bind(&last)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO chosen_statements SELECT id FROM ( \
               SELECT (SELECT q.id FROM statements q WHERE q.account = r.cuenta AND q.from_date < ?1 \
                       ORDER BY q.from_date DESC, q.file_id DESC, q.position DESC LIMIT 1) AS id \
               FROM roster_rows r WHERE r.roster_id = \
                 (SELECT id FROM rosters WHERE period = ?2 ORDER BY version DESC LIMIT 1)) WHERE id IS NOT NULL",
        )
        .bind(&first)
        .bind(p.to_string())
        .execute(&mut *conn)
        .await?;
        let heads = sqlx::query(&format!(
            "SELECT {HEAD_COLUMNS} FROM chosen_statements c JOIN statements s ON s.id = c.id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        let mut histories: HashMap<String, AccountHistory> = HashMap::new();
        for r in &heads {
            let head = head_from_row(r)?;
            histories.entry(head.account.clone()).or_default().statements.push(head);
        }
        let entries = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM chosen_statements c JOIN entries e ON e.statement_id = c.id \
             WHERE e.booking_date <= ?1"
        ))
        .bind(&last)
        .fetch_all(&mut *conn)
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

    async fn ledger_before(&self, p: Period) -> anyhow::Result<Ledger> {
        let (period, first) = (p.to_string(), p.first_day().to_string());
        let mut ledger = Ledger::default();
        let matched: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT m.entry_id, m.returned_by FROM recon_matches m JOIN entries e ON e.id = m.entry_id \
             WHERE m.period < ? AND e.booking_date >= ?",
        )
        .bind(&period)
        .bind(&first)
        .fetch_all(&self.pool)
        .await?;
        for (entry, returned_by) in matched {
            ledger.consumed_credits.insert(entry);
            ledger.matched_credits.insert(entry);
            ledger.used_reversals.extend(returned_by);
        }
        let duplicates: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT d.entry_id, d.offset_by FROM recon_duplicates d JOIN entries e ON e.id = d.entry_id \
             WHERE d.period < ? AND e.booking_date >= ?",
        )
        .bind(&period)
        .bind(&first)
        .fetch_all(&self.pool)
        .await?;
        for (entry, offset_by) in duplicates {
            ledger.consumed_credits.insert(entry);
            ledger.used_reversals.extend(offset_by);
        }
        // Reversals used by earlier periods can be booked after the first of M even when the
        // credit they returned was not.
        let reversals: Vec<i64> = sqlx::query_scalar(
            "SELECT returned_by FROM recon_matches WHERE period < ?1 AND returned_by IS NOT NULL \
             UNION SELECT offset_by FROM recon_duplicates WHERE period < ?1 AND offset_by IS NOT NULL",
        )
        .bind(&period)
        .fetch_all(&self.pool)
        .await?;
        ledger.used_reversals.extend(reversals);
        Ok(ledger)
    }

    async fn save_period(&self, results: &PeriodResults<'_>) -> anyhow::Result<()> {
        let p = results.period.to_string();
        let mut tx = self.pool.begin().await?;
        for table in ["recon_matches", "recon_duplicates"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE period >= ?")).bind(&p).execute(&mut *tx).await?;
        }
        for table in ["recon_exceptions", "account_months", "indicators"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE period = ?")).bind(&p).execute(&mut *tx).await?;
        }
        let r = results.reconciliation;
        for chunk in r.matches.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO recon_matches (period, instruction_id, entry_id, returned_by) ",
            );
            qb.push_values(chunk, |mut b, m| {
                b.push_bind(&p).push_bind(m.instruction_id).push_bind(m.entry_id).push_bind(m.returned_by);
            });
            qb.build().execute(&mut *tx).await?;
        }
        for chunk in r.duplicates.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO recon_duplicates (period, instruction_id, entry_id, offset_by) ",
            );
            qb.push_values(chunk, |mut b, d| {
                b.push_bind(&p).push_bind(d.instruction_id).push_bind(d.entry_id).push_bind(d.offset_by);
            });
            qb.build().execute(&mut *tx).await?;
        }
        for (chunk_no, chunk) in r.exceptions.chunks(CHUNK).enumerate() {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO recon_exceptions (period, ord, category, dni, cuenta, ubigeo, referencia, expected_cents, actual_cents, detail) ",
            );
            qb.push_values(chunk.iter().enumerate(), |mut b, (i, x)| {
                b.push_bind(&p)
                    .push_bind((chunk_no * CHUNK + i) as i64)
                    .push_bind(x.category.code())
                    .push_bind(&x.dni)
                    .push_bind(&x.cuenta)
                    .push_bind(&x.ubigeo)
                    .push_bind(&x.referencia)
                    .push_bind(x.expected_amount.map(to_cents))
                    .push_bind(x.actual_amount.map(to_cents))
                    .push_bind(&x.detail);
            });
            qb.build().execute(&mut *tx).await?;
        }
        for chunk in results.account_months.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO account_months (period, dni, cuenta, ubigeo, grupo, month_end_cents, min_cents, avg_daily_balance, \
                 cct_credits_cents, other_credits_cents, debits_cents, customer_movements, voluntary_deposits, saver) ",
            );
            qb.push_values(chunk, |mut b, a| {
                let bal = a.balances.as_ref();
                b.push_bind(&p)
                    .push_bind(&a.dni)
                    .push_bind(&a.cuenta)
                    .push_bind(&a.ubigeo)
                    .push_bind(a.grupo.as_str())
                    .push_bind(bal.map(|b| to_cents(b.month_end)))
                    .push_bind(bal.map(|b| to_cents(b.min)))
                    .push_bind(bal.map(|b| b.avg_daily.to_string()))
                    .push_bind(to_cents(a.cct_credits))
                    .push_bind(to_cents(a.other_credits))
                    .push_bind(to_cents(a.debits))
                    .push_bind(i64::from(a.customer_movements))
                    .push_bind(i64::from(a.voluntary_deposits))
                    .push_bind(a.saver);
            });
            qb.build().execute(&mut *tx).await?;
        }
        for chunk in results.indicators.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO indicators (period, scope, scope_id, metric, value) ",
            );
            qb.push_values(chunk, |mut b, i| {
                b.push_bind(&p)
                    .push_bind(i.scope.code())
                    .push_bind(&i.scope_id)
                    .push_bind(i.metric)
                    .push_bind(&i.value);
            });
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
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
