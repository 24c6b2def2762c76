//! Saving a period's results part by part, in one transaction, while the rest is still being
//! computed.
//!
//! The recompute hands each part to [`PeriodSave::put`] as soon as it is final — the matches
//! right after the reconciliation, the checkpoint once the account-months are built, then the
//! exceptions, the account-months and the indicators — and a writer of the backend's own (a
//! blocking thread with its `rusqlite` connection on SQLite, a task with a pooled connection on
//! PostgreSQL) writes them inside the transaction it opened by deleting the period's old
//! results. At national scale the writing of the matches thus overlaps the building of the
//! account-months on the second core, and a part's rows are freed once written.
//!
//! A period recomputed in account ranges (`store::range`) sends the matches and the checkpoint
//! once per range, as each range is finished; the exceptions, the account-months and the
//! indicators, which are the whole period's, once at the end. The account-months come in the
//! order of their key (DNI), merged from the ranges' sorted runs: saved range by range, each
//! range's DNIs landed all over the period's primary key, which at 20 million women cost the
//! server 3–4.5 s of every range's ~14 (BENCHMARKS.md).
//!
//! Nothing is half-written: the writer commits only on [`PeriodSave::commit`], and only when
//! every part came (the whole-period ones exactly once); a recompute that fails or is dropped
//! midway drops the channel, and the writer rolls the transaction back.

use crate::indicators::IndicatorRow;
use crate::reconcile::{DuplicateCredit, ExceptionRow, Match};
use crate::report::account_month_rows::AccountMonthRows;
use crate::savings::timeline::Checkpoint;
use std::sync::Arc;
use tokio::sync::mpsc;

/// One part of a period's results.
pub enum ResultPart {
    /// The period's matches and duplicate credits (its exceptions come as [`ResultPart::Exceptions`]).
    Reconciliation {
        matches: Vec<Match>,
        duplicates: Vec<DuplicateCredit>,
    },
    /// The timelines at the end of the period, for the next one.
    Checkpoint(Checkpoint),
    /// The period's exceptions, in output order (shared with the reports being written).
    Exceptions(Arc<Vec<ExceptionRow>>),
    /// The period's account-months, by DNI (shared with the reports being written).
    AccountMonths(AccountMonthRows),
    Indicators(Vec<IndicatorRow>),
}

impl ResultPart {
    fn name(&self) -> &'static str {
        match self {
            Self::Reconciliation { .. } => "reconciliation",
            Self::Checkpoint(_) => "checkpoint",
            Self::Exceptions(_) => "exceptions",
            Self::AccountMonths(_) => "account_months",
            Self::Indicators(_) => "indicators",
        }
    }

    /// Whether the part comes once per account range (a period recomputed in ranges sends the
    /// matches and the checkpoint of each range as it finishes it); the exceptions, the
    /// account-months and the indicators are the whole period's and come once.
    fn per_range(&self) -> bool {
        matches!(self, Self::Reconciliation { .. } | Self::Checkpoint(_))
    }
}

/// What the recompute sends its writer.
pub enum SaveMessage {
    Part(ResultPart),
    /// Every part was sent: commit.
    Commit,
}

/// The writer's side of a period's save: the parts as they come, and what came so far.
pub struct SaveParts {
    parts: mpsc::Receiver<SaveMessage>,
    received: Vec<&'static str>,
}

/// Every part a period's results are made of (each at least once; see [`ResultPart::per_range`]).
const ALL_PARTS: [&str; 5] = ["reconciliation", "checkpoint", "exceptions", "account_months", "indicators"];

impl SaveParts {
    /// The next part to write; `Ok(None)` when the recompute asks to commit and every part came
    /// exactly once. An error when the recompute went away without asking (the writer then
    /// rolls back) or a part is missing or repeated.
    pub fn next_blocking(&mut self) -> anyhow::Result<Option<ResultPart>> {
        let message = self.parts.blocking_recv();
        self.check(message)
    }

    /// [`SaveParts::next_blocking`] for a writer that is an async task.
    pub async fn next(&mut self) -> anyhow::Result<Option<ResultPart>> {
        let message = self.parts.recv().await;
        self.check(message)
    }

    fn check(&mut self, message: Option<SaveMessage>) -> anyhow::Result<Option<ResultPart>> {
        match message {
            None => {
                anyhow::bail!("the recompute stopped before its results were complete: nothing was saved")
            }
            Some(SaveMessage::Part(part)) => {
                let name = part.name();
                anyhow::ensure!(
                    part.per_range() || !self.received.contains(&name),
                    "a period's {name} was sent twice to its save"
                );
                if !self.received.contains(&name) {
                    self.received.push(name);
                }
                Ok(Some(part))
            }
            Some(SaveMessage::Commit) => {
                let missing: Vec<&str> =
                    ALL_PARTS.into_iter().filter(|p| !self.received.contains(p)).collect();
                anyhow::ensure!(
                    missing.is_empty(),
                    "a period's save was asked to commit without its {missing:?}"
                );
                Ok(None)
            }
        }
    }
}

