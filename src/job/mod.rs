//! The job: the order of the steps. Ingest every new file (archive first, parse, store in one
//! transaction, then let go of it), then recompute every period that new data touched, in
//! calendar order, and write its outputs.
//!
//! Only this module knows the order of steps; decisions are pure and the store knows SQL.

mod ingest;
mod lock;
mod publish;
mod raffle;
mod receive;
mod recompute;
mod reports;
mod sftp;

pub use ingest::{FileOutcome, IngestSource};
pub use lock::RunLock;
pub use raffle::UsageError;

use crate::settings::Settings;
use crate::store::{RunSummary, Store};

/// Exit statuses (SPEC §5).
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const QUARANTINED: u8 = 3;
    pub const LOCKED: u8 = 4;
}

/// One job over one store.
pub struct Job<'a, S: Store> {
    pub store: &'a S,
    pub settings: &'a Settings,
    pub run_id: Option<i64>,
    pub summary: RunSummary,
}

impl<'a, S: Store> Job<'a, S> {
    pub fn new(store: &'a S, settings: &'a Settings) -> Self {
        Self { store, settings, run_id: None, summary: RunSummary::default() }
    }

    /// The exit status the run's outcome calls for.
    pub fn exit_code(&self) -> u8 {
        if self.summary.files_quarantined > 0 {
            exit::QUARANTINED
        } else {
            exit::OK
        }
    }

    /// Records the start of a run in `job_runs`.
    pub async fn begin(&mut self, command: &str) -> anyhow::Result<()> {
        self.run_id = Some(self.store.begin_run(command, &crate::clock::now_rfc3339()).await?);
        Ok(())
    }

    /// Records the end of a run and logs its one summary line.
    pub async fn finish(&mut self, exit_code: u8) -> anyhow::Result<()> {
        self.summary.exit_code = i32::from(exit_code);
        self.summary.status = match exit_code {
            exit::OK => "OK",
            exit::QUARANTINED => "QUARANTINED",
            _ => "FAILED",
        }
        .to_owned();
        if let Some(id) = self.run_id {
            self.store.finish_run(id, &crate::clock::now_rfc3339(), &self.summary).await?;
        }
        let s = &self.summary;
        tracing::info!(
            run_id = self.run_id,
            files_ingested = s.files_ingested,
            files_duplicate = s.files_duplicate,
            files_quarantined = s.files_quarantined,
            periods = %s.periods_recomputed.join(","),
            steps_ms = %serde_json::to_string(&s.step_ms).unwrap_or_default(),
            sources_failed = %s.sources_failed.join(","),
            exit_code,
            "Run finished."
        );
        Ok(())
    }

    /// The nightly job: every SFTP source, the inbox, then every touched period. A source that
    /// could not be fetched fails the run (exit 1) once everything else is done.
    #[tracing::instrument(skip_all, err)]
    pub async fn run_nightly(&mut self) -> anyhow::Result<()> {
        let failed_sources = self.fetch_sftp_sources().await?;
        let files = crate::fetch::local::list_inbox(&self.settings.inbox)?;
        tracing::info!(files = files.len(), inbox = %self.settings.inbox.display(), "Inbox listed.");
        let bar = crate::progress::files(files.len() as u64, "run");
        self.ingest_files(&files, IngestSource::Inbox, |_| bar.inc(1)).await?;
        bar.finish_and_clear();
        self.recompute_dirty().await?;
        if !failed_sources.is_empty() {
            self.summary.sources_failed.clone_from(&failed_sources);
            anyhow::bail!("SFTP source(s) failed: {} (see the log above)", failed_sources.join(", "));
        }
        Ok(())
    }
}
