//! Writing one streamed file's records into its PostgreSQL transaction with `COPY`, a chunk at
//! a time: rosters (a new version of the period), payment batches (a `lote` already stored with
//! the same content is skipped, with other content is a conflict; a reused `referencia` is
//! refused) and statements (refused when they overlap a stored statement of the same account).
//! The checks are made after inserting, as on SQLite, so the database's constraints decide.

use super::copy::copy_in;
use crate::domain::money::to_cents;
use crate::domain::Period;
use crate::formats::stream::Record;
use crate::formats::{Entry, Format, Instruction, Problem, RosterRow, Statement};
use crate::store::writing::{
    earlier, overlap_problem, reused_referencia_problem, touched_period, LoteState, Lotes, StatementBounds,
    PENDING_HASH,
};
use crate::store::Stored;
use chrono::NaiveDate;
use sqlx::{Acquire as _, PgConnection, PgPool, Row};
use std::collections::{HashMap, HashSet};

/// Rows per `COPY`: large, since each COPY is a round trip, yet a few megabytes at most. The
/// caller copies a full chunk while it receives the next one from the parser
/// ([`FileWriter::wants_flush`]).
pub(super) const CHUNK: usize = 10_000;

/// The writer of one file, by the kind of its content.
pub(super) enum FileWriter {
    Roster(RosterWriter),
    Payments(PaymentsWriter),
    Statements(StatementsWriter),
    /// An unknown file: nothing to write (its parser reported why).
    Nothing,
}

impl FileWriter {
    /// `pool` gives statements files the connections on which they create missing month
    /// partitions, outside the file's transaction ([`StatementsWriter::ensure_partitions`]).
    pub fn new(format: &Format, file_id: i64, grace_days: u32, pool: &PgPool) -> anyhow::Result<Self> {
        Ok(match format.kind() {
            "roster" => Self::Roster(RosterWriter { file_id, roster: None, position: 0, rows: Vec::new() }),
            "payments" => Self::Payments(PaymentsWriter {
                file_id,
                lotes: Lotes::default(),
                position: 0,
                pending: Vec::new(),
                problems: Vec::new(),
            }),
            "statements" => {
                let first_id = ids_of_file(file_id)?;
                Self::Statements(StatementsWriter {
                    file_id,
                    grace_days,
                    pool: pool.clone(),
                    first_statement_id: first_id,
                    next_statement_id: first_id,
                    next_entry_id: first_id,
                    statement_position: 0,
                    entry_position: 0,
                    statements: Vec::new(),
                    entries: Vec::new(),
                    months: HashSet::new(),
                    earliest: None,
                    bounds: StatementBounds::default(),
                })
            }
            _ => Self::Nothing,
        })
    }

    pub async fn write(&mut self, conn: &mut PgConnection, records: Vec<Record>) -> anyhow::Result<()> {
        for record in records {
            match (&mut *self, record) {
                (Self::Roster(w), Record::RosterRow(row)) => w.put(conn, row).await?,
                (Self::Payments(w), Record::Instruction(instruction)) => w.put(conn, instruction).await?,
                (Self::Statements(w), Record::Statement(statement)) => w.put(statement)?,
                (_, record) => anyhow::bail!("a parser sent a record its format does not hold: {record:?}"),
            }
        }
        Ok(())
    }

    /// Whether a chunk is full: the caller should [`Self::flush`] it before writing more.
    pub fn wants_flush(&self) -> bool {
        match self {
            Self::Roster(w) => w.rows.len() >= CHUNK,
            Self::Payments(w) => w.pending.len() >= CHUNK,
            Self::Statements(w) => w.statements.len() >= CHUNK || w.entries.len() >= CHUNK,
            Self::Nothing => false,
        }
    }

    /// Copies the pending rows. It touches only the writer and the connection, so the caller
    /// can receive the next records from the parser meanwhile.
    pub async fn flush(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        match self {
            Self::Roster(w) => w.flush(conn).await,
            Self::Payments(w) => w.flush(conn).await,
            Self::Statements(w) => w.flush(conn).await,
            Self::Nothing => Ok(()),
        }
    }

    /// Writes what is pending and runs the checks against what is stored.
    pub async fn finish(self, conn: &mut PgConnection) -> anyhow::Result<Stored> {
        match self {
            Self::Roster(w) => w.finish(conn).await,
            Self::Payments(w) => w.finish(conn).await,
            Self::Statements(w) => w.finish(conn).await,
            Self::Nothing => Ok(Stored::Rejected(vec![Problem::in_file("", "nothing to store")])),
        }
    }
}

