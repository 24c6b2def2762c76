//! Writing one streamed file into SQLite in one transaction, on a blocking thread through a
//! plain `rusqlite` connection: each record is inserted with a cached prepared statement as it
//! arrives (no SQL text built per chunk, no worker thread between the job and the database).
//! Rosters become a new version of their period; payment batches: a `lote` already stored with
//! the same content is skipped, with other content is a conflict, a reused `referencia` is
//! refused; statements are refused when they overlap a stored statement of the same account.
//! The checks are made as the rows go in, so the database's constraints decide.

use crate::domain::money::to_cents;
use crate::domain::Period;
use crate::formats::stream::Record;
use crate::formats::{Format, Instruction, Problem, RosterRow, Statement};
use crate::store::writing::{
    earlier, overlap_problem, record_rows, reused_referencia_problem, touched_period, FileStream, LoteState,
    Lotes, Message, StatementBounds, PENDING_HASH,
};
use crate::store::{FileMeta, Stored, StreamedFile};
use chrono::{Datelike, NaiveDate};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{
    params, CachedStatement, Connection, ErrorCode, OptionalExtension, ToSql, Transaction,
    TransactionBehavior,
};

/// Receives a file's messages and writes it (see the module doc). Blocking.
pub(super) fn store_stream(
    conn: &mut Connection,
    meta: &FileMeta,
    stream: &mut FileStream,
    grace_days: u32,
) -> anyhow::Result<StreamedFile> {
    let Some(Message::Start(format)) = stream.blocking_next() else {
        anyhow::bail!("the parser ended before it recognised the file");
    };
    // IMMEDIATE: the write lock is taken now, not half-way through the file.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let file_id: i64 = tx.query_row(
        "INSERT INTO files (sha256, name, size, kind, format, status, archive_path, received_at, run_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'INGESTED', ?6, ?7, ?8) RETURNING id",
        params![
            meta.sha256,
            meta.name,
            meta.size as i64,
            format.kind(),
            format.name(),
            meta.archive_path,
            meta.received_at,
            meta.run_id
        ],
        |r| r.get(0),
    )?;
    let mut writer = FileWriter::new(&format, file_id, grace_days, &tx)?;
    let mut rows = 0u64;
    let outcome = loop {
        match stream.blocking_next() {
            Some(Message::Records(records)) => {
                rows += records.iter().map(record_rows).sum::<u64>();
                for record in records {
                    writer.put(&tx, record)?;
                }
            }
            Some(Message::End(outcome)) => break outcome,
            Some(Message::Start(_)) | None => anyhow::bail!("the parser stopped before the end of the file"),
        }
    };
    let stored = if outcome.is_valid() {
        writer.finish(&tx)?
    } else {
        drop(writer);
        Stored::Rejected(outcome.problems.clone())
    };
    match &stored {
        Stored::Rejected(_) => tx.rollback()?,
        Stored::DuplicateContent => {
            tx.execute("UPDATE files SET status = 'DUPLICATE' WHERE id = ?1", params![file_id])?;
            tx.commit()?;
        }
        Stored::Ingested { earliest_touched } => {
            if let Some(p) = earliest_touched {
                tx.execute(
                    "INSERT INTO dirty_periods (period) VALUES (?1) ON CONFLICT DO NOTHING",
                    params![p.to_string()],
                )?;
            }
            tx.commit()?;
        }
    }
    Ok(StreamedFile { outcome, stored, rows, store_busy: std::time::Duration::ZERO })
}

