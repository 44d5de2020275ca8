//! The handle of a running poll for other processes' commits (started by
//! `follow`), kept by the store so that `close` can stop it.

/// A running poll.
#[derive(Debug)]
pub(crate) struct Follower {
    pub(crate) stop: tokio::sync::oneshot::Sender<()>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

impl Follower {
    /// Stops the poll and waits until its connection is closed.
    pub(crate) async fn stop(self) {
        // Already gone if the poll ended on its own (the store dropped).
        let _ = self.stop.send(());
        drop(self.task.await);
    }
}