pub(super) struct RosterWriter {
    file_id: i64,
    /// The roster's id and period, from its first row.
    roster: Option<(i64, Period)>,
    position: i64,
    rows: Vec<RosterRow>,
}

impl RosterWriter {
    async fn put(&mut self, conn: &mut PgConnection, row: RosterRow) -> anyhow::Result<()> {
        if self.roster.is_none() {
            let period = row.periodo.first_day();
            let version: i32 =
                sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM rosters WHERE period = $1")
                    .bind(period)
                    .fetch_one(&mut *conn)
                    .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rosters (file_id, period, version) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(self.file_id)
            .bind(period)
            .bind(version)
            .fetch_one(&mut *conn)
            .await?;
            self.roster = Some((id, row.periodo));
        }
        self.rows.push(row);
        Ok(())
    }

    async fn flush(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let Some((roster_id, _)) = self.roster else { return Ok(()) };
        if self.rows.is_empty() {
            return Ok(());
        }
        copy_in(
            conn,
            "roster_rows (roster_id, position, dni, nombres, apellido_paterno, apellido_materno, ubigeo, \
             departamento, provincia, distrito, grupo, estado, cuenta, monto_cents, agencia, distancia_km)",
            self.rows.iter().zip(self.position..),
            |out, (r, position)| {
                out.field(roster_id)?.field(position)?.field(r.dni.as_str())?.field(&r.nombres)?;
                out.field(&r.apellido_paterno)?.field(&r.apellido_materno)?.field(r.ubigeo.as_str())?;
                out.field(&r.departamento)?.field(&r.provincia)?.field(&r.distrito)?;
                out.field(r.grupo.as_str())?.field(r.estado.as_str())?.field(r.cuenta.as_str())?;
                out.field(to_cents(r.monto))?.field(&r.agencia)?.field(r.distancia_km)?;
                Ok(())
            },
        )
        .await?;
        self.position += self.rows.len() as i64;
        self.rows.clear();
        Ok(())
    }

    async fn finish(mut self, conn: &mut PgConnection) -> anyhow::Result<Stored> {
        self.flush(conn).await?;
        Ok(match self.roster {
            Some((_, period)) => Stored::Ingested { earliest_touched: Some(period) },
            None => Stored::Rejected(vec![Problem::in_file("", "nothing to store")]),
        })
    }
}

pub(super) struct PaymentsWriter {
    file_id: i64,
    lotes: Lotes,
    /// Position in the file of the next instruction (skipped ones count too).
    position: i64,
    /// Instructions of new lotes waiting for the next COPY, with their positions.
    pending: Vec<(Instruction, i64)>,
    problems: Vec<Problem>,
}

impl PaymentsWriter {
    async fn put(&mut self, conn: &mut PgConnection, instruction: Instruction) -> anyhow::Result<()> {
        if !self.lotes.states.contains_key(&instruction.lote) {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT content_hash FROM batches WHERE lote = $1")
                    .bind(&instruction.lote)
                    .fetch_optional(&mut *conn)
                    .await?;
            if stored.is_none() {
                // The hash is known at the end of the file; `finish` writes it.
                sqlx::query("INSERT INTO batches (lote, file_id, content_hash) VALUES ($1, $2, $3)")
                    .bind(&instruction.lote)
                    .bind(self.file_id)
                    .bind(PENDING_HASH)
                    .execute(&mut *conn)
                    .await?;
            }
            self.lotes.order.push(instruction.lote.clone());
            self.lotes.states.insert(
                instruction.lote.clone(),
                LoteState { stored_hash: stored, hash: Default::default(), earliest: None },
            );
        }
        let Some(state) = self.lotes.states.get_mut(&instruction.lote) else { return Ok(()) };
        state.hash.add(&instruction);
        state.earliest = earlier(state.earliest, instruction.periodo);
        let position = self.position;
        self.position += 1;
        if state.stored_hash.is_none() {
            self.pending.push((instruction, position));
        }
        Ok(())
    }