/// A period's save in progress (see the module documentation).
pub struct PeriodSave {
    parts: mpsc::Sender<SaveMessage>,
    writer: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl PeriodSave {
    /// Starts a writer: `spawn` is given the receiving side and returns the writer's task.
    pub fn start(spawn: impl FnOnce(SaveParts) -> tokio::task::JoinHandle<anyhow::Result<()>>) -> Self {
        // A few parts in flight at most: each is one of the period's large vectors.
        let (sender, receiver) = mpsc::channel(2);
        let writer = spawn(SaveParts { parts: receiver, received: Vec::new() });
        Self { parts: sender, writer }
    }

    /// Hands one part to the writer. When the writer has already failed, its error.
    pub async fn put(&mut self, part: ResultPart) -> anyhow::Result<()> {
        if self.parts.send(SaveMessage::Part(part)).await.is_err() {
            return Err(self.writer_failure().await);
        }
        Ok(())
    }

    /// Asks the writer to commit and waits until it has.
    pub async fn commit(mut self) -> anyhow::Result<()> {
        if self.parts.send(SaveMessage::Commit).await.is_err() {
            return Err(self.writer_failure().await);
        }
        drop(self.parts);
        self.writer.await.map_err(|e| anyhow::anyhow!("the period's save failed: {e}"))?
    }

    /// Why the writer stopped receiving.
    async fn writer_failure(&mut self) -> anyhow::Error {
        match (&mut self.writer).await {
            Ok(Err(e)) => e,
            Ok(Ok(())) => anyhow::anyhow!("the period's save ended before its results were complete"),
            Err(e) => anyhow::anyhow!("the period's save failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> Vec<ResultPart> {
        vec![
            ResultPart::Reconciliation { matches: Vec::new(), duplicates: Vec::new() },
            ResultPart::Checkpoint(Checkpoint::default()),
            ResultPart::Exceptions(Arc::default()),
            ResultPart::AccountMonths(AccountMonthRows::default()),
            ResultPart::Indicators(Vec::new()),
        ]
    }

    /// A writer that records the parts it got and "commits" only as `SaveParts` allows.
    fn recording_writer(
        log: Arc<std::sync::Mutex<Vec<&'static str>>>,
    ) -> impl FnOnce(SaveParts) -> tokio::task::JoinHandle<anyhow::Result<()>> {
        move |mut parts| {
            tokio::task::spawn_blocking(move || {
                while let Some(part) = parts.next_blocking()? {
                    log.lock().unwrap().push(part.name());
                }
                log.lock().unwrap().push("COMMIT");
                Ok(())
            })
        }
    }

    #[tokio::test]
    async fn every_part_then_commit_commits() {
        let log = Arc::default();
        let mut save = PeriodSave::start(recording_writer(Arc::clone(&log)));
        for part in parts() {
            save.put(part).await.unwrap();
        }
        save.commit().await.unwrap();
        assert_eq!(*log.lock().unwrap(), [ALL_PARTS.as_slice(), &["COMMIT"]].concat());
    }

    #[tokio::test]
    async fn a_missing_part_is_refused_at_commit() {
        let log = Arc::default();
        let mut save = PeriodSave::start(recording_writer(Arc::clone(&log)));
        for part in parts().into_iter().filter(|p| p.name() != "checkpoint") {
            save.put(part).await.unwrap();
        }
        let error = save.commit().await.unwrap_err().to_string();
        assert!(error.contains("without its [\"checkpoint\"]"), "{error}");
        assert!(!log.lock().unwrap().contains(&"COMMIT"));
    }

    #[tokio::test]
    async fn a_repeated_part_stops_the_writer_and_the_next_put_says_why() {
        let log = Arc::default();
        let mut save = PeriodSave::start(recording_writer(Arc::clone(&log)));
        save.put(ResultPart::Indicators(Vec::new())).await.unwrap();
        save.put(ResultPart::Indicators(Vec::new())).await.unwrap();
        // The writer has stopped on the repeat; sends fail once the channel is closed.
        let mut error = None;
        for _ in 0..4 {
            if let Err(e) = save.put(ResultPart::Checkpoint(Checkpoint::default())).await {
                error = Some(e.to_string());
                break;
            }
        }
        assert!(error.expect("a put fails").contains("sent twice"));
        assert!(!log.lock().unwrap().contains(&"COMMIT"));
    }

    #[tokio::test]
    async fn the_per_range_parts_may_come_once_per_range() {
        let log = Arc::default();
        let mut save = PeriodSave::start(recording_writer(Arc::clone(&log)));
        for _range in 0..3 {
            save.put(ResultPart::Reconciliation { matches: Vec::new(), duplicates: Vec::new() })
                .await
                .unwrap();
            save.put(ResultPart::Checkpoint(Checkpoint::default())).await.unwrap();
        }
        save.put(ResultPart::Exceptions(Arc::default())).await.unwrap();
        save.put(ResultPart::AccountMonths(AccountMonthRows::default())).await.unwrap();
        save.put(ResultPart::Indicators(Vec::new())).await.unwrap();
        save.commit().await.unwrap();
        let log = log.lock().unwrap();
        assert_eq!(log.len(), 10);
        assert_eq!(log.last(), Some(&"COMMIT"));
    }

    #[tokio::test]
    async fn a_dropped_save_never_commits() {
        let log: Arc<std::sync::Mutex<Vec<&'static str>>> = Arc::default();
        let finished = Arc::new(std::sync::Mutex::new(None));
        let mut save = PeriodSave::start({
            let (log, finished) = (Arc::clone(&log), Arc::clone(&finished));
            move |parts| {
                let writer = recording_writer(log)(parts);
                tokio::spawn(async move {
                    let outcome = writer.await.unwrap();
                    *finished.lock().unwrap() = Some(outcome.map_err(|e| e.to_string()));
                    Ok(())
                })
            }
        });
        save.put(ResultPart::Indicators(Vec::new())).await.unwrap();
        let writer = {
            let PeriodSave { parts, writer } = save;
            drop(parts);
            writer
        };
        writer.await.unwrap().unwrap();
        let outcome = finished.lock().unwrap().clone().expect("the writer finished");
        assert!(outcome.unwrap_err().contains("stopped before its results were complete"));
        assert!(!log.lock().unwrap().contains(&"COMMIT"));
    }
}
