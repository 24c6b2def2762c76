//! Writing one streamed file's records into its SQLite transaction, a chunk at a time:
//! rosters (a new version of the period), payment batches (a `lote` already stored with the
//! same content is skipped, with other content is a conflict; a reused `referencia` is
//! refused) and statements (refused when they overlap a stored statement of the same account).
//! The checks are made after inserting, so the database's constraints decide.

use crate::domain::money::to_cents;
use crate::domain::Period;
use crate::formats::stream::Record;
use crate::formats::{Format, Instruction, Problem, RosterRow, Statement};
use crate::store::writing::{earlier, touched_period, LoteState, Lotes, PENDING_HASH};
use crate::store::Stored;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

/// Rows per multi-row INSERT (SQLite allows 32,766 bound variables).
const CHUNK: usize = 1000;

type Tx<'c> = Transaction<'c, Sqlite>;

/// The writer of one file, by the kind of its content.
pub(super) enum FileWriter {
    Roster(RosterWriter),
    Payments(PaymentsWriter),
    Statements(StatementsWriter),
    /// An unknown file: nothing to write (its parser reported why).
    Nothing,
}

impl FileWriter {
    pub async fn new(
        format: &Format,
        file_id: i64,
        grace_days: u32,
        tx: &mut Tx<'_>,
    ) -> anyhow::Result<Self> {
        Ok(match format.kind() {
            "roster" => Self::Roster(RosterWriter { file_id, roster: None, position: 0, rows: Vec::new() }),
            "payments" => Self::Payments(PaymentsWriter {
                file_id,
                lotes: Lotes::default(),
                position: 0,
                pending: Vec::with_capacity(CHUNK),
                problems: Vec::new(),
            }),
            "statements" => Self::Statements(StatementsWriter {
                file_id,
                grace_days,
                next_statement_id: next_id(tx, "statements").await?,
                next_entry_id: next_id(tx, "entries").await?,
                statement_position: 0,
                entry_position: 0,
                statements: Vec::with_capacity(CHUNK),
                entries: Vec::with_capacity(CHUNK),
                earliest: None,
            }),
            _ => Self::Nothing,
        })
    }

    pub async fn write(&mut self, tx: &mut Tx<'_>, records: Vec<Record>) -> anyhow::Result<()> {
        for record in records {
            match (&mut *self, record) {
                (Self::Roster(w), Record::RosterRow(row)) => w.put(tx, row).await?,
                (Self::Payments(w), Record::Instruction(instruction)) => w.put(tx, instruction).await?,
                (Self::Statements(w), Record::Statement(statement)) => w.put(tx, statement).await?,
                (_, record) => anyhow::bail!("a parser sent a record its format does not hold: {record:?}"),
            }
        }
        Ok(())
    }

    /// Writes what is pending and runs the checks against what is stored.
    pub async fn finish(self, tx: &mut Tx<'_>) -> anyhow::Result<Stored> {
        match self {
            Self::Roster(w) => w.finish(tx).await,
            Self::Payments(w) => w.finish(tx).await,
            Self::Statements(w) => w.finish(tx).await,
            Self::Nothing => Ok(Stored::Rejected(vec![Problem::in_file("", "nothing to store")])),
        }
    }
}

async fn next_id(tx: &mut Tx<'_>, table: &str) -> anyhow::Result<i64> {
    let max: i64 =
        sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}")).fetch_one(&mut **tx).await?;
    Ok(max + 1)
}

pub(super) struct RosterWriter {
    file_id: i64,
    /// The roster's id and period, from its first row.
    roster: Option<(i64, Period)>,
    position: i64,
    rows: Vec<RosterRow>,
}

