//! The job's whole story through the real binary: ingest, reconcile, outputs, quarantine,
//! idempotency, exit codes. Each test works in its own temporary folder and database.

mod helpers;

mod bad_files;
mod calibration;
mod checkpoints;
mod formats_equivalence;
mod injection;
mod logs;
mod metrics;
mod notify;
mod postgres;
mod raffle;
mod ranges;
mod reports;
mod sftp;
mod story;
