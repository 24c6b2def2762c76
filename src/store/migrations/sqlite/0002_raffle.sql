-- The raffle (SPEC §3.3): the eligible list of each raffle period with every exclusion's
-- reasons, and every draw (a redraw keeps the earlier one, with the reason).

CREATE TABLE raffle_eligible (
    raffle_period TEXT NOT NULL,
    position      INTEGER NOT NULL,
    ubigeo        TEXT NOT NULL,
    distrito      TEXT NOT NULL,
    dni           TEXT NOT NULL,
    nombre        TEXT NOT NULL,
    PRIMARY KEY (raffle_period, dni)
);

CREATE TABLE raffle_exclusions (
    raffle_period TEXT NOT NULL,
    dni           TEXT NOT NULL,
    reason        TEXT NOT NULL,
    PRIMARY KEY (raffle_period, dni, reason)
);

CREATE TABLE raffle_draws (
    id              INTEGER PRIMARY KEY,
    raffle_period   TEXT NOT NULL,
    draw_number     INTEGER NOT NULL,
    is_current      INTEGER NOT NULL,
    draw_json       TEXT NOT NULL,
    eligible_sha256 TEXT NOT NULL,
    drawn_at        TEXT NOT NULL,
    redraw_reason   TEXT,
    UNIQUE (raffle_period, draw_number)
);
CREATE UNIQUE INDEX raffle_draws_one_current ON raffle_draws (raffle_period) WHERE is_current = 1;

CREATE TABLE raffle_results (
    draw_id  INTEGER NOT NULL REFERENCES raffle_draws (id),
    ubigeo   TEXT NOT NULL,
    role     TEXT NOT NULL CHECK (role IN ('WINNER', 'ALTERNATE')),
    rank     INTEGER NOT NULL,
    dni      TEXT NOT NULL,
    PRIMARY KEY (draw_id, ubigeo, role, rank)
);
CREATE INDEX raffle_results_by_dni ON raffle_results (dni);
