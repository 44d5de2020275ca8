//! Notifications sent after the commit, not inside it.
//!
//! A `NOTIFY` inside an append's transaction takes PostgreSQL's
//! notification-queue lock from the `NOTIFY` until the commit, so every
//! notifying transaction of the cluster commits one after the other. Instead,
//! appends that commit themselves tell this notifier their last position, and
//! one task per store sends a single `NOTIFY` for everything committed since
//! its last one. Listeners in other processes lose nothing they relied on:
//! a notification is a hint to read, and a lost one (this process ending
//! between a commit and its `NOTIFY`) is caught by their polling.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicU64, Ordering},
};

use eventcore::GlobalPosition;
use sqlx::PgPool;
use tokio::sync::{Notify, oneshot};

/// Sends coalesced notifications on one channel; started by the first
/// commit it hears of.
#[derive(Debug)]
pub(crate) struct Notifier {
    channel: String,
    pool: PgPool,
    runtime: Option<tokio::runtime::Handle>,
    latest: Arc<AtomicU64>,
    wake: Arc<Notify>,
    /// Dropped with the store, which stops the task.
    task: OnceLock<Option<oneshot::Sender<()>>>,
}

impl Notifier {
    pub(crate) fn new(
        pool: PgPool,
        channel: String,
        runtime: Option<tokio::runtime::Handle>,
    ) -> Self {
        Self {
            channel,
            pool,
            runtime,
            latest: Arc::new(AtomicU64::new(0)),
            wake: Arc::new(Notify::new()),
            task: OnceLock::new(),
        }
    }

    /// Events up to `position` have committed: other processes should hear
    /// of them.
    pub(crate) fn committed(&self, position: GlobalPosition) {
        self.latest.fetch_max(position.value(), Ordering::Relaxed);
        if self.task.get_or_init(|| self.start()).is_some() {
            self.wake.notify_one();
        }
    }

    fn start(&self) -> Option<oneshot::Sender<()>> {
        let runtime = self
            .runtime
            .clone()
            .or_else(|| tokio::runtime::Handle::try_current().ok())?;
        let (stop, stopped) = oneshot::channel();
        runtime.spawn(send_loop(
            self.pool.clone(),
            self.channel.clone(),
            Arc::clone(&self.latest),
            Arc::clone(&self.wake),
            stopped,
        ));
        Some(stop)
    }
}

/// Sends one `NOTIFY` per wake-up, with the newest committed position, until
/// the store is dropped. Appends that commit while one is in flight are
/// covered by the next.
async fn send_loop(
    pool: PgPool,
    channel: String,
    latest: Arc<AtomicU64>,
    wake: Arc<Notify>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut sent = 0;
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            () = wake.notified() => {}
        }
        let position = latest.load(Ordering::Relaxed);
        if position <= sent {
            continue;
        }
        let result = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&channel)
            .bind(position.to_string())
            .execute(&pool)
            .await;
        match result {
            Ok(_) => sent = position,
            // Listeners poll: a lost notification delays them by at most
            // their poll interval.
            Err(error) => {
                tracing::debug!(%error, position, "eventcore-postgres: could not send a notification");
            }
        }
    }
}
