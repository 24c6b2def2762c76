//! Sources of input files. The local inbox is a folder; an SFTP source fetches into a staging
//! folder and hands files to the same archive-first ingestion.

pub mod local;
pub mod sftp;
