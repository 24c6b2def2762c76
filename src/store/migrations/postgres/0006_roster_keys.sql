-- A roster's rows keep one key, their position in the file (issue 8). A roster is one file and
-- the parser refuses a file that repeats a DNI or a CCI (SPEC §2.1, `roster_csv`), so the
-- per-roster uniqueness of `dni` and `cuenta` was checked twice; as unique indexes on random
-- keys they were most of the cost of loading a national roster (700,000 rows), and no query
-- reads through them (a roster is read whole, by `roster_id`, in `position` order).
ALTER TABLE roster_rows DROP CONSTRAINT roster_rows_pkey;
ALTER TABLE roster_rows DROP CONSTRAINT roster_rows_roster_id_cuenta_key;
ALTER TABLE roster_rows DROP CONSTRAINT roster_rows_roster_id_position_key;
ALTER TABLE roster_rows ADD PRIMARY KEY (roster_id, position);
