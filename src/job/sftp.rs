//! Fetching the configured SFTP sources, one after the other, before the local inbox. For each
//! complete remote file: skip it if this (name, size, mtime) was already stored, else download
//! it whole into the staging folder, ingest it through the same archive-first path as the inbox
//! (the staged copy is removed once stored), remember it, and only then move it remotely.
//!
//! A remote failure ends the attempt; the source is tried again with a doubling back-off up to
//! `retries` times, files already stored are not fetched again, and nothing partial is ever
//! ingested. A source that still fails is reported and the run goes on with the others; a
//! host-key refusal is not retried. A local failure (store, archive) fails the run as on the
//! inbox path. The blocking ssh2 calls run on blocking threads inside the current span.

use super::{IngestSource, Job};
use crate::fetch::sftp::{After, Remote, RemoteFile, SftpError, SftpSource};
use crate::store::{RemoteFileKey, Store};
use anyhow::Context as _;
use std::sync::Arc;
use tracing::Instrument as _;

/// Why an attempt at a source ended.
enum AttemptError {
    Remote(SftpError),
    /// Fatal to the run.
    Local(anyhow::Error),
}

impl From<SftpError> for AttemptError {
    fn from(e: SftpError) -> Self {
        AttemptError::Remote(e)
    }
}

/// Runs `f` on a blocking thread inside the current tracing span.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, SftpError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|e| SftpError::Failed(anyhow::anyhow!("The SFTP worker stopped: {e}")))
}

/// Runs one remote operation; the session comes back unless it failed (then it is closed on
/// the blocking thread, as closing may wait on the network).
async fn on_remote<T: Send + 'static>(
    remote: Remote,
    f: impl FnOnce(&Remote) -> Result<T, SftpError> + Send + 'static,
) -> Result<(Remote, T), SftpError> {
    blocking(move || f(&remote).map(|value| (remote, value))).await?
}

async fn close(remote: Remote) {
    let _ = blocking(move || drop(remote)).await;
}

impl<S: Store> Job<'_, S> {
    /// Fetches every configured source; the names of those that failed.
    pub async fn fetch_sftp_sources(&mut self) -> anyhow::Result<Vec<String>> {
        let mut failed = Vec::new();
        for source in self.settings.sftp.sources.clone() {
            let span = tracing::info_span!("sftp", source = %source.name);
            if !self.fetch_source(Arc::new(source.clone())).instrument(span).await? {
                failed.push(source.name.clone());
            }
        }
        Ok(failed)
    }

    /// One source with its retries; false when it failed.
    async fn fetch_source(&mut self, source: Arc<SftpSource>) -> anyhow::Result<bool> {
        let mut attempt: u32 = 0;
        loop {
            let error = match self.fetch_attempt(&source).await {
                Ok(()) => return Ok(true),
                Err(AttemptError::Local(e)) => return Err(e),
                Err(AttemptError::Remote(e)) => e,
            };
            let refused = matches!(error, SftpError::HostKey(_));
            if refused || attempt >= source.retries {
                tracing::error!(error = %error, attempts = attempt + 1, "SFTP source failed; its files wait for the next run.");
                return Ok(false);
            }
            let wait = source.retry_backoff.saturating_mul(2u32.saturating_pow(attempt));
            tracing::warn!(error = %error, attempt = attempt + 1, retry_in_secs = wait.as_secs(), "SFTP attempt failed; retrying.");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn fetch_attempt(&mut self, source: &Arc<SftpSource>) -> Result<(), AttemptError> {
        let staging = self.settings.sftp.staging.join(&source.name);
        // Staging is scratch: whatever an interrupted run left there is still on the server.
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .with_context(|| format!("Failed to clear {}", staging.display()))
                .map_err(AttemptError::Local)?;
        }
        let src = Arc::clone(source);
        let (mut remote, files) = blocking(move || {
            let remote = Remote::connect(&src)?;
            let files = remote.candidates(&src)?;
            Ok::<_, SftpError>((remote, files))
        })
        .await??;
        for file in files {
            remote = match self.fetch_file(remote, source, file, &staging).await {
                Ok(remote) => remote,
                Err((Some(remote), error)) => {
                    close(remote).await;
                    return Err(error);
                }
                Err((None, error)) => return Err(error),
            };
        }
        close(remote).await;
        Ok(())
    }

    /// One remote file (see the module doc). On error, the session if it is still usable.
    async fn fetch_file(
        &mut self,
        remote: Remote,
        source: &Arc<SftpSource>,
        file: RemoteFile,
        staging: &std::path::Path,
    ) -> Result<Remote, (Option<Remote>, AttemptError)> {
        let key =
            RemoteFileKey { source: &source.name, name: &file.name, size: file.size, mtime: file.mtime };
        let known = match self.store.fetched_remote(&key).await {
            Ok(known) => known,
            Err(e) => return Err((Some(remote), AttemptError::Local(e))),
        };
        let (remote, sha256) = match known {
            Some(sha256) => {
                tracing::debug!(name = %file.name, "Remote file already stored.");
                (remote, sha256)
            }
            None => {
                let (src, f, dir) = (Arc::clone(source), file.clone(), staging.to_path_buf());
                let (remote, staged) = on_remote(remote, move |r| r.download(&src, &f, &dir))
                    .await
                    .map_err(|e| (None, e.into()))?;
                let stored = self.store_staged(&staged.path, &key, &staged.sha256).await;
                if let Err(e) = stored {
                    return Err((Some(remote), AttemptError::Local(e)));
                }
                (remote, staged.sha256)
            }
        };
        if source.after == After::Leave {
            return Ok(remote);
        }
        let src = Arc::clone(source);
        let (remote, ()) = on_remote(remote, move |r| r.release(&src, &file, &sha256))
            .await
            .map_err(|e| (None, e.into()))?;
        Ok(remote)
    }

    /// The archive-first ingestion of a staged file, then remembering where it came from.
    async fn store_staged(
        &mut self,
        path: &std::path::Path,
        key: &RemoteFileKey<'_>,
        sha256: &str,
    ) -> anyhow::Result<()> {
        self.ingest_file(path, IngestSource::Staged).await?;
        self.store.record_fetched_remote(key, sha256, self.run_id).await
    }
}
