//! What every clone of a store shares, and what each operation runs on.

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use eventcore::{StoreError, store::NotificationHub};
use sqlx::{Connection, PgConnection, PgPool};

use super::{combiner::Combiner, follow::Follower, notifier::Notifier, statements::Statements};
use crate::{GroupCommit, SchemaName, error::SqlxErrors};

/// The settings a store is built with (from a `PostgresConfig`).
#[derive(Debug)]
pub(crate) struct Settings {
    pub schema: SchemaName,
    pub errors: SqlxErrors,
    /// Whether appends send a `NOTIFY`.
    pub notify: bool,
    /// Whether the follower keeps a `LISTEN` connection.
    pub listen: bool,
    pub poll_interval: Duration,
    pub visibility_wait: Duration,
    pub group_commit: GroupCommit,
}

#[derive(Debug)]
pub(crate) struct Shared {
    /// Reach it through [`pool_for`](Self::pool_for), which explains an
    /// unreachable server, except where a connection is already known.
    pub pool: PgPool,
    pub sql: Statements,
    pub schema: SchemaName,
    pub errors: SqlxErrors,
    /// The channel appends notify on; `None` when they do not notify.
    pub channel: Option<String>,
    /// Sends the notifications of appends that commit themselves, after
    /// their commit; `None` when appends do not notify.
    pub notifier: Option<Notifier>,
    /// Combines concurrent appends; `None` without group commit.
    pub combiner: Option<Combiner>,
    pub visibility_wait: Duration,
    pub hub: Arc<NotificationHub>,
    listen: bool,
    poll_interval: Duration,
    runtime: Option<tokio::runtime::Handle>,
    follower: OnceLock<Option<Follower>>,
    /// When a direct connection last succeeded while the pool was empty.
    last_probe: tokio::sync::Mutex<Option<Instant>>,
    /// The store's metric handles.
    pub metrics: eventcore::metrics::StoreMetrics,
}

impl Shared {
    pub(crate) fn new(pool: PgPool, settings: Settings) -> Self {
        let runtime = tokio::runtime::Handle::try_current().ok();
        let channel = settings.notify.then(|| settings.schema.channel());
        Self {
            notifier: channel
                .clone()
                .map(|channel| Notifier::new(pool.clone(), channel, runtime.clone())),
            combiner: Combiner::new(settings.group_commit),
            pool,
            sql: Statements::new(&settings.schema),
            channel,
            schema: settings.schema,
            errors: settings.errors,
            visibility_wait: settings.visibility_wait,
            hub: Arc::new(NotificationHub::default()),
            listen: settings.listen,
            poll_interval: settings.poll_interval,
            runtime,
            follower: OnceLock::new(),
            last_probe: tokio::sync::Mutex::new(None),
            metrics: eventcore::metrics::StoreMetrics::new("postgres"),
        }
    }

    /// The pool, once it is known that the server can be reached.
    ///
    /// sqlx's pool retries a refused or failed connection until the acquire
    /// timeout and then reports only "pool timed out". So while the pool
    /// holds no connection at all (a lazily built store, or every connection
    /// lost), one connection is opened directly first: a server that refuses
    /// it, or a failed login, fails `operation` at once with the reason
    /// ("Connection refused", "password authentication failed"). A success
    /// is trusted for one acquire timeout, so concurrent operations on a
    /// cold pool probe once, not once each.
    pub(crate) async fn pool_for(&self, operation: &'static str) -> Result<&PgPool, StoreError> {
        if self.pool.size() > 0 || self.pool.is_closed() {
            return Ok(&self.pool);
        }
        let mut last_probe = self.last_probe.lock().await;
        let trusted = last_probe.is_some_and(|at| at.elapsed() < self.errors.acquire_timeout);
        if self.pool.size() > 0 || trusted {
            return Ok(&self.pool);
        }
        self.probe(operation).await?;
        *last_probe = Some(Instant::now());
        Ok(&self.pool)
    }

    /// Opens one connection directly, within the acquire timeout, and closes
    /// it: the pool opens its own.
    pub(crate) async fn probe(&self, operation: &'static str) -> Result<(), StoreError> {
        let options = self.pool.connect_options();
        let timeout = self.errors.acquire_timeout;
        match tokio::time::timeout(timeout, PgConnection::connect_with(&options)).await {
            Err(_) => Err(StoreError::Unavailable {
                message: format!("{operation}: the database did not answer within {timeout:?}"),
                source: None,
            }),
            Ok(Err(e)) => Err(self.errors.translate(operation, e)),
            Ok(Ok(connection)) => {
                // Only the attempt mattered; a failed goodbye changes nothing.
                drop(connection.close().await);
                Ok(())
            }
        }
    }

    /// The follower, if one has been started.
    pub(crate) fn running_follower(&self) -> Option<&Follower> {
        self.follower.get().and_then(Option::as_ref)
    }

    /// Starts the background follower once, if a runtime is available.
    pub(crate) fn follower(&self) -> Option<&Follower> {
        self.follower
            .get_or_init(|| {
                let runtime = self
                    .runtime
                    .clone()
                    .or_else(|| tokio::runtime::Handle::try_current().ok());
                let Some(runtime) = runtime else {
                    tracing::warn!(
                        "eventcore-postgres: subscribe() outside a Tokio runtime; \
                         notifications are disabled and subscribers must poll"
                    );
                    return None;
                };
                Some(Follower::start(
                    &runtime,
                    self.pool.clone(),
                    self.sql.head_position.clone(),
                    Arc::clone(&self.hub),
                    self.channel.clone().filter(|_| self.listen),
                    self.poll_interval,
                ))
            })
            .as_ref()
    }
}
