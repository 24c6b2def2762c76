-- Two files stored at once (issue 8, docs/scaling.md): a month's partition is now created in a
-- short transaction of its own, while another file's transaction may be writing into the same
-- table. `CREATE TABLE … PARTITION OF` takes an ACCESS EXCLUSIVE lock on the parent, which waits
-- for every open transaction that writes into it; that transaction may itself be waiting for
-- the file that asked for the partition to commit first (files commit in delivery order). So
-- the partition is created as a plain table and attached: ATTACH PARTITION takes only a SHARE
-- UPDATE EXCLUSIVE lock on the parent, which writers do not conflict with. Two callers at once
-- are serialised by a transaction-level advisory lock, so the second finds the partition made.
CREATE OR REPLACE FUNCTION ensure_month_partition(parent TEXT, month DATE) RETURNS VOID
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
    first DATE := date_trunc('month', month)::date;
    part TEXT;
BEGIN
    IF parent NOT IN ('entries', 'account_months') THEN
        RAISE EXCEPTION 'ensure_month_partition: % is not partitioned by month', parent;
    END IF;
    part := parent || '_' || to_char(first, 'YYYY_MM');
    -- A key of its own (the run lock holds another, `postgres::lock`).
    PERFORM pg_advisory_xact_lock(hashtextextended('alcancia.ensure_month_partition', 0));
    IF to_regclass(quote_ident(part)) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
    EXECUTE format(
        'ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        parent, part, first, (first + INTERVAL '1 month')::date
    );
END
$fn$;
REVOKE ALL ON FUNCTION ensure_month_partition(TEXT, DATE) FROM PUBLIC;

-- CREATE OR REPLACE drops the function's settings: pin its search_path to this schema again.
DO $pin$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION ensure_month_partition(TEXT, DATE) SET search_path = %I, pg_temp',
        current_schema()
    );
END
$pin$;
