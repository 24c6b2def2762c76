-- Ingestion at national scale (issue 8, BENCHMARKS.md): fewer B-trees to insert into per row.
--
-- roster_rows is rebuilt WITHOUT ROWID, keyed by (roster_id, position): the key the recompute
-- reads a roster by (in file order), so the rows append to one B-tree and the separate rowid
-- table and `roster_rows_by_position` index go. `estado`'s check is written as comparisons:
-- SQLite evaluates an IN list of three or more constants by building a temporary B-tree, once
-- for every row inserted.
CREATE TABLE roster_rows_v5 (
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
    grupo            TEXT NOT NULL CHECK (grupo = 'PILOTO' OR grupo = 'CONTROL'),
    estado           TEXT NOT NULL CHECK (estado = 'ACTIVO' OR estado = 'SUSPENDIDO' OR estado = 'RETIRADO'),
    cuenta           TEXT NOT NULL CHECK (length(cuenta) = 20),
    monto_cents      INTEGER NOT NULL CHECK (monto_cents > 0),
    agencia          TEXT NOT NULL,
    distancia_km     TEXT,
    PRIMARY KEY (roster_id, position),
    UNIQUE (roster_id, dni),
    UNIQUE (roster_id, cuenta)
) WITHOUT ROWID;

INSERT INTO roster_rows_v5
SELECT roster_id, position, dni, nombres, apellido_paterno, apellido_materno, ubigeo, departamento, provincia,
       distrito, grupo, estado, cuenta, monto_cents, agencia, distancia_km
FROM roster_rows;

DROP TABLE roster_rows;
ALTER TABLE roster_rows_v5 RENAME TO roster_rows;

-- Read by no query (entries are read by booking date, their statements by id); a foreign key
-- from entries to statements is never checked on delete: statements are never deleted.
DROP INDEX entries_by_statement;
