-- A roster's rows keep one key, their position in the file (issue 8), as on PostgreSQL
-- (`0006_roster_keys.sql` there). A roster is one file and the parser refuses a file that repeats
-- a DNI or a CCI (SPEC §2.1, `roster_csv`), so the per-roster uniqueness of `dni` and `cuenta`
-- was checked twice; as unique indexes on random keys they cost ~2 s of loading a national
-- roster (700,000 rows), and no query reads through them (a roster is read whole, by
-- `roster_id`, in `position` order).
CREATE TABLE roster_rows_v7 (
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
    PRIMARY KEY (roster_id, position)
) WITHOUT ROWID;

INSERT INTO roster_rows_v7
SELECT roster_id, position, dni, nombres, apellido_paterno, apellido_materno, ubigeo, departamento, provincia,
       distrito, grupo, estado, cuenta, monto_cents, agencia, distancia_km
FROM roster_rows;

DROP TABLE roster_rows;
ALTER TABLE roster_rows_v7 RENAME TO roster_rows;
