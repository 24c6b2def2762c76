-- A period's results clustered by period (WITHOUT ROWID, keyed by the period first): saving a
-- national month appends 700,000 rows to one B-tree per table instead of to a rowid table and
-- its separate key indexes, and replacing a period deletes one key range. An instruction
-- belongs to one period, so (period, instruction_id) is as unique as instruction_id was.
CREATE TABLE recon_matches_keyed (
    period          TEXT NOT NULL,
    instruction_id  INTEGER NOT NULL,
    entry_id        INTEGER NOT NULL UNIQUE,
    returned_by     INTEGER UNIQUE,
    PRIMARY KEY (period, instruction_id)
) WITHOUT ROWID;
INSERT INTO recon_matches_keyed (period, instruction_id, entry_id, returned_by)
    SELECT period, instruction_id, entry_id, returned_by FROM recon_matches;
DROP TABLE recon_matches;
ALTER TABLE recon_matches_keyed RENAME TO recon_matches;

CREATE TABLE account_months_keyed (
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
) WITHOUT ROWID;
INSERT INTO account_months_keyed SELECT period, dni, cuenta, ubigeo, grupo, month_end_cents, min_cents,
    avg_daily_balance, cct_credits_cents, other_credits_cents, debits_cents, customer_movements,
    voluntary_deposits, saver FROM account_months;
DROP TABLE account_months;
ALTER TABLE account_months_keyed RENAME TO account_months;
