//! One file through ingestion: hash, skip if known, archive byte for byte, then parse the
//! archived copy as a stream into the file's transaction, quarantine with a report or commit,
//! and only then let go of the inbox copy. No step holds the whole file in memory.

use super::receive::{copy_atomically, receive, Received};
use super::Job;
use crate::formats::detect::parse_reader;
use crate::formats::encoding::TextEncoding;
use crate::formats::stream::{Outcome, Sink as _};
use crate::formats::{Format, ParseOptions, Problem};
use crate::report::csv_out::write_atomically;
use crate::settings::Settings;
use crate::store::turn::{FileTurn, TurnChain};
use crate::store::writing::file_stream;
use crate::store::{FileMeta, Store, Stored, StreamedFile};
use anyhow::Context as _;
use futures_util::stream::{FuturesOrdered, StreamExt as _};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use tracing::Instrument as _;

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

/// A new file, archived, whose content is being stored.
struct Pending {
    path: PathBuf,
    source: IngestSource,
    meta: FileMeta,
    encoding: TextEncoding,
    span: tracing::Span,
}

/// What storing a file gave: the stored file, the parser's busy time, the wall time.
type StoreResult = anyhow::Result<(StreamedFile, std::time::Duration, std::time::Duration)>;

impl<S: Store> Job<'_, S> {
    /// Ingests one file (see the module doc).
    pub async fn ingest_file(&mut self, path: &Path, source: IngestSource) -> anyhow::Result<FileOutcome> {
        let mut outcome = None;
        self.ingest_files(&[path.to_owned()], source, |o| outcome = Some(o.clone())).await?;
        outcome.ok_or_else(|| anyhow::anyhow!("{} was not ingested", path.display()))
    }

    /// Ingests files in the order given, their delivery order (see the module doc), calling
    /// `each` as each one is done. The store may take several at once
    /// ([`Store::files_at_once`]): each is still archived first, and stored, checked and
    /// committed as if after the one before it (`store::turn`). The first failure stops the
    /// ingestion; the files still being stored are rolled back and stay where they were.
    pub async fn ingest_files(
        &mut self,
        paths: &[PathBuf],
        source: IngestSource,
        mut each: impl FnMut(&FileOutcome),
    ) -> anyhow::Result<()> {
        let at_once = self.store.files_at_once().max(1);
        let mut turns = TurnChain::default();
        let mut storing = FuturesOrdered::new();
        let mut storing_hashes = VecDeque::new();
        for path in paths {
            let span = tracing::info_span!("ingest_file", file = %display_name(path));
            let started = std::time::Instant::now();
            // Hashing and archiving the next file (a blocking thread) does not stall the files
            // being stored: they go on meanwhile, and those done are settled after, in order.
            let receiving = tokio::task::spawn_blocking({
                let (path, archive, span) = (path.clone(), self.settings.archive.clone(), span.clone());
                move || span.in_scope(|| receive(&path, &archive))
            });
            let mut receiving = std::pin::pin!(receiving);
            let mut stored = VecDeque::new();
            let received = loop {
                tokio::select! {
                    received = &mut receiving => break received.context("The receiving thread failed"),
                    Some(done) = storing.next(), if !storing.is_empty() => stored.push_back(done),
                }
            };
            self.settle_all(stored, &mut storing_hashes, &mut each).await?;
            let received = logged(&span, received.and_then(|r| r))?;
            // The same bytes twice in one delivery: the second is a duplicate of the first once
            // the first is stored, so the files being stored are finished first.
            while storing_hashes.contains(&received.sha256) {
                let ended = storing.next().await;
                self.settle_all(ended, &mut storing_hashes, &mut each).await?;
            }
            let admitted = self.admit(path, source, received, started).instrument(span.clone()).await;
            let pending = match logged(&span, admitted)? {
                Ok(pending) => pending,
                Err(duplicate) => {
                    each(&duplicate);
                    continue;
                }
            };
            while storing.len() >= at_once {
                let ended = storing.next().await;
                self.settle_all(ended, &mut storing_hashes, &mut each).await?;
            }
            storing_hashes.push_back(pending.meta.sha256.clone());
            let (turn, turn_done) = turns.next_turn();
            let (store, settings, span) = (self.store, self.settings, pending.span.clone());
            storing.push_back(
                async move {
                    let started = std::time::Instant::now();
                    let result =
                        parse_and_store(store, settings, &pending.meta, pending.encoding, turn).await;
                    // Committed or rolled back: the next file may go on to its checks. A
                    // failure drops the signal instead, and the next file fails too.
                    if result.is_ok() {
                        turn_done.done();
                    }
                    (pending, result.map(|(streamed, parse)| (streamed, parse, started.elapsed())))
                }
                .instrument(span),
            );
        }
        while !storing.is_empty() {
            let ended = storing.next().await;
            self.settle_all(ended, &mut storing_hashes, &mut each).await?;
        }
        Ok(())
    }

    /// Settles files whose storing ended, in delivery order, and forgets their hashes (the
    /// hashes of the files being stored, oldest first).
    async fn settle_all(
        &mut self,
        ended: impl IntoIterator<Item = (Pending, StoreResult)>,
        storing_hashes: &mut VecDeque<String>,
        each: &mut impl FnMut(&FileOutcome),
    ) -> anyhow::Result<()> {
        for (pending, result) in ended {
            storing_hashes.pop_front();
            each(&self.settle(pending, result).await?);
        }
        Ok(())
    }

    /// A received file: a duplicate of a known one is recorded and let go (`Err` with its
    /// outcome); a new one is kept in the archive, to be stored.
    async fn admit(
        &mut self,
        path: &Path,
        source: IngestSource,
        received: Received,
        started: std::time::Instant,
    ) -> anyhow::Result<Result<Pending, FileOutcome>> {
        let name = display_name(path);
        self.summary.input_bytes += received.size;
        if let Some(known) = self.store.known_file(&received.sha256).await? {
            self.store.record_sighting(known.id, &name, self.run_id).await?;
            tracing::info!(known_as = %known.name, status = %known.status, "Skipped a file already received.");
            self.summary.files_duplicate += 1;
            release(path, source)?;
            return Ok(Err(FileOutcome::Duplicate));
        }
        let (sha256, size, encoding) = (received.sha256.clone(), received.size, received.encoding);
        let archive_path = received.keep(&self.archive_path(&sha256, &name))?;
        self.summary.time("fetch", started);
        let meta = FileMeta {
            sha256,
            name,
            size,
            archive_path: archive_path.display().to_string(),
            received_at: crate::clock::now_rfc3339(),
            run_id: self.run_id,
        };
        Ok(Ok(Pending { path: path.to_owned(), source, meta, encoding, span: tracing::Span::current() }))
    }

    /// Once a file is stored (or refused): its times, then its quarantine or its release.
    async fn settle(&mut self, pending: Pending, result: StoreResult) -> anyhow::Result<FileOutcome> {
        let Pending { path, source, meta, span, .. } = pending;
        let (streamed, parse_busy, took) = logged(&span, result)?;
        self.summary.add_time("parse", parse_busy);
        self.summary.add_time("store", streamed.store_busy);
        self.summary.add_time("ingest", took);
        self.summary.input_rows += streamed.rows;
        let (format, kind) = (streamed.outcome.format.name(), streamed.outcome.format.kind());
        let settled = async {
            match streamed.stored {
                Stored::Rejected(problems) => {
                    self.quarantine(&path, source, &meta, &format, kind, &problems).await
                }
                Stored::DuplicateContent => {
                    tracing::info!(kind, "Stored nothing new: every lote was already received.");
                    self.summary.files_duplicate += 1;
                    release(&path, source)?;
                    Ok(FileOutcome::Duplicate)
                }
                Stored::Ingested { .. } => {
                    tracing::info!(kind, format = %format, "Ingested a file.");
                    self.summary.files_ingested += 1;
                    release(&path, source)?;
                    Ok(FileOutcome::Ingested)
                }
            }
        }
        .instrument(span.clone())
        .await;
        logged(&span, settled)
    }

    /// Where the archive keeps a file: by its hash, so a name can never collide or escape.
    fn archive_path(&self, sha256: &str, name: &str) -> PathBuf {
        self.settings.archive.join(&sha256[..2]).join(format!("{sha256}_{}", safe_file_name(name)))
    }

    async fn quarantine(
        &mut self,
        path: &Path,
        source: IngestSource,
        meta: &FileMeta,
        format: &str,
        kind: &str,
        problems: &[Problem],
    ) -> anyhow::Result<FileOutcome> {
        let report = quarantine_report(meta, format, problems);
        let target =
            self.settings.quarantine.join(format!("{}_{}", &meta.sha256[..12], safe_file_name(&meta.name)));
        copy_atomically(Path::new(&meta.archive_path), &target)
            .context("Failed to copy the archived file into the quarantine")?;
        write_atomically(&report_path(&target), report.as_bytes())?;
        self.store.record_quarantine(meta, kind, format, &report).await?;
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

/// Parses the archived copy on a blocking thread and stores its records as they come,
/// through a bounded channel (so the two cores work at once and memory stays flat). Returns
/// the stored file and the parser's busy time.
async fn parse_and_store<S: Store>(
    store: &S,
    settings: &Settings,
    meta: &FileMeta,
    encoding: TextEncoding,
    turn: FileTurn,
) -> anyhow::Result<(StreamedFile, std::time::Duration)> {
    let (mut sender, stream) = file_stream();
    let options = ParseOptions { currency: settings.currency.clone() };
    let path = PathBuf::from(&meta.archive_path);
    let parser = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let outcome = match std::fs::File::open(&path) {
            Ok(file) => parse_reader(file, encoding, &options, &mut sender),
            Err(error) => {
                sender.begin(&Format::Unknown);
                Outcome {
                    format: Format::Unknown,
                    problems: vec![Problem::in_file(
                        "",
                        format!("the archived copy could not be read: {error}"),
                    )],
                }
            }
        };
        let busy = started.elapsed().saturating_sub(sender.waited());
        sender.end(outcome);
        busy
    });
    // A store that fails drops the stream: the parser then reads to the end and stops.
    let stored = store.store_stream(meta, stream, settings.grace_days, turn).await;
    let parse_busy = parser.await.context("The parser thread failed")?;
    Ok((stored?, parse_busy))
}

/// Logs a file's failure inside its span (as `#[instrument(err)]` did), and passes it on.
fn logged<T>(span: &tracing::Span, result: anyhow::Result<T>) -> anyhow::Result<T> {
    if let Err(error) = &result {
        span.in_scope(|| tracing::error!(error = %error));
    }
    result
}

fn report_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".report.txt");
    target.with_file_name(name)
}

/// The human-readable report beside a quarantined file: every problem, one per line.
pub fn quarantine_report(meta: &FileMeta, format: &str, problems: &[Problem]) -> String {
    let mut out = format!(
        "Archivo en cuarentena / Quarantined file\n\
         file: {}\nsha256: {}\nsize: {} bytes\nreceived: {}\nformat: {}\nproblems: {}\n\n",
        meta.name,
        meta.sha256,
        meta.size,
        meta.received_at,
        format,
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
