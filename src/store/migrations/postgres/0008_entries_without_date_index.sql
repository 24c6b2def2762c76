-- Cheaper statement loads (issue 8): `entries_by_date` is dropped. Entries are partitioned by
-- booking month, and every read by booking date reads whole months of them: a period's window
-- (its month and the grace days of the next, all of it), the history before a month (every
-- earlier partition). Partition pruning plus a scan of those partitions reads the same rows as
-- the index did, without the index's random heap order, and each entry copied no longer
-- updates a second B-tree: at 700,000 women the month's ingestion took 21.5–21.8 s against
-- 22.9–23.1 s (BENCHMARKS.md). Entries are still found by id (primary key `(id,
-- booking_date)`: the ledger's joins, the next id). SQLite, whose `entries` is not
-- partitioned, keeps its index.
DROP INDEX IF EXISTS entries_by_date;
