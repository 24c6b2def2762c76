-- Removes what create.sql made (the data too). Same -v variables as create.sql.
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

DROP DATABASE IF EXISTS :"db" WITH (FORCE);
DROP ROLE IF EXISTS :"job";
DROP ROLE IF EXISTS :"reader";
DROP ROLE IF EXISTS :"owner";
