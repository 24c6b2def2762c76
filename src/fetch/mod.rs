//! Sources of input files. The local inbox is a folder; an SFTP source (a later step) fetches
//! into a staging folder and hands files to the same archive-first ingestion.

pub mod local;
