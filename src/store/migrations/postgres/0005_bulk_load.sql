-- Cheaper bulk loads (issue 8): a national month is ~3.3 M rows copied into these tables, and
-- PostgreSQL checks a foreign key one row at a time (a trigger running a keyed lookup and a
-- row lock on the parent for every row copied), which at 700,000 women cost more than the
-- rows themselves.
--
-- The foreign keys dropped here all point at a row that the same writer inserted, or looked up,
-- in the same transaction just before: a file's own `files` row, the roster it starts, the lote
-- it registers, the statements it copies before their entries, the period's `checkpoints` row
-- written with its checkpoint. Nothing deletes those parents except `save_period`, which
-- deletes a checkpoint's rows explicitly (as SQLite does) instead of by cascade. Uniqueness
-- constraints, checks and every index a query reads through stay.
ALTER TABLE roster_rows DROP CONSTRAINT roster_rows_roster_id_fkey;
ALTER TABLE instructions DROP CONSTRAINT instructions_lote_fkey;
ALTER TABLE instructions DROP CONSTRAINT instructions_file_id_fkey;
ALTER TABLE statements DROP CONSTRAINT statements_file_id_fkey;
ALTER TABLE entries DROP CONSTRAINT entries_statement_id_fkey;
ALTER TABLE checkpoint_accounts DROP CONSTRAINT checkpoint_accounts_period_fkey;
ALTER TABLE checkpoint_early DROP CONSTRAINT checkpoint_early_period_fkey;

-- Indexes no query reads through (entries are found by booking date and joined to their
-- statement by its primary key; statements by account, by first day or by id).
DROP INDEX entries_by_statement;
DROP INDEX statements_by_file;
