-- Text keys compared byte by byte (issue 8). Under a database collation other than "C" — the
-- server's default here is C.UTF-8, often en_US.UTF-8 elsewhere — every comparison in a B-tree
-- on a text column goes through the C library's locale-aware strcoll, several times the cost of
-- comparing bytes. These four indexes take the most inserts at random places: every statement
-- of a national month (`statements_by_account`), every instruction (`referencia`), and every
-- account-month and checkpoint row of a period's save. Loading 700,000 random 20-digit keys into
-- a (period, account) primary key took 5.4 s under C.UTF-8 and 3.8 s under "C" here.
--
-- Nothing changes in meaning: the keys are ASCII digits and letters, "C" orders them by code
-- point (the order SPEC §4 sorts by), and equality is byte equality under both. The heap is not
-- rewritten; the indexes on these columns are rebuilt.
ALTER TABLE statements ALTER COLUMN account TYPE TEXT COLLATE "C";
ALTER TABLE instructions ALTER COLUMN referencia TYPE TEXT COLLATE "C";
ALTER TABLE account_months ALTER COLUMN dni TYPE CHAR(8) COLLATE "C";
ALTER TABLE checkpoint_accounts ALTER COLUMN account TYPE TEXT COLLATE "C";
