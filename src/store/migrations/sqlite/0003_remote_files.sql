-- Remote files already fetched from an SFTP source and safely stored (ingested, duplicate or
-- quarantined), by what the server listed. A source that leaves its files in place is not
-- downloaded from again for the same (name, size, mtime); one that moves them finishes a move
-- an earlier run could not make.
CREATE TABLE remote_files (
    source      TEXT NOT NULL,
    name        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime       INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    run_id      INTEGER,
    PRIMARY KEY (source, name, size, mtime)
);
