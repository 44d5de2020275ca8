//! The background task that feeds [`NotificationHub`] with gap-safe heads.
//!
//! It wakes on a `NOTIFY` from any process, on an append made through this
//! process, or on a timer (the polling fallback), and then announces the
//! gap-safe head, never a position a reader cannot see yet. While a
//! notified position is not yet readable (an older append to this store is still
//! open) it re-checks with a short backoff.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use eventcore::{GlobalPosition, store::NotificationHub};
use sqlx::{
    PgPool,
    postgres::{PgListener, PgPoolOptions},
};
use tokio::sync::{Notify, mpsc, oneshot};

use super::visibility::Head;

/// Handle to the running task. Dropping it (with the last store clone)
/// stops the task and closes its `LISTEN` connection.
#[derive(Debug)]
pub(crate) struct Follower {
    wake: Arc<Notify>,
    pending: Arc<AtomicU64>,
    _shutdown: oneshot::Sender<()>,
}

/// The shortest re-check delay while a notified position is not readable.
const MIN_RECHECK: Duration = Duration::from_millis(10);
/// The longest pause between reconnection attempts of the listener.
const MAX_RECONNECT_BACKOFF: Duration = Duration::from_secs(5);

impl Follower {
    pub(crate) fn start(
        runtime: &tokio::runtime::Handle,
        pool: PgPool,
        head_sql: String,
        hub: Arc<NotificationHub>,
        channel: Option<String>,
        poll_interval: Duration,
    ) -> Self {
        let wake = Arc::new(Notify::new());
        let pending = Arc::new(AtomicU64::new(0));
        let (shutdown, stopped) = oneshot::channel();
        let task = Task {
            pool,
            head_sql,
            hub,
            wake: Arc::clone(&wake),
            pending: Arc::clone(&pending),
            poll_interval: poll_interval.max(MIN_RECHECK),
        };
        runtime.spawn(task.run(channel, runtime.clone(), stopped));
        Self {
            wake,
            pending,
            _shutdown: shutdown,
        }
    }

    /// An append through this process committed up to `position`.
    pub(crate) fn appended(&self, position: GlobalPosition) {
        self.pending.fetch_max(position.value(), Ordering::Relaxed);
        self.wake.notify_one();
    }
}

struct Task {
    pool: PgPool,
    head_sql: String,
    hub: Arc<NotificationHub>,
    wake: Arc<Notify>,
    pending: Arc<AtomicU64>,
    poll_interval: Duration,
}

impl Task {
    async fn run(
        self,
        channel: Option<String>,
        runtime: tokio::runtime::Handle,
        mut stopped: oneshot::Receiver<()>,
    ) {
        // The listener gets its own small pool, so it never takes a
        // connection from the store's pool. Two connections: a dead one
        // may still be closing while its replacement connects.
        let listen_pool = channel.map(|channel| {
            let options = self.pool.connect_options().as_ref().clone();
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .acquire_timeout(self.pool.options().get_acquire_timeout())
                .connect_lazy_with(options);
            let (tx, rx) = mpsc::channel(64);
            runtime.spawn(listen(pool.clone(), channel, tx));
            (pool, rx)
        });
        let (listen_pool, mut notifications) = match listen_pool {
            Some((pool, rx)) => (Some(pool), Some(rx)),
            None => (None, None),
        };
        let mut delay = MIN_RECHECK;
        loop {
            delay = self.refresh(delay).await;
            tokio::select! {
                _ = &mut stopped => break,
                // A new append: re-check soon, backing off from the shortest
                // delay again (not from the poll interval reached while idle).
                () = self.wake.notified() => delay = MIN_RECHECK,
                signal = recv(&mut notifications) => match signal {
                    Some(Some(position)) => {
                        self.pending.fetch_max(position, Ordering::Relaxed);
                        delay = MIN_RECHECK;
                    }
                    // Reconnected: notifications may have been missed.
                    Some(None) => delay = MIN_RECHECK,
                    None => notifications = None,
                },
                () = tokio::time::sleep(delay) => {}
            }
        }
        if let Some(pool) = listen_pool {
            // Wakes the listener out of its wait; it then exits.
            pool.close().await;
        }
        tracing::debug!("eventcore-postgres follower stopped");
    }

    /// Announces the gap-safe head and returns the delay until the next
    /// check: short (with backoff) while a notified position is not yet
    /// readable, the poll interval otherwise.
    async fn refresh(&self, delay: Duration) -> Duration {
        match Head::fetch(&self.pool, &self.head_sql).await {
            Ok(Head { safe, .. }) => {
                let head = GlobalPosition::new(u64::try_from(safe).unwrap_or(0));
                self.hub.notify(head);
                if head.value() < self.pending.load(Ordering::Relaxed) {
                    (delay * 2).min(self.poll_interval)
                } else {
                    self.pending.fetch_max(head.value(), Ordering::Relaxed);
                    self.poll_interval
                }
            }
            Err(error) => {
                tracing::debug!(%error, "eventcore-postgres follower could not read the head");
                self.poll_interval
            }
        }
        .max(MIN_RECHECK)
    }
}

/// Receives from the listener channel, or waits forever without one.
async fn recv(rx: &mut Option<mpsc::Receiver<Option<u64>>>) -> Option<Option<u64>> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Owns the `LISTEN` connection: forwards each notified position (or
/// `None` after a reconnect) until the follower goes away.
async fn listen(pool: PgPool, channel: String, tx: mpsc::Sender<Option<u64>>) {
    let mut backoff = Duration::from_millis(50);
    while !pool.is_closed() && !tx.is_closed() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "eventcore-postgres: LISTEN connection failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_RECONNECT_BACKOFF);
                continue;
            }
        };
        if let Err(error) = listener.listen(&channel).await {
            tracing::warn!(%error, "eventcore-postgres: LISTEN failed; retrying");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_RECONNECT_BACKOFF);
            continue;
        }
        backoff = Duration::from_millis(50);
        // Anything committed while we were not listening is picked up by
        // the refresh this triggers.
        if tx.send(None).await.is_err() {
            return;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    let position = notification.payload().parse::<u64>().ok();
                    if let Some(position) = position
                        && tx.send(Some(position)).await.is_err()
                    {
                        return;
                    }
                }
                Ok(None) => {
                    tracing::debug!("eventcore-postgres: LISTEN connection lost; reconnected");
                    if tx.send(None).await.is_err() {
                        return;
                    }
                }
                Err(error) => {
                    if !pool.is_closed() {
                        tracing::warn!(%error, "eventcore-postgres: LISTEN connection failed; reconnecting");
                    }
                    break;
                }
            }
        }
    }
}
