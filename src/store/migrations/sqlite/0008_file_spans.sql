-- Each statement file's rows found by their ids instead of by two date indexes (issue 8).
--
-- A statement file's statements, and its entries, have consecutive ids (the writer numbers them
-- from the largest stored id), and `file_spans` keeps, per file, those two id ranges with the
-- least and greatest first day of its statements and booking date of its entries. A read of a
-- date window (a period's statements, its window's entries, the entries before a month) takes
-- the files whose dates meet the window from this table (a row per file: a few hundred a year),
-- scans their ids as one range of the table's own key and checks each row's date as before.
-- Files come in date order, so that range is the window's files and seldom more.
--
-- `statements_by_from` and `entries_by_date` cost a B-tree insert for every statement and entry
-- stored: without them the 700,000-woman month ingests ~1.5 s (10 %) faster, and its reads are
-- no slower (BENCHMARKS.md). PostgreSQL reads by monthly partitions instead (`0008` there).
CREATE TABLE file_spans (
    file_id          INTEGER PRIMARY KEY REFERENCES files (id),
    first_statement  INTEGER NOT NULL,
    last_statement   INTEGER NOT NULL,
    from_min         TEXT NOT NULL,
    from_max         TEXT NOT NULL,
    -- NULL when the file has statements without entries.
    first_entry      INTEGER,
    last_entry       INTEGER,
    booking_min      TEXT,
    booking_max      TEXT
);

INSERT INTO file_spans (file_id, first_statement, last_statement, from_min, from_max)
    SELECT file_id, MIN(id), MAX(id), MIN(from_date), MAX(from_date) FROM statements GROUP BY file_id;

CREATE TEMP TABLE entry_spans AS
    SELECT file_id, MIN(id) AS first_entry, MAX(id) AS last_entry,
           MIN(booking_date) AS booking_min, MAX(booking_date) AS booking_max
    FROM entries GROUP BY file_id;
CREATE INDEX temp.entry_spans_by_file ON entry_spans (file_id);
UPDATE file_spans SET (first_entry, last_entry, booking_min, booking_max) =
    (SELECT first_entry, last_entry, booking_min, booking_max FROM entry_spans t WHERE t.file_id = file_spans.file_id);
DROP TABLE entry_spans;

DROP INDEX statements_by_from;
DROP INDEX entries_by_date;
