-- Month-end checkpoints of every account's balance timeline (docs/scaling.md): written with a
-- period's results, so that the next period reads only its own statements and entries plus one
-- row per account. `checkpoints` lists the periods whose checkpoint is complete.
CREATE TABLE checkpoints (period TEXT PRIMARY KEY);

-- Per account, the statement in force on the month's last day and its base: opening plus every
-- entry of it booked up to that day.
CREATE TABLE checkpoint_accounts (
    period         TEXT NOT NULL,
    account        TEXT NOT NULL,
    statement_id   INTEGER NOT NULL,
    from_date      TEXT NOT NULL,
    to_date        TEXT NOT NULL,
    file_id        INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    opening_cents  INTEGER NOT NULL,
    closing_cents  INTEGER NOT NULL,
    base_cents     INTEGER NOT NULL,
    PRIMARY KEY (period, account)
) WITHOUT ROWID;

-- Entries booked by the month's last day of statements whose coverage starts later.
CREATE TABLE checkpoint_early (
    period        TEXT NOT NULL,
    statement_id  INTEGER NOT NULL,
    account       TEXT NOT NULL,
    cents         INTEGER NOT NULL,
    PRIMARY KEY (period, statement_id)
);

-- The recompute reads a roster in file order: in index order, without sorting 700,000 rows.
CREATE INDEX roster_rows_by_position ON roster_rows (roster_id, position);