    async fn flush(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // A failed statement aborts a PostgreSQL transaction: the COPY runs in a savepoint so a
        // reused referencia can be reported and the rest of the file still checked.
        let mut savepoint = conn.begin().await?;
        let copied = copy_in(
            &mut savepoint,
            "instructions (lote, periodo, dni, cuenta, monto_cents, referencia, file_id, position)",
            self.pending.iter(),
            |out, (i, position)| {
                out.field(&i.lote)?.field(i.periodo.first_day())?.field(i.dni.as_str())?;
                out.field(i.cuenta.as_str())?.field(to_cents(i.monto))?.field(&i.referencia)?;
                out.field(self.file_id)?.field(*position)?;
                Ok(())
            },
        )
        .await;
        match copied {
            Ok(_) => savepoint.commit().await?,
            Err(error) if error.is_unique_violation() => {
                savepoint.rollback().await?;
                let problems = reused_references(conn, self.file_id, &self.pending).await?;
                self.problems.extend(problems);
            }
            Err(error) => return Err(error.into()),
        }
        self.pending.clear();
        Ok(())
    }

    async fn finish(mut self, conn: &mut PgConnection) -> anyhow::Result<Stored> {
        self.flush(conn).await?;
        let (conflicts, stored_any, earliest) = self.lotes.settle();
        self.problems.extend(conflicts);
        if !self.problems.is_empty() {
            return Ok(Stored::Rejected(self.problems));
        }
        for lote in &self.lotes.order {
            let state = &self.lotes.states[lote];
            if state.stored_hash.is_none() {
                sqlx::query("UPDATE batches SET content_hash = $1 WHERE lote = $2")
                    .bind(state.hash.hex())
                    .bind(lote)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        if !stored_any {
            return Ok(Stored::DuplicateContent);
        }
        Ok(Stored::Ingested { earliest_touched: earliest })
    }
}

/// Names the referencias of `chunk` that another file's lote already uses, in file order.
async fn reused_references(
    conn: &mut PgConnection,
    file_id: i64,
    chunk: &[(Instruction, i64)],
) -> anyhow::Result<Vec<Problem>> {
    let wanted: Vec<&str> = chunk.iter().map(|(i, _)| i.referencia.as_str()).collect();
    let used: HashMap<String, String> = sqlx::query_as(
        "SELECT referencia, lote FROM instructions WHERE referencia = ANY($1) AND file_id <> $2",
    )
    .bind(&wanted)
    .bind(file_id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let mut problems: Vec<Problem> = chunk
        .iter()
        .filter_map(|(i, _)| used.get(&i.referencia).map(|lote| reused_referencia_problem(i, Some(lote))))
        .collect();
    if let (true, Some((first, _))) = (problems.is_empty(), chunk.first()) {
        problems.push(reused_referencia_problem(first, None));
    }
    Ok(problems)
}

/// A statement's row, waiting for the next COPY.
struct StatementRow {
    id: i64,
    position: i64,
    account: String,
    from: NaiveDate,
    to: NaiveDate,
    opening_cents: i64,
    closing_cents: i64,
}

/// An entry's row, waiting for the next COPY.
struct EntryRow {
    id: i64,
    statement_id: i64,
    position: i64,
    account: String,
    entry: Entry,
}

/// Rows a file may hold of each kind: its statements' and its entries' ids are its own id
/// times this, plus their position in the file.
const ROWS_PER_FILE: i64 = 1 << 32;

/// The first statement and entry id of a file: `file_id × 2³²`. Two files written at once
/// (`store::turn`) need no shared counter, and ids still follow delivery order (the file's
/// id, then the position in it), above every id given before (at most one counter's worth,
/// less than 2³²). A database keeps them as BIGINT: 2³¹ files.
fn ids_of_file(file_id: i64) -> anyhow::Result<i64> {
    file_id
        .checked_mul(ROWS_PER_FILE)
        .ok_or_else(|| anyhow::anyhow!("file id {file_id} leaves no room for row ids"))
}

pub(super) struct StatementsWriter {
    file_id: i64,
    grace_days: u32,
    pool: PgPool,
    /// This file's statements have ids from here to `next_statement_id - 1` (the overlap
    /// check reads them by id range, not by scanning for the file).
    first_statement_id: i64,
    next_statement_id: i64,
    next_entry_id: i64,
    statement_position: i64,
    entry_position: i64,
    statements: Vec<StatementRow>,
    entries: Vec<EntryRow>,
    /// Months whose `entries` partition is known to exist.
    months: HashSet<NaiveDate>,
    earliest: Option<Period>,
    /// What its statements span: its row of `file_spans`, by which the overlap check of this
    /// file and of later ones compares files ([`overlapping_stored`]).
    bounds: StatementBounds,
}

impl StatementsWriter {
    fn put(&mut self, statement: Statement) -> anyhow::Result<()> {
        if self.statement_position >= ROWS_PER_FILE
            || self.entry_position + statement.entries.len() as i64 > ROWS_PER_FILE
        {
            anyhow::bail!("a statements file holds more than {ROWS_PER_FILE} statements or entries");
        }
        let Statement { account, from, to, opening, closing, entries } = statement;
        let statement_id = self.next_statement_id;
        self.next_statement_id += 1;
        self.earliest = earlier(self.earliest, touched_period(from, self.grace_days));
        self.bounds.widen(&account, from, to);
        for entry in entries {
            self.earliest = earlier(self.earliest, touched_period(entry.booking_date, self.grace_days));
            self.entries.push(EntryRow {
                id: self.next_entry_id,
                statement_id,
                position: self.entry_position,
                account: account.clone(),
                entry,
            });
            self.next_entry_id += 1;
            self.entry_position += 1;
        }
        self.statements.push(StatementRow {
            id: statement_id,
            position: self.statement_position,
            account,
            from,
            to,
            opening_cents: to_cents(opening),
            closing_cents: to_cents(closing),
        });
        self.statement_position += 1;
        Ok(())
    }

    /// Creates the month partitions of `entries` that the pending entries need and that do
    /// not exist yet, each in a short transaction of its own on another pooled connection
    /// (migration 0009): inside the file's, it would hold a lock on `entries` until the file
    /// commits, which the other file being written at once may be waiting for. A partition
    /// left empty by a file that is then quarantined is harmless: it is the month's.
    async fn ensure_partitions(&mut self) -> anyhow::Result<()> {
        let mut wanted: Vec<NaiveDate> = self
            .entries
            .iter()
            .map(|row| Period::of_date(row.entry.booking_date).first_day())
            .filter(|month| !self.months.contains(month))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        wanted.sort();
        for month in wanted {
            // The function looks for the partition itself, under its lock.
            sqlx::query("SELECT ensure_month_partition('entries', $1)")
                .bind(month)
                .execute(&self.pool)
                .await?;
            self.months.insert(month);
        }
        Ok(())
    }

    /// Copies the pending statements, then their entries (which refer to them).
    async fn flush(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        if !self.statements.is_empty() {
            copy_in(
                conn,
                "statements (id, file_id, position, account, from_date, to_date, opening_cents, closing_cents)",
                self.statements.iter(),
                |out, s| {
                    out.field(s.id)?.field(self.file_id)?.field(s.position)?.field(&s.account)?;
                    out.field(s.from)?.field(s.to)?.field(s.opening_cents)?.field(s.closing_cents)?;
                    Ok(())
                },
            )
            .await?;
            self.statements.clear();
        }
        if !self.entries.is_empty() {
            self.ensure_partitions().await?;
            copy_in(
                conn,
                "entries (id, statement_id, file_id, position, account, booking_date, value_date, amount_cents, \
                 reversal, referencia, kind, description)",
                self.entries.iter(),
                |out, row| {
                    let e = &row.entry;
                    out.field(row.id)?.field(row.statement_id)?.field(self.file_id)?.field(row.position)?;
                    out.field(&row.account)?.field(e.booking_date)?.field(e.value_date)?;
                    out.field(to_cents(e.amount))?.field(e.reversal)?.field(e.referencia.as_deref())?;
                    out.field(e.kind.code())?.field(&e.description)?;
                    Ok(())
                },
            )
            .await?;
            self.entries.clear();
        }
        Ok(())
    }

    async fn finish(mut self, conn: &mut PgConnection) -> anyhow::Result<Stored> {
        self.flush(conn).await?;
        let Some(bounds) = self.bounds.meeting() else {
            // No statement: nothing stored, nothing to check.
            return Ok(Stored::Ingested { earliest_touched: self.earliest });
        };
        let ids = (self.first_statement_id, self.next_statement_id - 1);
        let overlaps = overlapping_stored(conn, ids, bounds).await?;
        if !overlaps.is_empty() {
            return Ok(Stored::Rejected(overlaps));
        }
        let (from_min, to_max, account_min, account_max) = bounds;
        sqlx::query(
            "INSERT INTO file_spans (file_id, first_statement, last_statement, from_min, to_max, account_min, \
             account_max) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.file_id)
        .bind(ids.0)
        .bind(ids.1)
        .bind(from_min)
        .bind(to_max)
        .bind(account_min)
        .bind(account_max)
        .execute(&mut *conn)
        .await?;
        Ok(Stored::Ingested { earliest_touched: self.earliest })
    }
}

/// The stored files (`c`) whose bounds meet a new file's: first days `$1..=$2`, accounts
/// `$3..=$4` (compared byte by byte: `file_spans`' accounts are `COLLATE "C"`).
macro_rules! meets {
    () => {
        "c.from_min <= $2 AND c.to_max >= $1 AND c.account_min <= $4 AND c.account_max >= $3"
    };
}

/// Whether any stored file's bounds meet a new file's (see [`meets`]).
const ANY_FILE_MEETS: &str = concat!("SELECT EXISTS (SELECT 1 FROM file_spans c WHERE ", meets!(), ")");

/// Statements of this file (ids `ids`) that overlap a statement already stored for the same
/// account, given what the file spans (`bounds`: least first day, last day, least and greatest
/// account).
///
/// A stored statement lies inside its file's bounds (`file_spans`), so it can overlap one of
/// the new file's only if the two files' bounds meet. The check first asks whether any stored
/// file's do: daily files never do, whatever their size, and no row of `statements` is read.
/// Only when some do (a file sent twice under two names, a corrected file, a day split into
/// files whose accounts interleave) are those files' statements joined with the new ones by
/// account, to name each case. The files delivered before this one have all committed or rolled
/// back by now (`store::turn`), so their rows of `file_spans` are there to be seen.
///
/// There is no index of `statements` by account: keeping one cost an insert at a random place
/// for every statement copied (migration 0010).
async fn overlapping_stored(
    conn: &mut PgConnection,
    ids: (i64, i64),
    bounds: (NaiveDate, NaiveDate, &str, &str),
) -> anyhow::Result<Vec<Problem>> {
    let (from_min, to_max, account_min, account_max) = bounds;
    let started = std::time::Instant::now();
    let any: bool = sqlx::query_scalar(ANY_FILE_MEETS)
        .bind(from_min)
        .bind(to_max)
        .bind(account_min)
        .bind(account_max)
        .fetch_one(&mut *conn)
        .await?;
    tracing::debug!(any, ms = started.elapsed().as_millis() as u64, "Overlaps checked.");
    if !any {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(concat!(
        "SELECT n.account, n.from_date, n.to_date, o.from_date, o.to_date, f.name \
         FROM file_spans c \
         JOIN statements o ON o.id BETWEEN c.first_statement AND c.last_statement \
         JOIN statements n ON n.account = o.account AND o.from_date <= n.to_date AND n.from_date <= o.to_date \
         JOIN files f ON f.id = c.file_id \
         WHERE n.id BETWEEN $5 AND $6 AND ",
        meets!(),
        " ORDER BY n.position, o.from_date, o.file_id, o.position LIMIT 100"
    ))
    .bind(from_min)
    .bind(to_max)
    .bind(account_min)
    .bind(account_max)
    .bind(ids.0)
    .bind(ids.1)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let day = |i| r.try_get::<NaiveDate, _>(i);
            let (from, to, stored_from, stored_to) = (day(1)?, day(2)?, day(3)?, day(4)?);
            let (account, file) = (r.try_get::<String, _>(0)?, r.try_get::<String, _>(5)?);
            Ok(overlap_problem(&account, &from, &to, (&stored_from, &stored_to), &file))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use sqlx::Connection as _;

    /// The check through the files' bounds rejects exactly the files the plain join finds
    /// overlaps in, and names the same cases: random histories of files whose days and accounts
    /// meet or not, of statements that do not overlap each other, against new files whose
    /// statements do not either (as the parsers and the check itself keep what is stored).
    #[tokio::test]
    async fn the_overlap_check_finds_what_the_plain_join_finds() {
        let Some(url) = super::super::test_server() else { return };
        let mut conn = PgConnection::connect(&url).await.unwrap();
        // Temporary tables come first in the search path: the check's `statements`, `files`
        // and `file_spans`.
        sqlx::raw_sql(
            "CREATE TEMP TABLE files (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
             CREATE TEMP TABLE statements (id BIGINT PRIMARY KEY, file_id BIGINT NOT NULL, position BIGINT NOT NULL,
               account TEXT COLLATE \"C\" NOT NULL, from_date DATE NOT NULL, to_date DATE NOT NULL);
             CREATE TEMP TABLE file_spans (file_id BIGINT PRIMARY KEY, first_statement BIGINT NOT NULL,
               last_statement BIGINT NOT NULL, from_min DATE NOT NULL, to_max DATE NOT NULL,
               account_min TEXT COLLATE \"C\" NOT NULL, account_max TEXT COLLATE \"C\" NOT NULL);",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let day0 = NaiveDate::from_ymd_opt(2012, 7, 1).unwrap();
        let day = |n: i64| day0 + chrono::Days::new(n as u64);
        let (mut rejected, mut compared, mut apart) = (0, 0, 0);
        for round in 0..200 {
            sqlx::raw_sql("TRUNCATE statements, files, file_spans").execute(&mut conn).await.unwrap();
            let mut rows: Vec<(i64, i64, &str, i64, i64)> = Vec::new();
            // Stored files, each of some of the accounts, whose coverages per account follow
            // each other.
            let files = rng.gen_range(1..5);
            let mut ends = HashMap::new();
            for file in 1..=files {
                for account in ["A", "B", "C"] {
                    if rng.gen_bool(0.3) {
                        continue;
                    }
                    let end: &mut i64 = ends.entry(account).or_insert(0);
                    for _ in 0..rng.gen_range(0..4) {
                        let from = *end + rng.gen_range(0..4);
                        let to = from + rng.gen_range(0..6);
                        rows.push((file, rows.len() as i64 + 1, account, from, to));
                        *end = to + 1;
                    }
                }
            }
            let first = rows.len() as i64 + 1;
            let new_file = files + 1;
            let mut bounds = StatementBounds::default();
            for account in ["A", "B", "C", "D"] {
                if rng.gen_bool(0.4) {
                    continue;
                }
                let mut end = rng.gen_range(0..60);
                for _ in 0..rng.gen_range(0..4) {
                    let from = end + rng.gen_range(0..4);
                    let to = from + rng.gen_range(0..8);
                    rows.push((new_file, rows.len() as i64 + 1, account, from, to));
                    bounds.widen(account, day(from), day(to));
                    end = to + 1;
                }
            }
            let last = rows.len() as i64;
            let Some(meeting) = bounds.meeting() else { continue };
            for file in 1..=new_file {
                sqlx::query("INSERT INTO files VALUES ($1, $2)")
                    .bind(file)
                    .bind(format!("f{file}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            for (file, id, account, from, to) in &rows {
                sqlx::query("INSERT INTO statements VALUES ($1, $2, $1, $3, $4, $5)")
                    .bind(id)
                    .bind(file)
                    .bind(account)
                    .bind(day(*from))
                    .bind(day(*to))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            // The stored files' bounds, as migration 0010 computes them for a stored database.
            sqlx::raw_sql(&format!(
                "INSERT INTO file_spans SELECT file_id, MIN(id), MAX(id), MIN(from_date), MAX(to_date), MIN(account), \
                 MAX(account) FROM statements WHERE file_id < {new_file} GROUP BY file_id; ANALYZE statements"
            ))
            .execute(&mut conn)
            .await
            .unwrap();
            let found = overlapping_stored(&mut conn, (first, last), meeting).await.unwrap();
            let plain: Vec<Problem> = sqlx::query(
                "SELECT n.account, n.from_date, n.to_date, o.from_date, o.to_date, f.name \
                 FROM statements n JOIN statements o ON o.account = n.account AND o.file_id <> n.file_id \
                   AND o.from_date <= n.to_date AND n.from_date <= o.to_date \
                 JOIN files f ON f.id = o.file_id \
                 WHERE n.id BETWEEN $1 AND $2 ORDER BY n.position, o.from_date, o.file_id, o.position LIMIT 100",
            )
            .bind(first)
            .bind(last)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let day = |i| r.get::<NaiveDate, _>(i);
                overlap_problem(&r.get::<String, _>(0), &day(1), &day(2), (&day(3), &day(4)), &r.get::<String, _>(5))
            })
            .collect();
            assert_eq!(found, plain, "round {round}");
            let (from_min, to_max, account_min, account_max) = meeting;
            let meets: bool = sqlx::query_scalar(ANY_FILE_MEETS)
                .bind(from_min)
                .bind(to_max)
                .bind(account_min)
                .bind(account_max)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            if !plain.is_empty() {
                rejected += 1;
            } else if meets {
                compared += 1;
            } else {
                apart += 1;
            }
        }
        assert!(
            rejected > 20 && compared > 20 && apart > 20,
            "every outcome is tried: {rejected} rejected, {compared} compared and accepted, {apart} with no file to compare"
        );
    }
}
