-- The raffle (SPEC §3.3): the eligible list of each raffle period with every exclusion's
-- reasons, and every draw (a redraw keeps the earlier one, with the reason).

CREATE TABLE raffle_eligible (
    raffle_period TEXT NOT NULL CHECK (raffle_period ~ '^[0-9]{4}-B[1-6]$'),
    position      BIGINT NOT NULL,
    ubigeo        CHAR(6) NOT NULL,
    distrito      TEXT NOT NULL,
    dni           CHAR(8) NOT NULL,
    nombre        TEXT NOT NULL,
    PRIMARY KEY (raffle_period, dni)
);

CREATE TABLE raffle_exclusions (
    raffle_period TEXT NOT NULL,
    dni           CHAR(8) NOT NULL,
    reason        TEXT NOT NULL,
    PRIMARY KEY (raffle_period, dni, reason)
);

CREATE TABLE raffle_draws (
    id              BIGSERIAL PRIMARY KEY,
    raffle_period   TEXT NOT NULL,
    draw_number     INTEGER NOT NULL,
    is_current      BOOLEAN NOT NULL,
    draw_json       JSONB NOT NULL,
    eligible_sha256 CHAR(64) NOT NULL,
    drawn_at        TIMESTAMPTZ NOT NULL,
    redraw_reason   TEXT,
    UNIQUE (raffle_period, draw_number)
);
CREATE UNIQUE INDEX raffle_draws_one_current ON raffle_draws (raffle_period) WHERE is_current;

CREATE TABLE raffle_results (
    draw_id  BIGINT NOT NULL REFERENCES raffle_draws (id),
    ubigeo   CHAR(6) NOT NULL,
    role     TEXT NOT NULL CHECK (role IN ('WINNER', 'ALTERNATE')),
    rank     INTEGER NOT NULL,
    dni      CHAR(8) NOT NULL,
    PRIMARY KEY (draw_id, ubigeo, role, rank)
);
CREATE INDEX raffle_results_by_dni ON raffle_results (dni);
