//! One file through ingestion: hash, skip if known, archive byte for byte, parse, quarantine
//! with a report or store in one transaction, and only then let go of the inbox copy.

use super::Job;
use crate::formats::{parse_any, ParseOptions, ParsedFile, Problem};
use crate::report::csv_out::write_atomically;
use crate::store::{FileMeta, Store, Stored};
use anyhow::Context as _;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where a file came from: inbox files are removed once safely stored; files named on the
/// command line are left where they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngestSource {
    Inbox,
    CommandLine,
    /// Downloaded into the SFTP staging folder; removed once safely stored.
    Staged,
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileOutcome {
    Ingested,
    /// Same bytes as a known file, or batches already stored with the same content.
    Duplicate,
    Quarantined(PathBuf),
}

impl<S: Store> Job<'_, S> {
    /// Ingests one file (see the module doc).
    #[tracing::instrument(skip_all, fields(file = %display_name(path)), err)]
    pub async fn ingest_file(&mut self, path: &Path, source: IngestSource) -> anyhow::Result<FileOutcome> {
        let name = display_name(path);
        let started = std::time::Instant::now();
        let bytes = std::fs::read(path).with_context(|| format!("Failed to read {}", path.display()))?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        self.summary.input_bytes += bytes.len() as u64;
        if let Some(known) = self.store.known_file(&sha256).await? {
            self.store.record_sighting(known.id, &name, self.run_id).await?;
            tracing::info!(known_as = %known.name, status = %known.status, "Skipped a file already received.");
            self.summary.files_duplicate += 1;
            release(path, source)?;
            return Ok(FileOutcome::Duplicate);
        }
        let archive_path = self.archive(&sha256, &name, &bytes)?;
        self.summary.time("fetch", started);
        let meta = FileMeta {
            sha256: sha256.clone(),
            name: name.clone(),
            size: bytes.len() as u64,
            archive_path: archive_path.display().to_string(),
            received_at: crate::clock::now_rfc3339(),
            run_id: self.run_id,
        };
        let started = std::time::Instant::now();
        let parsed = parse_any(&bytes, &ParseOptions { currency: self.settings.currency.clone() });
        drop(bytes);
        self.summary.time("parse", started);
        self.summary.input_rows += row_count(&parsed);
        if !parsed.is_valid() {
            return self.quarantine(path, source, &meta, &parsed, &parsed.problems).await;
        }
        let started = std::time::Instant::now();
        let stored = self.store.store_file(&meta, &parsed, self.settings.grace_days).await?;
        self.summary.time("store", started);
        match stored {
            Stored::Rejected(problems) => self.quarantine(path, source, &meta, &parsed, &problems).await,
            Stored::DuplicateContent => {
                tracing::info!(
                    kind = parsed.content.kind(),
                    "Stored nothing new: every lote was already received."
                );
                self.summary.files_duplicate += 1;
                release(path, source)?;
                Ok(FileOutcome::Duplicate)
            }
            Stored::Ingested { .. } => {
                tracing::info!(kind = parsed.content.kind(), format = %parsed.format.name(), "Ingested a file.");
                self.summary.files_ingested += 1;
                release(path, source)?;
                Ok(FileOutcome::Ingested)
            }
        }
    }

    /// Copies the bytes into the archive (atomically, fsynced) before anything reads them.
    fn archive(&self, sha256: &str, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let path =
            self.settings.archive.join(&sha256[..2]).join(format!("{sha256}_{}", safe_file_name(name)));
        if !path.exists() {
            write_atomically(&path, bytes)
                .with_context(|| format!("Failed to archive into {}", path.display()))?;
        }
        Ok(path)
    }

    async fn quarantine(
        &mut self,
        path: &Path,
        source: IngestSource,
        meta: &FileMeta,
        parsed: &ParsedFile,
        problems: &[Problem],
    ) -> anyhow::Result<FileOutcome> {
        let report = quarantine_report(meta, parsed, problems);
        let target =
            self.settings.quarantine.join(format!("{}_{}", &meta.sha256[..12], safe_file_name(&meta.name)));
        let bytes = std::fs::read(&meta.archive_path).context("Failed to read the archived copy")?;
        write_atomically(&target, &bytes)?;
        write_atomically(&report_path(&target), report.as_bytes())?;
        self.store.record_quarantine(meta, parsed.content.kind(), &parsed.format.name(), &report).await?;
        // Only where the first problem is, never its reason: reasons quote cell values (a DNI,
        // an account, a name), which stay in the quarantine report.
        let first = problems.first();
        tracing::warn!(
            problems = problems.len(),
            first_at = %first.map(|p| p.location.to_string()).unwrap_or_default(),
            first_field = %first.map(|p| p.field.as_str()).unwrap_or_default(),
            quarantine = %target.display(),
            "Quarantined a file."
        );
        self.summary.files_quarantined += 1;
        release(path, source)?;
        Ok(FileOutcome::Quarantined(target))
    }
}

/// Rows a parsed file holds: roster rows, instructions, statement entries.
fn row_count(parsed: &ParsedFile) -> u64 {
    use crate::formats::Content;
    let n = match &parsed.content {
        Content::Roster(r) => r.rows.len(),
        Content::Payments(b) => b.iter().map(|b| b.instructions.len()).sum(),
        Content::Statements(s) => s.iter().map(|s| s.entries.len()).sum(),
        Content::Nothing => 0,
    };
    n as u64
}

fn report_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".report.txt");
    target.with_file_name(name)
}

/// The human-readable report beside a quarantined file: every problem, one per line.
pub fn quarantine_report(meta: &FileMeta, parsed: &ParsedFile, problems: &[Problem]) -> String {
    let mut out = format!(
        "Archivo en cuarentena / Quarantined file\n\
         file: {}\nsha256: {}\nsize: {} bytes\nreceived: {}\nformat: {}\nproblems: {}\n\n",
        meta.name,
        meta.sha256,
        meta.size,
        meta.received_at,
        parsed.format.name(),
        problems.len()
    );
    for problem in problems {
        out.push_str(&format!("- {problem}\n"));
    }
    out.push_str(
        "\nNothing of this file was stored. Once the sender corrects it, drop the corrected file in the inbox.\n",
    );
    out
}

/// Removes an inbox or staged file once it is safely stored, archived or quarantined.
fn release(path: &Path, source: IngestSource) -> anyhow::Result<()> {
    if matches!(source, IngestSource::Inbox | IngestSource::Staged) {
        std::fs::remove_file(path)
            .with_context(|| format!("Failed to remove {} from the inbox", path.display()))?;
    }
    Ok(())
}

fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// A file name safe to use in our folders: no separators, no control characters, not hidden.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() || c == '/' || c == '\\' { '_' } else { c })
        .take(120)
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned.into()
    }
}
