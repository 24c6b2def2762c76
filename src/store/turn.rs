//! The order of files stored at once.
//!
//! A store that can write two files at once ([`super::Store::files_at_once`]; PostgreSQL,
//! where the server's backend of one connection is the bound, not the client) still stores
//! them as if one after the other, in delivery order:
//!
//! - a file takes its id (its delivery order) only once the file before it has taken its own;
//! - it runs the checks against what is stored (overlapping statements, lotes, referencias)
//!   and commits only once the file before it has committed or rolled back, so that the checks
//!   see every earlier file and never a later one;
//! - a roster or a payments file, whose writing reads what is stored of its kind (the
//!   roster's version, a lote's stored content), waits for the file before it to end before
//!   writing anything when that file is of the same kind (files of different kinds write
//!   different tables).
//!
//! What runs at once is the bulk of the work: parsing and copying the rows of two files.
//!
//! Each file gets a [`FileTurn`] from the [`TurnChain`] in delivery order. The file before it
//! signals through it: "registered" (with its kind) from the store, once its id is taken; "done"
//! from the job,
//! once the store has returned (committed or rolled back). A file whose predecessor failed
//! (its turn dropped without "done") fails too, rather than commit before it.

use tokio::sync::oneshot;

/// Hands out each file's turn, in delivery order.
#[derive(Default)]
pub struct TurnChain {
    registered: Option<oneshot::Receiver<&'static str>>,
    done: Option<oneshot::Receiver<()>>,
}

impl TurnChain {
    /// The next file's turn, and the signal its end gives the file after it
    /// ([`TurnDone::done`]).
    pub fn next_turn(&mut self) -> (FileTurn, TurnDone) {
        let (registered_tx, registered_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let turn = FileTurn {
            previous_registered: self.registered.replace(registered_rx),
            previous_done: self.done.replace(done_rx),
            registered: Some(registered_tx),
        };
        (turn, TurnDone(Some(done_tx)))
    }
}

/// One file's place in the order (see the module doc). A store that writes one file at a time
/// may ignore it: the job then starts a file only after the one before it has ended.
pub struct FileTurn {
    previous_registered: Option<oneshot::Receiver<&'static str>>,
    previous_done: Option<oneshot::Receiver<()>>,
    registered: Option<oneshot::Sender<&'static str>>,
}

impl FileTurn {
    /// A turn with nothing before it.
    pub fn alone() -> Self {
        Self { previous_registered: None, previous_done: None, registered: None }
    }

    /// Waits until the file before has taken its id (or has ended); its kind, when it took
    /// one (asked again: `None`).
    pub async fn previous_registered(&mut self) -> Option<&'static str> {
        // Taken only once received, so that a wait given up (a timeout) can be made again.
        let previous = self.previous_registered.as_mut()?;
        // An error means the previous file ended without taking an id: nothing to wait for.
        let kind = previous.await.ok();
        self.previous_registered = None;
        kind
    }

    /// Tells the file after this one that this one's id is taken, and its kind.
    pub fn registered(&mut self, kind: &'static str) {
        if let Some(next) = self.registered.take() {
            let _ = next.send(kind);
        }
    }

    /// Waits until the file before has been committed or rolled back. Fails when it failed
    /// instead: nothing may be committed out of delivery order.
    pub async fn previous_done(&mut self) -> anyhow::Result<()> {
        self.previous_registered().await;
        if let Some(previous) = self.previous_done.as_mut() {
            let ended = previous.await;
            self.previous_done = None;
            ended.map_err(|_| anyhow::anyhow!("the file delivered before this one failed"))?;
        }
        Ok(())
    }
}

/// Sent by the job once the store has returned from a file (committed or rolled back it).
pub struct TurnDone(Option<oneshot::Sender<()>>);

impl TurnDone {
    pub fn done(mut self) {
        if let Some(next) = self.0.take() {
            let _ = next.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_turn_waits_for_the_one_before() {
        let mut chain = TurnChain::default();
        let (mut first, first_done) = chain.next_turn();
        let (mut second, _second_done) = chain.next_turn();
        first.previous_done().await.unwrap();
        // Neither signal has come yet.
        assert!(tokio::time::timeout(std::time::Duration::from_millis(20), second.previous_registered())
            .await
            .is_err());
        first.registered("statements");
        assert_eq!(second.previous_registered().await, Some("statements"));
        let waiting = tokio::spawn(async move { second.previous_done().await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the second file waited for the first to end");
        first_done.done();
        waiting.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_failed_file_fails_the_one_after() {
        let mut chain = TurnChain::default();
        let (first, first_done) = chain.next_turn();
        let (mut second, _) = chain.next_turn();
        drop((first, first_done));
        let error = second.previous_done().await.unwrap_err();
        assert!(error.to_string().contains("before this one failed"), "{error}");
    }

    #[tokio::test]
    async fn a_store_that_ignores_the_turn_lets_the_next_go_once_done() {
        let mut chain = TurnChain::default();
        let (first, first_done) = chain.next_turn();
        drop(first);
        first_done.done();
        let (mut second, _) = chain.next_turn();
        second.previous_done().await.unwrap();
    }
}
