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
    Lotes, Message, PENDING_HASH,
};
use crate::store::{FileMeta, Stored, StreamedFile};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior};

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
    let stored =
        if outcome.is_valid() { writer.finish(&tx)? } else { Stored::Rejected(outcome.problems.clone()) };
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

/// The writer of one file, by the kind of its content.
enum FileWriter {
    Roster(RosterWriter),
    Payments(PaymentsWriter),
    Statements(StatementsWriter),
    /// An unknown file: nothing to write (its parser reported why).
    Nothing,
}

impl FileWriter {
    fn new(format: &Format, file_id: i64, grace_days: u32, tx: &Transaction<'_>) -> anyhow::Result<Self> {
        Ok(match format.kind() {
            "roster" => Self::Roster(RosterWriter { file_id, roster: None, position: 0 }),
            "payments" => Self::Payments(PaymentsWriter {
                file_id,
                lotes: Lotes::default(),
                position: 0,
                problems: Vec::new(),
            }),
            "statements" => {
                let first_statement_id = next_id(tx, "statements")?;
                Self::Statements(StatementsWriter {
                    file_id,
                    grace_days,
                    first_statement_id,
                    next_statement_id: first_statement_id,
                    next_entry_id: next_id(tx, "entries")?,
                    statement_position: 0,
                    entry_position: 0,
                    earliest: None,
                })
            }
            _ => Self::Nothing,
        })
    }

    fn put(&mut self, tx: &Transaction<'_>, record: Record) -> anyhow::Result<()> {
        match (self, record) {
            (Self::Roster(w), Record::RosterRow(row)) => w.put(tx, &row),
            (Self::Payments(w), Record::Instruction(instruction)) => w.put(tx, &instruction),
            (Self::Statements(w), Record::Statement(statement)) => w.put(tx, &statement),
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

struct RosterWriter {
    file_id: i64,
    /// The roster's id and period, from its first row.
    roster: Option<(i64, Period)>,
    position: i64,
}

impl RosterWriter {
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
        tx.prepare_cached(
            "INSERT INTO roster_rows (roster_id, position, dni, nombres, apellido_paterno, apellido_materno, ubigeo, \
             departamento, provincia, distrito, grupo, estado, cuenta, monto_cents, agencia, distancia_km) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
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

struct PaymentsWriter {
    file_id: i64,
    lotes: Lotes,
    /// Position in the file of the next instruction (skipped ones count too).
    position: i64,
    problems: Vec<Problem>,
}

impl PaymentsWriter {
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
        let inserted = tx
            .prepare_cached(
                "INSERT INTO instructions (lote, periodo, dni, cuenta, monto_cents, referencia, file_id, position) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
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

struct StatementsWriter {
    file_id: i64,
    grace_days: u32,
    /// This file's statements have ids from here to `next_statement_id - 1` (the overlap
    /// check reads them by id range, not by scanning for the file).
    first_statement_id: i64,
    next_statement_id: i64,
    next_entry_id: i64,
    statement_position: i64,
    entry_position: i64,
    earliest: Option<Period>,
}

impl StatementsWriter {
    fn put(&mut self, tx: &Transaction<'_>, s: &Statement) -> anyhow::Result<()> {
        let statement_id = self.next_statement_id;
        self.next_statement_id += 1;
        self.earliest = earlier(self.earliest, touched_period(s.from, self.grace_days));
        tx.prepare_cached(
            "INSERT INTO statements (id, file_id, position, account, from_date, to_date, opening_cents, closing_cents) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            statement_id,
            self.file_id,
            self.statement_position,
            s.account,
            s.from.to_string(),
            s.to.to_string(),
            to_cents(s.opening),
            to_cents(s.closing)
        ])?;
        self.statement_position += 1;
        let mut insert = tx.prepare_cached(
            "INSERT INTO entries (id, statement_id, file_id, position, account, booking_date, value_date, \
             amount_cents, reversal, referencia, kind, description) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for e in &s.entries {
            self.earliest = earlier(self.earliest, touched_period(e.booking_date, self.grace_days));
            insert.execute(params![
                self.next_entry_id,
                statement_id,
                self.file_id,
                self.entry_position,
                s.account,
                e.booking_date.to_string(),
                e.value_date.map(|d| d.to_string()),
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
        let overlaps = overlapping_stored(tx, (self.first_statement_id, self.next_statement_id - 1))?;
        if !overlaps.is_empty() {
            return Ok(Stored::Rejected(overlaps));
        }
        Ok(Stored::Ingested { earliest_touched: self.earliest })
    }
}

/// Statements of this file that overlap a statement already stored for the same account.
fn overlapping_stored(tx: &Transaction<'_>, ids: (i64, i64)) -> anyhow::Result<Vec<Problem>> {
    let mut stmt = tx.prepare(
        "SELECT n.account, n.from_date, n.to_date, o.from_date, o.to_date, f.name \
         FROM statements n JOIN statements o ON o.account = n.account AND o.file_id <> n.file_id \
           AND o.from_date <= n.to_date AND n.from_date <= o.to_date \
         JOIN files f ON f.id = o.file_id \
         WHERE n.id BETWEEN ?1 AND ?2 ORDER BY n.position LIMIT 100",
    )?;
    let problems = stmt
        .query_map(params![ids.0, ids.1], |r| {
            let text = |i| r.get::<_, String>(i);
            let (from, to, stored_from, stored_to) = (text(1)?, text(2)?, text(3)?, text(4)?);
            Ok(overlap_problem(&text(0)?, &from, &to, (&stored_from, &stored_to), &text(5)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(problems)
}
