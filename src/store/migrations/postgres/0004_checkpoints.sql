-- Month-end checkpoints of every account's balance timeline (docs/scaling.md): written with a
-- period's results, so that the next period reads only its own statements and entries plus one
-- row per account. `checkpoints` lists the periods whose checkpoint is complete; deleting its
-- row deletes the checkpoint.
CREATE TABLE checkpoints (period DATE PRIMARY KEY CHECK (EXTRACT(DAY FROM period) = 1));

-- Per account, the statement in force on the month's last day and its base: opening plus every
-- entry of it booked up to that day.
CREATE TABLE checkpoint_accounts (
    period         DATE NOT NULL REFERENCES checkpoints (period) ON DELETE CASCADE,
    account        TEXT NOT NULL,
    statement_id   BIGINT NOT NULL,
    from_date      DATE NOT NULL,
    to_date        DATE NOT NULL,
    file_id        BIGINT NOT NULL,
    position       BIGINT NOT NULL,
    opening_cents  BIGINT NOT NULL,
    closing_cents  BIGINT NOT NULL,
    base_cents     BIGINT NOT NULL,
    PRIMARY KEY (period, account)
);

-- Entries booked by the month's last day of statements whose coverage starts later.
CREATE TABLE checkpoint_early (
    period        DATE NOT NULL REFERENCES checkpoints (period) ON DELETE CASCADE,
    statement_id  BIGINT NOT NULL,
    account       TEXT NOT NULL,
    cents         BIGINT NOT NULL,
    PRIMARY KEY (period, statement_id)
);