/// The writer of one file, by the kind of its content, with its prepared inserts (prepared
/// once per file: no statement-cache lookup per row).
enum FileWriter<'t> {
    Roster(RosterWriter<'t>),
    Payments(PaymentsWriter<'t>),
    Statements(StatementsWriter<'t>),
    /// An unknown file: nothing to write (its parser reported why).
    Nothing,
}

impl<'t> FileWriter<'t> {
    fn new(format: &Format, file_id: i64, grace_days: u32, tx: &'t Transaction<'_>) -> anyhow::Result<Self> {
        Ok(match format.kind() {
            "roster" => Self::Roster(RosterWriter {
                insert: tx.prepare_cached(
                    "INSERT INTO roster_rows (roster_id, position, dni, nombres, apellido_paterno, apellido_materno, \
                     ubigeo, departamento, provincia, distrito, grupo, estado, cuenta, monto_cents, agencia, distancia_km) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                )?,
                file_id,
                roster: None,
                position: 0,
            }),
            "payments" => Self::Payments(PaymentsWriter {
                insert: tx.prepare_cached(
                    "INSERT INTO instructions (lote, periodo, dni, cuenta, monto_cents, referencia, file_id, position) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?,
                file_id,
                lotes: Lotes::default(),
                position: 0,
                problems: Vec::new(),
            }),
            "statements" => {
                let first_statement_id = next_id(tx, "statements")?;
                let first_entry_id = next_id(tx, "entries")?;
                Self::Statements(StatementsWriter {
                    insert_statement: tx.prepare_cached(
                        "INSERT INTO statements (id, file_id, position, account, from_date, to_date, opening_cents, \
                         closing_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )?,
                    insert_entry: tx.prepare_cached(
                        "INSERT INTO entries (id, statement_id, file_id, position, account, booking_date, value_date, \
                         amount_cents, reversal, referencia, kind, description) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    )?,
                    file_id,
                    grace_days,
                    first_statement_id,
                    next_statement_id: first_statement_id,
                    first_entry_id,
                    next_entry_id: first_entry_id,
                    statement_position: 0,
                    entry_position: 0,
                    bounds: StatementBounds::default(),
                    booking_span: None,
                })
            }
            _ => Self::Nothing,
        })
    }

    fn put(&mut self, tx: &Transaction<'_>, record: Record) -> anyhow::Result<()> {
        match (self, record) {
            (Self::Roster(w), Record::RosterRow(row)) => w.put(tx, &row),
            (Self::Payments(w), Record::Instruction(instruction)) => w.put(tx, &instruction),
            (Self::Statements(w), Record::Statement(statement)) => w.put(&statement),
            (_, record) => anyhow::bail!("a parser sent a record its format does not hold: {record:?}"),
        }
    }

    /// Runs the checks against what is stored.
    fn finish(self, tx: &Transaction<'_>) -> anyhow::Result<Stored> {
        match self {
            Self::Roster(w) => Ok(match w.roster {
                Some((_, period)) => Stored::Ingested { earliest_touched: Some(period) },
                None => Stored::Rejected(vec![Problem::in_file("", "nothing to store")]),
            }),
            Self::Payments(w) => w.finish(tx),
            Self::Statements(w) => w.finish(tx),
            Self::Nothing => Ok(Stored::Rejected(vec![Problem::in_file("", "nothing to store")])),
        }
    }
}

fn next_id(tx: &Transaction<'_>, table: &str) -> anyhow::Result<i64> {
    let max: i64 = tx.query_row(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"), [], |r| r.get(0))?;
    Ok(max + 1)
}

struct RosterWriter<'t> {
    insert: CachedStatement<'t>,
    file_id: i64,
    /// The roster's id and period, from its first row.
    roster: Option<(i64, Period)>,
    position: i64,
}

impl RosterWriter<'_> {
    fn put(&mut self, tx: &Transaction<'_>, r: &RosterRow) -> anyhow::Result<()> {
        let roster_id = match self.roster {
            Some((id, _)) => id,
            None => {
                let p = r.periodo.to_string();
                let version: i64 = tx.query_row(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM rosters WHERE period = ?1",
                    params![p],
                    |row| row.get(0),
                )?;
                let id: i64 = tx.query_row(
                    "INSERT INTO rosters (file_id, period, version) VALUES (?1, ?2, ?3) RETURNING id",
                    params![self.file_id, p, version],
                    |row| row.get(0),
                )?;
                self.roster = Some((id, r.periodo));
                id
            }
        };
        self.insert.execute(params![
            roster_id,
            self.position,
            r.dni.as_str(),
            r.nombres,
            r.apellido_paterno,
            r.apellido_materno,
            r.ubigeo.as_str(),
            r.departamento,
            r.provincia,
            r.distrito,
            r.grupo.as_str(),
            r.estado.as_str(),
            r.cuenta.as_str(),
            to_cents(r.monto),
            r.agencia,
            r.distancia_km.map(|d| d.to_string()),
        ])?;
        self.position += 1;
        Ok(())
    }
}

struct PaymentsWriter<'t> {
    insert: CachedStatement<'t>,
    file_id: i64,
    lotes: Lotes,
    /// Position in the file of the next instruction (skipped ones count too).
    position: i64,
    problems: Vec<Problem>,
}

impl PaymentsWriter<'_> {
    fn put(&mut self, tx: &Transaction<'_>, i: &Instruction) -> anyhow::Result<()> {
        if !self.lotes.states.contains_key(&i.lote) {
            let stored: Option<String> = tx
                .query_row("SELECT content_hash FROM batches WHERE lote = ?1", params![i.lote], |r| r.get(0))
                .optional()?;
            if stored.is_none() {
                // The hash is known at the end of the file; `finish` writes it.
                tx.execute(
                    "INSERT INTO batches (lote, file_id, content_hash) VALUES (?1, ?2, ?3)",
                    params![i.lote, self.file_id, PENDING_HASH],
                )?;
            }
            self.lotes.order.push(i.lote.clone());
            self.lotes.states.insert(
                i.lote.clone(),
                LoteState { stored_hash: stored, hash: Default::default(), earliest: None },
            );
        }
        let Some(state) = self.lotes.states.get_mut(&i.lote) else { return Ok(()) };
        state.hash.add(i);
        state.earliest = earlier(state.earliest, i.periodo);
        let position = self.position;
        self.position += 1;
        if state.stored_hash.is_some() {
            return Ok(());
        }
        let inserted = self.insert.execute(params![
            i.lote,
            i.periodo.to_string(),
            i.dni.as_str(),
            i.cuenta.as_str(),
            to_cents(i.monto),
            i.referencia,
            self.file_id,
            position
        ]);
        match inserted {
            Ok(_) => Ok(()),
            Err(error) if is_unique_violation(&error) => {
                let other: Option<String> = tx
                    .query_row(
                        "SELECT lote FROM instructions WHERE referencia = ?1 AND file_id <> ?2",
                        params![i.referencia, self.file_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                self.problems.push(reused_referencia_problem(i, other.as_deref()));
                Ok(())
            }
            Err(error) => Err(error.into()),
        }
    }

    fn finish(mut self, tx: &Transaction<'_>) -> anyhow::Result<Stored> {
        let (conflicts, stored_any, earliest) = self.lotes.settle();
        self.problems.extend(conflicts);
        if !self.problems.is_empty() {
            return Ok(Stored::Rejected(self.problems));
        }
        for lote in &self.lotes.order {
            let state = &self.lotes.states[lote];
            if state.stored_hash.is_none() {
                tx.execute(
                    "UPDATE batches SET content_hash = ?1 WHERE lote = ?2",
                    params![state.hash.hex(), lote],
                )?;
            }
        }
        if !stored_any {
            return Ok(Stored::DuplicateContent);
        }
        Ok(Stored::Ingested { earliest_touched: earliest })
    }
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _)
        if e.code == ErrorCode::ConstraintViolation && e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

struct StatementsWriter<'t> {
    insert_statement: CachedStatement<'t>,
    insert_entry: CachedStatement<'t>,
    file_id: i64,
    grace_days: u32,
    /// This file's statements have ids from here to `next_statement_id - 1` (the overlap
    /// check reads them by id range, not by scanning for the file).
    first_statement_id: i64,
    next_statement_id: i64,
    /// Likewise for its entries.
    first_entry_id: i64,
    next_entry_id: i64,
    statement_position: i64,
    entry_position: i64,
    /// What its statements span, and the least and greatest booking date of its entries: with
    /// the id ranges, its row of `file_spans`, by which the period's reads find it and the
    /// overlap check compares files ([`overlapping_stored`]). The least first day and booking
    /// date also give the earliest period the file touches.
    bounds: StatementBounds,
    booking_span: Option<(NaiveDate, NaiveDate)>,
}

/// `span` widened to hold `day`.
fn widened(span: Option<(NaiveDate, NaiveDate)>, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    Some(span.map_or((day, day), |(least, greatest)| (least.min(day), greatest.max(day))))
}

impl StatementsWriter<'_> {
    fn put(&mut self, s: &Statement) -> anyhow::Result<()> {
        let statement_id = self.next_statement_id;
        self.next_statement_id += 1;
        self.bounds.widen(&s.account, s.from, s.to);
        self.insert_statement.execute(params![
            statement_id,
            self.file_id,
            self.statement_position,
            s.account,
            IsoDate::of(s.from),
            IsoDate::of(s.to),
            to_cents(s.opening),
            to_cents(s.closing)
        ])?;
        self.statement_position += 1;
        for e in &s.entries {
            self.booking_span = widened(self.booking_span, e.booking_date);
            self.insert_entry.execute(params![
                self.next_entry_id,
                statement_id,
                self.file_id,
                self.entry_position,
                s.account,
                IsoDate::of(e.booking_date),
                e.value_date.map(IsoDate::of),
                to_cents(e.amount),
                e.reversal,
                e.referencia,
                e.kind.code(),
                e.description
            ])?;
            self.next_entry_id += 1;
            self.entry_position += 1;
        }
        Ok(())
    }

    fn finish(self, tx: &Transaction<'_>) -> anyhow::Result<Stored> {
        let (Some((from_min, to_max, account_min, account_max)), Some((_, from_max))) =
            (self.bounds.meeting(), self.bounds.first_days)
        else {
            // No statement: nothing stored, nothing to check.
            return Ok(Stored::Ingested { earliest_touched: None });
        };
        let bounds = FileBounds {
            ids: (self.first_statement_id, self.next_statement_id - 1),
            days: (IsoDate::of(from_min), IsoDate::of(to_max)),
            accounts: (account_min, account_max),
        };
        let overlaps = overlapping_stored(tx, &bounds)?;
        if !overlaps.is_empty() {
            return Ok(Stored::Rejected(overlaps));
        }
        let (first_entry, last_entry, booking_min, booking_max) = match self.booking_span {
            Some((least, greatest)) => (
                Some(self.first_entry_id),
                Some(self.next_entry_id - 1),
                Some(IsoDate::of(least)),
                Some(IsoDate::of(greatest)),
            ),
            None => (None, None, None, None),
        };
        tx.execute(
            "INSERT INTO file_spans (file_id, first_statement, last_statement, from_min, from_max, to_max, \
             account_min, account_max, first_entry, last_entry, booking_min, booking_max) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                self.file_id,
                bounds.ids.0,
                bounds.ids.1,
                bounds.days.0,
                IsoDate::of(from_max),
                bounds.days.1,
                account_min,
                account_max,
                first_entry,
                last_entry,
                booking_min,
                booking_max,
            ],
        )?;
        // `touched_period` never decreases with the day, so the least day gives the earliest.
        let least =
            [self.bounds.first_days, self.booking_span].into_iter().flatten().map(|(least, _)| least).min();
        Ok(Stored::Ingested { earliest_touched: least.map(|day| touched_period(day, self.grace_days)) })
    }
}

/// What a new statement file spans: its statements' ids, the first day of its earliest
/// statement and the last day of its latest, its least and greatest account.
struct FileBounds<'a> {
    ids: (i64, i64),
    days: (IsoDate, IsoDate),
    accounts: (&'a str, &'a str),
}

/// Statements of this file that overlap a statement already stored for the same account.
///
/// A stored statement lies inside its file's bounds (`file_spans`: first days, last days,
/// accounts), so it can overlap one of the new file's only if the two files' bounds meet. The
/// check first asks whether any stored file's do ([`ANY_FILE_MEETS`]): daily files never do,
/// whatever their size, and no row of `statements` is read. Only when some do (a file sent
/// twice under two names, a corrected file, a day split into files whose accounts interleave)
/// are those files' statements compared with the new ones by account ([`OVERLAPS`]): a scan of
/// their rows by id, each looked up in a temporary index of the new file's accounts.
///
/// There is no index of `statements` by account: keeping one cost an insert at a random place
/// for every statement stored, ~5 s of the 700,000-woman month (migration 0009).
fn overlapping_stored(tx: &Transaction<'_>, bounds: &FileBounds<'_>) -> anyhow::Result<Vec<Problem>> {
    let meets = params![bounds.days.0, bounds.days.1, bounds.accounts.0, bounds.accounts.1];
    let any: bool = tx.prepare_cached(ANY_FILE_MEETS)?.query_row(meets, |r| r.get(0))?;
    if !any {
        return Ok(Vec::new());
    }
    let mut stmt = tx.prepare(OVERLAPS)?;
    let problems = stmt
        .query_map(
            params![
                bounds.days.0,
                bounds.days.1,
                bounds.accounts.0,
                bounds.accounts.1,
                bounds.ids.0,
                bounds.ids.1
            ],
            |r| {
                let text = |i| r.get::<_, String>(i);
                let (from, to, stored_from, stored_to) = (text(1)?, text(2)?, text(3)?, text(4)?);
                Ok(overlap_problem(&text(0)?, &from, &to, (&stored_from, &stored_to), &text(5)?))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(problems)
}

/// The stored files (`c`) whose bounds meet a new file's: first days `?1..=?2`, accounts
/// `?3..=?4`.
macro_rules! meets {
    () => {
        "c.from_min <= ?2 AND c.to_max >= ?1 AND c.account_min <= ?4 AND c.account_max >= ?3"
    };
}

const ANY_FILE_MEETS: &str = concat!("SELECT EXISTS (SELECT 1 FROM file_spans c WHERE ", meets!(), ")");

/// The stored statements of the files whose bounds meet, against the new file's (ids
/// `?5..=?6`). CROSS JOIN fixes the order: the files, their statements by id, then the new
/// file's statements, materialised first so that SQLite looks them up in a temporary index by
/// account. Left to itself, SQLite would build that index over every stored statement.
const OVERLAPS: &str = concat!(
    "WITH n AS MATERIALIZED (SELECT position, account, from_date, to_date FROM statements WHERE id BETWEEN ?5 AND ?6) \
     SELECT n.account, n.from_date, n.to_date, o.from_date, o.to_date, f.name \
     FROM file_spans c \
     CROSS JOIN statements o ON o.id BETWEEN c.first_statement AND c.last_statement \
     CROSS JOIN n ON n.account = o.account AND o.from_date <= n.to_date AND n.from_date <= o.to_date \
     CROSS JOIN files f ON f.id = c.file_id \
     WHERE ",
    meets!(),
    " ORDER BY n.position, o.from_date LIMIT 100"
);

/// A date bound as its `YYYY-MM-DD` text, written on the stack instead of through a `String`
/// per row (the same text as `NaiveDate::to_string`, which years outside 0–9999 still use).
enum IsoDate {
    Short([u8; 10]),
    Long(String),
}

impl IsoDate {
    fn of(date: NaiveDate) -> Self {
        let Ok(year) = u32::try_from(date.year()) else { return Self::Long(date.to_string()) };
        if year > 9999 {
            return Self::Long(date.to_string());
        }
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let (month, day) = (date.month(), date.day());
        Self::Short([
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ])
    }
}

impl ToSql for IsoDate {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(match self {
            Self::Short(bytes) => bytes,
            Self::Long(text) => text.as_bytes(),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn dates_are_bound_as_their_iso_text() {
        let conn = Connection::open_in_memory().unwrap();
        let days = [
            (2012, 7, 1),
            (1999, 12, 31),
            (2024, 2, 29),
            (1, 1, 1),
            (0, 3, 4),
            (9999, 12, 31),
            (10000, 1, 1),
            (-5, 6, 7),
        ];
        for (y, m, d) in days {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let bound: String = conn.query_row("SELECT ?1", [IsoDate::of(date)], |r| r.get(0)).unwrap();
            assert_eq!(bound, date.to_string());
        }
    }

    /// The check through the files' bounds finds exactly what the plain query does (every
    /// stored statement of the account that intersects, in coverage order), on random
    /// histories of files whose days and accounts meet or not, of statements that do not
    /// overlap each other, against new files whose statements do not either.
    #[test]
    fn the_overlap_check_finds_every_stored_statement_a_new_one_intersects() {
        const PLAIN: &str = "SELECT n.account, n.from_date, n.to_date, o.from_date, o.to_date, f.name \
             FROM statements n JOIN statements o ON o.account = n.account AND o.file_id <> n.file_id \
               AND o.from_date <= n.to_date AND n.from_date <= o.to_date \
             JOIN files f ON f.id = o.file_id \
             WHERE n.id BETWEEN ?1 AND ?2 ORDER BY n.position, o.from_date LIMIT 100";
        // The bounds of every file, as migration 0009 computes them for a stored database.
        const SPANS: &str = "INSERT INTO file_spans (file_id, first_statement, last_statement, from_min, from_max, \
             to_max, account_min, account_max) SELECT file_id, MIN(id), MAX(id), MIN(from_date), MAX(from_date), \
             MAX(to_date), MIN(account), MAX(account) FROM statements WHERE file_id = ?1 GROUP BY file_id";
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let day0 = NaiveDate::from_ymd_opt(2012, 7, 1).unwrap();
        let day = |n: i64| (day0 + chrono::Days::new(n as u64)).to_string();
        let (mut found, mut clean, mut apart) = (0, 0, 0);
        for round in 0..300 {
            let mut conn = Connection::open_in_memory().unwrap();
            conn.execute_batch(
                "CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                 CREATE TABLE statements (id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, position INTEGER NOT NULL,
                   account TEXT NOT NULL, from_date TEXT NOT NULL, to_date TEXT NOT NULL);
                 CREATE TABLE file_spans (file_id INTEGER PRIMARY KEY, first_statement INTEGER NOT NULL,
                   last_statement INTEGER NOT NULL, from_min TEXT NOT NULL, from_max TEXT NOT NULL,
                   to_max TEXT NOT NULL, account_min TEXT NOT NULL, account_max TEXT NOT NULL,
                   first_entry INTEGER, last_entry INTEGER, booking_min TEXT, booking_max TEXT);",
            )
            .unwrap();
            let mut id = 1;
            let insert = |conn: &Connection, file: i64, account: &str, from: i64, to: i64, id: &mut i64| {
                conn.execute(
                    "INSERT INTO statements VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![*id, file, *id, account, day(from), day(to)],
                )
                .unwrap();
                *id += 1;
            };
            // Stored files, each of some of the accounts, whose coverages per account follow
            // each other.
            let files = rng.gen_range(1..5);
            let mut ends = std::collections::HashMap::new();
            for file in 1..=files {
                conn.execute("INSERT INTO files VALUES (?1, ?2)", params![file, format!("f{file}")]).unwrap();
                for account in ["A", "B", "C"] {
                    if rng.gen_bool(0.3) {
                        continue;
                    }
                    let end: &mut i64 = ends.entry(account).or_insert(0);
                    for _ in 0..rng.gen_range(0..4) {
                        let from = *end + rng.gen_range(0..4);
                        let to = from + rng.gen_range(0..6);
                        insert(&conn, file, account, from, to, &mut id);
                        *end = to + 1;
                    }
                }
                conn.execute(SPANS, params![file]).unwrap();
            }
            let first = id;
            let new_file = files + 1;
            conn.execute("INSERT INTO files VALUES (?1, 'new')", params![new_file]).unwrap();
            for account in ["A", "B", "C", "D"] {
                if rng.gen_bool(0.4) {
                    continue;
                }
                let mut end = rng.gen_range(0..60);
                for _ in 0..rng.gen_range(0..4) {
                    let from = end + rng.gen_range(0..4);
                    let to = from + rng.gen_range(0..8);
                    insert(&conn, new_file, account, from, to, &mut id);
                    end = to + 1;
                }
            }
            if id == first {
                continue;
            }
            let (from_min, to_max, account_min, account_max): (String, String, String, String) = conn
                .query_row(
                    "SELECT MIN(from_date), MAX(to_date), MIN(account), MAX(account) FROM statements WHERE file_id = ?1",
                    params![new_file],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .unwrap();
            let iso = |text: &str| IsoDate::of(text.parse().unwrap());
            let bounds = FileBounds {
                ids: (first, id - 1),
                days: (iso(&from_min), iso(&to_max)),
                accounts: (&account_min, &account_max),
            };
            let tx = conn.transaction().unwrap();
            if round == 0 {
                // The stored statements are read by id and the new ones looked up by account,
                // never the other way round (an index built over every stored statement).
                let plan: Vec<String> = tx
                    .prepare(&format!("EXPLAIN QUERY PLAN {OVERLAPS}"))
                    .unwrap()
                    .query_map(params![0, 0, 0, 0, 0, 0], |r| r.get(3))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                assert!(
                    plan.iter().any(|step| step.starts_with("SEARCH o USING INTEGER PRIMARY KEY")),
                    "{plan:?}"
                );
                assert!(plan.iter().any(|step| step.starts_with("SEARCH n USING AUTOMATIC")), "{plan:?}");
            }
            let bounded = overlapping_stored(&tx, &bounds).unwrap();
            let mut plain = tx.prepare(PLAIN).unwrap();
            let expected: Vec<Problem> = plain
                .query_map(params![first, id - 1], |r| {
                    let text = |i| r.get::<_, String>(i);
                    Ok(overlap_problem(&text(0)?, &text(1)?, &text(2)?, (&text(3)?, &text(4)?), &text(5)?))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(bounded, expected, "round {round}");
            // When no stored file's bounds meet the new file's, no statement is read.
            let meets = params![bounds.days.0, bounds.days.1, bounds.accounts.0, bounds.accounts.1];
            let any: bool = tx.query_row(ANY_FILE_MEETS, meets, |r| r.get(0)).unwrap();
            assert!(any || expected.is_empty(), "round {round}");
            found += expected.len();
            clean += usize::from(any && expected.is_empty());
            apart += usize::from(!any);
        }
        assert!(found > 50, "the rounds should find overlaps: {found}");
        assert!(clean > 20, "some rounds should compare files and find none: {clean}");
        assert!(apart > 20, "some rounds should find no file to compare with: {apart}");
    }
}
