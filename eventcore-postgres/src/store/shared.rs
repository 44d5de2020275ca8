//! What every clone of a store shares, and what each operation runs on.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use eventcore::store::NotificationHub;
use sqlx::PgPool;

use super::{follow::Follower, statements::Statements};
use crate::{SchemaName, error::SqlxErrors};

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
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub pool: PgPool,
    pub sql: Statements,
    pub schema: SchemaName,
    pub errors: SqlxErrors,
    /// The channel appends notify on; `None` when they do not notify.
    pub channel: Option<String>,
    pub visibility_wait: Duration,
    pub hub: Arc<NotificationHub>,
    listen: bool,
    poll_interval: Duration,
    runtime: Option<tokio::runtime::Handle>,
    follower: OnceLock<Option<Follower>>,
}

impl Shared {
    pub(crate) fn new(pool: PgPool, settings: Settings) -> Self {
        Self {
            pool,
            sql: Statements::new(&settings.schema),
            channel: settings.notify.then(|| settings.schema.channel()),
            schema: settings.schema,
            errors: settings.errors,
            visibility_wait: settings.visibility_wait,
            hub: Arc::new(NotificationHub::default()),
            listen: settings.listen,
            poll_interval: settings.poll_interval,
            runtime: tokio::runtime::Handle::try_current().ok(),
            follower: OnceLock::new(),
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