impl RosterWriter {
    async fn put(&mut self, tx: &mut Tx<'_>, row: RosterRow) -> anyhow::Result<()> {
        if self.roster.is_none() {
            let p = row.periodo.to_string();
            let version: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM rosters WHERE period = ?")
                    .bind(&p)
                    .fetch_one(&mut **tx)
                    .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rosters (file_id, period, version) VALUES (?, ?, ?) RETURNING id",
            )
            .bind(self.file_id)
            .bind(&p)
            .bind(version)
            .fetch_one(&mut **tx)
            .await?;
            self.roster = Some((id, row.periodo));
        }
        self.rows.push(row);
        if self.rows.len() >= CHUNK {
            self.flush(tx).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut Tx<'_>) -> anyhow::Result<()> {
        let Some((roster_id, _)) = self.roster else { return Ok(()) };
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO roster_rows (roster_id, position, dni, nombres, apellido_paterno, apellido_materno, ubigeo, \
             departamento, provincia, distrito, grupo, estado, cuenta, monto_cents, agencia, distancia_km) ",
        );
        let first = self.position;
        qb.push_values(self.rows.iter().zip(first..), |mut b, (r, position)| {
            b.push_bind(roster_id)
                .push_bind(position)
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
        self.position += self.rows.len() as i64;
        self.rows.clear();
        Ok(())
    }

    async fn finish(mut self, tx: &mut Tx<'_>) -> anyhow::Result<Stored> {
        self.flush(tx).await?;
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
    /// Instructions of new lotes waiting for the next INSERT, with their positions.
    pending: Vec<(Instruction, i64)>,
    problems: Vec<Problem>,
}

impl PaymentsWriter {
    async fn put(&mut self, tx: &mut Tx<'_>, instruction: Instruction) -> anyhow::Result<()> {
        if !self.lotes.states.contains_key(&instruction.lote) {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT content_hash FROM batches WHERE lote = ?")
                    .bind(&instruction.lote)
                    .fetch_optional(&mut **tx)
                    .await?;
            if stored.is_none() {
                // The hash is known at the end of the file; `finish` writes it.
                sqlx::query("INSERT INTO batches (lote, file_id, content_hash) VALUES (?, ?, ?)")
                    .bind(&instruction.lote)
                    .bind(self.file_id)
                    .bind(PENDING_HASH)
                    .execute(&mut **tx)
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
            if self.pending.len() >= CHUNK {
                self.flush(tx).await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut Tx<'_>) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO instructions (lote, periodo, dni, cuenta, monto_cents, referencia, file_id, position) ",
        );
        qb.push_values(&self.pending, |mut b, (i, position)| {
            b.push_bind(&i.lote)
                .push_bind(i.periodo.to_string())
                .push_bind(i.dni.as_str())
                .push_bind(i.cuenta.as_str())
                .push_bind(to_cents(i.monto))
                .push_bind(&i.referencia)
                .push_bind(self.file_id)
                .push_bind(*position);
        });
        if let Err(error) = qb.build().execute(&mut **tx).await {
            if is_unique_violation(&error) {
                let problems = reused_references(tx, self.file_id, &self.pending).await?;
                self.problems.extend(problems);
            } else {
                return Err(error.into());
            }
        }
        self.pending.clear();
        Ok(())
    }

    async fn finish(mut self, tx: &mut Tx<'_>) -> anyhow::Result<Stored> {
        self.flush(tx).await?;
        let (conflicts, stored_any, earliest) = self.lotes.settle();
        self.problems.extend(conflicts);
        if !self.problems.is_empty() {
            return Ok(Stored::Rejected(self.problems));
        }
        for lote in &self.lotes.order {
            let state = &self.lotes.states[lote];
            if state.stored_hash.is_none() {
                sqlx::query("UPDATE batches SET content_hash = ? WHERE lote = ?")
                    .bind(state.hash.hex())
                    .bind(lote)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        if !stored_any {
            return Ok(Stored::DuplicateContent);
        }
        Ok(Stored::Ingested { earliest_touched: earliest })
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Names the referencias of `chunk` that another file's lote already uses, in file order.
async fn reused_references(
    tx: &mut Tx<'_>,
    file_id: i64,
    chunk: &[(Instruction, i64)],
) -> anyhow::Result<Vec<Problem>> {
    let mut problems = Vec::new();
    for (i, _) in chunk {
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

/// A statement's row, waiting for the next INSERT.
struct StatementRow {
    id: i64,
    position: i64,
    account: String,
    from: String,
    to: String,
    opening_cents: i64,
    closing_cents: i64,
}

/// An entry's row, waiting for the next INSERT.
struct EntryRow {
    id: i64,
    statement_id: i64,
    position: i64,
    account: String,
    entry: crate::formats::Entry,
}

pub(super) struct StatementsWriter {
    file_id: i64,
    grace_days: u32,
    next_statement_id: i64,
    next_entry_id: i64,
    statement_position: i64,
    entry_position: i64,
    statements: Vec<StatementRow>,
    entries: Vec<EntryRow>,
    earliest: Option<Period>,
}

impl StatementsWriter {
    async fn put(&mut self, tx: &mut Tx<'_>, statement: Statement) -> anyhow::Result<()> {
        let Statement { account, from, to, opening, closing, entries } = statement;
        let statement_id = self.next_statement_id;
        self.next_statement_id += 1;
        self.earliest = earlier(self.earliest, touched_period(from, self.grace_days));
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
            from: from.to_string(),
            to: to.to_string(),
            opening_cents: to_cents(opening),
            closing_cents: to_cents(closing),
        });
        self.statement_position += 1;
        if self.statements.len() >= CHUNK || self.entries.len() >= CHUNK {
            self.flush(tx).await?;
        }
        Ok(())
    }

    /// Inserts the pending statements, then their entries (which refer to them).
    async fn flush(&mut self, tx: &mut Tx<'_>) -> anyhow::Result<()> {
        for chunk in self.statements.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO statements (id, file_id, position, account, from_date, to_date, opening_cents, closing_cents) ",
            );
            qb.push_values(chunk, |mut b, s| {
                b.push_bind(s.id)
                    .push_bind(self.file_id)
                    .push_bind(s.position)
                    .push_bind(&s.account)
                    .push_bind(&s.from)
                    .push_bind(&s.to)
                    .push_bind(s.opening_cents)
                    .push_bind(s.closing_cents);
            });
            qb.build().execute(&mut **tx).await?;
        }
        self.statements.clear();
        for chunk in self.entries.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO entries (id, statement_id, file_id, position, account, booking_date, value_date, \
                 amount_cents, reversal, referencia, kind, description) ",
            );
            qb.push_values(chunk, |mut b, row| {
                let e = &row.entry;
                b.push_bind(row.id)
                    .push_bind(row.statement_id)
                    .push_bind(self.file_id)
                    .push_bind(row.position)
                    .push_bind(&row.account)
                    .push_bind(e.booking_date.to_string())
                    .push_bind(e.value_date.map(|d| d.to_string()))
                    .push_bind(to_cents(e.amount))
                    .push_bind(e.reversal)
                    .push_bind(e.referencia.as_deref())
                    .push_bind(e.kind.code())
                    .push_bind(&e.description);
            });
            qb.build().execute(&mut **tx).await?;
        }
        self.entries.clear();
        Ok(())
    }

    async fn finish(mut self, tx: &mut Tx<'_>) -> anyhow::Result<Stored> {
        self.flush(tx).await?;
        let overlaps = overlapping_stored(tx, self.file_id).await?;
        if !overlaps.is_empty() {
            return Ok(Stored::Rejected(overlaps));
        }
        Ok(Stored::Ingested { earliest_touched: self.earliest })
    }
}

/// Statements of this file that overlap a statement already stored for the same account.
async fn overlapping_stored(tx: &mut Tx<'_>, file_id: i64) -> anyhow::Result<Vec<Problem>> {
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
