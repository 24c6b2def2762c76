-- alcancia on PostgreSQL: the database, its schema and two roles with least privilege.
-- Run once as a superuser (or a role with CREATEROLE and CREATEDB):
--
--   psql -h DBHOST -U postgres -v ON_ERROR_STOP=1 -f deploy/postgres/create.sql
--
-- Names can be changed with -v db=… -v owner=… -v job=… -v reader=…; defaults below.
--
--   owner   NOLOGIN. Owns the database, the schema `alcancia`, every table and the partition
--           function. Nobody logs in as it; it exists so that ownership is not the job's.
--   job     LOGIN. What `alcancia` connects as: reads and writes rows (SELECT, INSERT, UPDATE,
--           DELETE; no TRUNCATE, no DDL, no ownership). It is a NOINHERIT member of the owner
--           only so that it can `SET ROLE` to apply a new release's migrations automatically;
--           revoke that membership (see the end) if migrations are applied by an administrator.
--   reader  NOLOGIN. SELECT only, for analysts' and dashboards' own login roles.
--
-- The job's password is set afterwards, interactively, and given to the job through the
-- environment (PGPASSWORD) or ~/.pgpass — never through alcancia's configuration file:
--
--   psql -h DBHOST -U postgres -c '\password alcancia_job'

\if :{?db}
\else
    \set db alcancia
\endif
\if :{?owner}
\else
    \set owner alcancia_owner
\endif
\if :{?job}
\else
    \set job alcancia_job
\endif
\if :{?reader}
\else
    \set reader alcancia_reader
\endif

CREATE ROLE :"owner" NOLOGIN;
CREATE ROLE :"job" LOGIN NOINHERIT CONNECTION LIMIT 8;
CREATE ROLE :"reader" NOLOGIN;
GRANT :"owner" TO :"job";

CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"job";
GRANT CONNECT ON DATABASE :"db" TO :"reader";
-- Statements that never end must not hold the run lock forever.
ALTER ROLE :"job" IN DATABASE :"db" SET statement_timeout = '2h';
ALTER ROLE :"job" IN DATABASE :"db" SET idle_in_transaction_session_timeout = '10min';

\connect :"db"

-- Nobody but the owner creates anything; the tables live in their own schema.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA alcancia AUTHORIZATION :"owner";
GRANT USAGE ON SCHEMA alcancia TO :"job", :"reader";
ALTER ROLE :"job" IN DATABASE :"db" SET search_path = alcancia;
ALTER ROLE :"reader" IN DATABASE :"db" SET search_path = alcancia;

-- Whatever the owner creates in the schema (the migrations' tables, monthly partitions,
-- identity sequences, the partition function) gets exactly these rights.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA alcancia
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"job";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA alcancia
    GRANT USAGE, SELECT ON SEQUENCES TO :"job";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA alcancia
    REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA alcancia
    GRANT EXECUTE ON FUNCTIONS TO :"job";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA alcancia
    GRANT SELECT ON TABLES TO :"reader";

-- Stricter: once the schema is migrated, the job needs no DDL at all. Uncomment to have
-- migrations applied only by an administrator (`SET ROLE alcancia_owner` then run the job
-- once, or psql the files of src/store/migrations/postgres):
-- REVOKE :"owner" FROM :"job";
