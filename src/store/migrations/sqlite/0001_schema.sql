-- alcancia schema for SQLite. Amounts are integer céntimos; dates are ISO text (YYYY-MM-DD).
-- Idempotency lives here: a file's hash, a lote, a referencia and a period's results are unique.

CREATE TABLE files (
    id           INTEGER PRIMARY KEY,          -- delivery order
    sha256       TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    kind         TEXT NOT NULL,                -- roster | payments | statements | unknown
    format       TEXT NOT NULL,                -- csv-roster, camt.053.001.02, mt940 …
    status       TEXT NOT NULL CHECK (status IN ('INGESTED', 'DUPLICATE', 'QUARANTINED')),
    archive_path TEXT NOT NULL,
    error_report TEXT,
    received_at  TEXT NOT NULL,
    run_id       INTEGER
);

-- Every later sighting of an already known file (same bytes): recorded, never re-ingested.
CREATE TABLE file_sightings (
    file_id  INTEGER NOT NULL REFERENCES files (id),
    name     TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    run_id   INTEGER
);

CREATE TABLE rosters (
    id       INTEGER PRIMARY KEY,
    file_id  INTEGER NOT NULL REFERENCES files (id),
    period   TEXT NOT NULL,
    version  INTEGER NOT NULL,
    UNIQUE (period, version)
);

CREATE TABLE roster_rows (
    roster_id        INTEGER NOT NULL REFERENCES rosters (id),
    position         INTEGER NOT NULL,
    dni              TEXT NOT NULL CHECK (length(dni) = 8),
    nombres          TEXT NOT NULL,
    apellido_paterno TEXT NOT NULL,
    apellido_materno TEXT NOT NULL,
    ubigeo           TEXT NOT NULL CHECK (length(ubigeo) = 6),
    departamento     TEXT NOT NULL,
    provincia        TEXT NOT NULL,
    distrito         TEXT NOT NULL,
    grupo            TEXT NOT NULL CHECK (grupo IN ('PILOTO', 'CONTROL')),
    estado           TEXT NOT NULL CHECK (estado IN ('ACTIVO', 'SUSPENDIDO', 'RETIRADO')),
    cuenta           TEXT NOT NULL CHECK (length(cuenta) = 20),
    monto_cents      INTEGER NOT NULL CHECK (monto_cents > 0),
    agencia          TEXT NOT NULL,
    distancia_km     TEXT,
    PRIMARY KEY (roster_id, dni),
    UNIQUE (roster_id, cuenta)
);

CREATE TABLE batches (
    lote          TEXT PRIMARY KEY,
    file_id       INTEGER NOT NULL REFERENCES files (id),
    content_hash  TEXT NOT NULL
);

CREATE TABLE instructions (
    id          INTEGER PRIMARY KEY,
    lote        TEXT NOT NULL REFERENCES batches (lote),
    periodo     TEXT NOT NULL,
    dni         TEXT NOT NULL,
    cuenta      TEXT NOT NULL,
    monto_cents INTEGER NOT NULL,
    referencia  TEXT NOT NULL UNIQUE,
    file_id     INTEGER NOT NULL REFERENCES files (id),
    position    INTEGER NOT NULL
);
CREATE INDEX instructions_by_period ON instructions (periodo);

CREATE TABLE statements (
    id            INTEGER PRIMARY KEY,
    file_id       INTEGER NOT NULL REFERENCES files (id),
    position      INTEGER NOT NULL,
    account       TEXT NOT NULL,
    from_date     TEXT NOT NULL,
    to_date       TEXT NOT NULL,
    opening_cents INTEGER NOT NULL,
    closing_cents INTEGER NOT NULL
);
CREATE INDEX statements_by_account ON statements (account, from_date);
CREATE INDEX statements_by_from ON statements (from_date);

CREATE TABLE entries (
    id            INTEGER PRIMARY KEY,
    statement_id  INTEGER NOT NULL REFERENCES statements (id),
    file_id       INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    account       TEXT NOT NULL,
    booking_date  TEXT NOT NULL,
    value_date    TEXT,
    amount_cents  INTEGER NOT NULL,
    reversal      INTEGER NOT NULL,
    referencia    TEXT,
    kind          TEXT NOT NULL,
    description   TEXT NOT NULL
);
CREATE INDEX entries_by_date ON entries (booking_date);
CREATE INDEX entries_by_statement ON entries (statement_id);

-- Periods whose results must be recomputed: marked in the same transaction as the data that
-- touched them, cleared only after their outputs are written, so a killed run redoes them.
CREATE TABLE dirty_periods (period TEXT PRIMARY KEY);

-- Results per period; recomputing a period replaces them.
CREATE TABLE recon_matches (
    period          TEXT NOT NULL,
    instruction_id  INTEGER NOT NULL UNIQUE,
    entry_id        INTEGER NOT NULL UNIQUE,
    returned_by     INTEGER UNIQUE
);
CREATE INDEX recon_matches_by_period ON recon_matches (period);

CREATE TABLE recon_duplicates (
    period          TEXT NOT NULL,
    instruction_id  INTEGER NOT NULL,
    entry_id        INTEGER NOT NULL UNIQUE,
    offset_by       INTEGER UNIQUE
);
CREATE INDEX recon_duplicates_by_period ON recon_duplicates (period);

CREATE TABLE recon_exceptions (
    period           TEXT NOT NULL,
    ord              INTEGER NOT NULL,
    category         TEXT NOT NULL,
    dni              TEXT NOT NULL,
    cuenta           TEXT NOT NULL,
    ubigeo           TEXT NOT NULL,
    referencia       TEXT NOT NULL,
    expected_cents   INTEGER,
    actual_cents     INTEGER,
    detail           TEXT NOT NULL,
    PRIMARY KEY (period, ord)
);

CREATE TABLE account_months (
    period              TEXT NOT NULL,
    dni                 TEXT NOT NULL,
    cuenta              TEXT NOT NULL,
    ubigeo              TEXT NOT NULL,
    grupo               TEXT NOT NULL,
    month_end_cents     INTEGER,
    min_cents           INTEGER,
    avg_daily_balance   TEXT,              -- exact decimal text
    cct_credits_cents   INTEGER NOT NULL,
    other_credits_cents INTEGER NOT NULL,
    debits_cents        INTEGER NOT NULL,
    customer_movements  INTEGER NOT NULL,
    voluntary_deposits  INTEGER NOT NULL,
    saver               INTEGER NOT NULL,
    PRIMARY KEY (period, dni)
);

CREATE TABLE indicators (
    period    TEXT NOT NULL,
    scope     TEXT NOT NULL,
    scope_id  TEXT NOT NULL,
    metric    TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (period, scope, scope_id, metric)
);

CREATE TABLE job_runs (
    id                 INTEGER PRIMARY KEY,
    command            TEXT NOT NULL,
    started_at         TEXT NOT NULL,
    finished_at        TEXT,
    status             TEXT NOT NULL,     -- RUNNING | OK | QUARANTINED | FAILED
    exit_code          INTEGER,
    files_ingested     INTEGER NOT NULL DEFAULT 0,
    files_duplicate    INTEGER NOT NULL DEFAULT 0,
    files_quarantined  INTEGER NOT NULL DEFAULT 0,
    periods_recomputed TEXT NOT NULL DEFAULT '',
    summary            TEXT
);
