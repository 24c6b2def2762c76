-- A new statement file's overlaps looked for among the stored files whose days and accounts
-- can meet its own, instead of through an index by account (issue 8; SQLite's migration 0009
-- does the same).
--
-- `statements_by_account` (account, from_date) served the overlap check, and the history read
-- of a first period, which sorts instead now. Its keys arrive in no order: every statement
-- copied cost an insert at a random place of a B-tree as large as the statements, many times
-- the server's shared buffers at national scale. Without it the 700,000-woman month ingests
-- several seconds faster (BENCHMARKS.md).
--
-- `file_spans` keeps, per statement file, its statements' ids and what they span: the least
-- first day, the last day covered, the least and greatest account. A stored statement lies
-- inside its file's bounds, so it can overlap one of a new file's only if the two files' bounds
-- meet; the check first asks whether any stored file's do. Daily files never do, nor do files
-- split by agency (a CCI begins with its agency); only the files that do are compared account
-- by account. The row is written in the file's transaction, and a file is checked only once
-- every file delivered before it has committed or rolled back (`store::turn`).
CREATE TABLE file_spans (
    file_id          BIGINT PRIMARY KEY REFERENCES files (id),
    first_statement  BIGINT NOT NULL,
    last_statement   BIGINT NOT NULL,
    from_min         DATE NOT NULL,
    to_max           DATE NOT NULL,
    account_min      TEXT COLLATE "C" NOT NULL,
    account_max      TEXT COLLATE "C" NOT NULL
);

INSERT INTO file_spans
    SELECT file_id, MIN(id), MAX(id), MIN(from_date), MAX(to_date), MIN(account), MAX(account)
    FROM statements GROUP BY file_id;

DROP INDEX statements_by_account;
