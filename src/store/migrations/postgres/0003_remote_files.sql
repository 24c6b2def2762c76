-- Remote files already fetched from an SFTP source and safely stored, by what the server
-- listed (see the SQLite migration of the same number).
CREATE TABLE remote_files (
    source      TEXT NOT NULL,
    name        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    mtime       BIGINT NOT NULL,
    sha256      CHAR(64) NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    run_id      BIGINT,
    PRIMARY KEY (source, name, size, mtime)
);
