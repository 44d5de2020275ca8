//! [`PostgresConfig`]: where to connect and how.

use std::{fmt, str::FromStr, time::Duration};

use eventcore::{StoreError, ValidationError};
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::{GroupCommit, PostgresStore, SchemaName, error::SqlxErrors, store::Settings};

/// How to build a [`PostgresStore`].
///
/// Start from a connection URL or from an existing pool, adjust the settings,
/// then [`connect`](Self::connect). Every setting has a default suited to an
/// application server.
///
/// ```no_run
/// use std::time::Duration;
/// use eventcore_postgres::{PostgresConfig, SchemaName};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresConfig::from_url("postgres://postgres@127.0.0.1:5432/postgres")
///     .max_connections(16)
///     .acquire_timeout(Duration::from_secs(2))
///     .statement_timeout(Duration::from_secs(10))
///     .schema(SchemaName::try_new("billing")?)
///     .connect()
///     .await?;
/// store.migrate().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[must_use]
pub struct PostgresConfig {
    source: Source,
    pub(crate) max_connections: u32,
    pub(crate) acquire_timeout: Duration,
    pub(crate) statement_timeout: Option<Duration>,
    pub(crate) schema: SchemaName,
    pub(crate) notify: bool,
    pub(crate) listen: bool,
    pub(crate) poll_interval: Duration,
    pub(crate) visibility_wait: Duration,
    pub(crate) group_commit: GroupCommit,
}

#[derive(Clone)]
enum Source {
    Url(String),
    Pool(PgPool),
}

impl PostgresConfig {
    /// Default number of pooled connections.
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
    /// Default wait for a pooled connection (including connecting).
    pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default server-side limit per statement.
    pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default interval at which subscribers poll when no notification comes.
    pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

    /// Default time `read_all` and `head_position` wait for older open
    /// transactions before answering without the newest events.
    pub const DEFAULT_VISIBILITY_WAIT: Duration = Duration::from_millis(250);

    /// Connects to `url` (`postgres://user:password@host:port/database`)
    /// with a pool this store owns.
    pub fn from_url(url: impl Into<String>) -> Self {
        Self::with_source(Source::Url(url.into()))
    }

    /// Uses an existing pool. The pool's own size and timeouts then apply;
    /// [`max_connections`](Self::max_connections) and
    /// [`statement_timeout`](Self::statement_timeout) are ignored (set
    /// `statement_timeout` on the pool's connect options instead), and
    /// [`acquire_timeout`](Self::acquire_timeout) is used only in error
    /// messages.
    pub fn from_pool(pool: PgPool) -> Self {
        let acquire_timeout = pool.options().get_acquire_timeout();
        let mut config = Self::with_source(Source::Pool(pool));
        config.acquire_timeout = acquire_timeout;
        config.statement_timeout = None;
        config
    }

    fn with_source(source: Source) -> Self {
        Self {
            source,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: Self::DEFAULT_ACQUIRE_TIMEOUT,
            statement_timeout: Some(Self::DEFAULT_STATEMENT_TIMEOUT),
            schema: SchemaName::default(),
            notify: true,
            listen: true,
            poll_interval: Self::DEFAULT_POLL_INTERVAL,
            visibility_wait: Self::DEFAULT_VISIBILITY_WAIT,
            group_commit: GroupCommit::new(),
        }
    }

    /// The most connections the pool opens (at least 1).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// How long an operation waits for a connection, connecting included,
    /// before failing with [`StoreError::Unavailable`].
    pub const fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The server-side `statement_timeout`; a statement running longer fails
    /// with [`StoreError::Timeout`].
    pub const fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = Some(timeout);
        self
    }

    /// Runs statements without a server-side time limit.
    pub const fn no_statement_timeout(mut self) -> Self {
        self.statement_timeout = None;
        self
    }

    /// The schema holding the store's tables (default `eventcore`).
    pub fn schema(mut self, schema: SchemaName) -> Self {
        self.schema = schema;
        self
    }

    /// Whether appends send a `NOTIFY` (default `true`).
    ///
    /// Appends that commit themselves notify after their commit, one
    /// coalesced `NOTIFY` per store for everything committed since the
    /// last; appends inside a caller's [`Transaction`](crate::Transaction)
    /// notify inside it, and PostgreSQL serializes the commits of notifying
    /// transactions. A deployment whose readers are content to poll can
    /// turn this off.
    pub const fn notify(mut self, notify: bool) -> Self {
        self.notify = notify;
        self
    }

    /// Whether [`subscribe`](eventcore::store::EventStore::subscribe) keeps a
    /// `LISTEN` connection open (default `true`). Without it, subscribers
    /// learn of other processes' appends by polling.
    pub const fn listen(mut self, listen: bool) -> Self {
        self.listen = listen;
        self
    }

    /// How often subscribers re-check the head when no notification arrives
    /// (default one second). This is the fallback when a notification is
    /// lost, e.g. while the listener reconnects.
    pub const fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How long `read_all` and `head_position` wait, at most, when
    /// committed events are held back by an older append to this store that
    /// is still in flight (default 250 ms).
    ///
    /// Events become readable in position order only once every older
    /// append to this store has ended (see "Gap-safe `read_all`" in the
    /// crate docs). Waiting briefly, re-checking after 1 ms and then less
    /// and less often (at most every 50 ms), lets a caller read events
    /// committed just behind an append that is about to end; after the wait
    /// the answer is still correct, just without the held-back events. Zero
    /// never waits.
    pub const fn visibility_wait(mut self, wait: Duration) -> Self {
        self.visibility_wait = wait;
        self
    }

    /// Builds the store and checks that the database answers, failing with
    /// [`StoreError::Unavailable`] within the acquire timeout if it does not.
    /// Does not run migrations: call [`PostgresStore::migrate`].
    ///
    /// A server that refuses the connection, or a failed login, is reported
    /// at once with its reason (for example "Connection refused"), not after
    /// the whole acquire timeout as "pool timed out": while the pool holds
    /// no connection, one is opened directly first.
    pub async fn connect(self) -> Result<PostgresStore, StoreError> {
        let store = self.connect_lazy()?;
        store.ping().await?;
        Ok(store)
    }

    /// Builds the store without connecting; the first operation connects.
    ///
    /// Any operation that finds the pool without a single connection (the
    /// first ones, or every one after the server went away) opens one
    /// directly first, so a refused connection or a failed login fails it
    /// at once with the reason, as [`connect`](Self::connect) does.
    pub fn connect_lazy(self) -> Result<PostgresStore, StoreError> {
        let pool = match &self.source {
            Source::Pool(pool) => pool.clone(),
            Source::Url(url) => PgPoolOptions::new()
                .max_connections(self.max_connections)
                .acquire_timeout(self.acquire_timeout)
                .connect_lazy_with(self.connect_options(url)?),
        };
        Ok(PostgresStore::new(pool, self.settings()))
    }

    fn connect_options(&self, url: &str) -> Result<PgConnectOptions, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            // The URL may hold a password: name the rule, not the value.
            StoreError::Validation(ValidationError::invalid(
                "PostgresConfig URL",
                "<redacted>",
                format!("must be a valid PostgreSQL connection URL ({e})"),
            ))
        })?;
        Ok(match self.statement_timeout {
            Some(timeout) => {
                options.options([("statement_timeout", format!("{}", timeout.as_millis()))])
            }
            None => options,
        })
    }

    /// How concurrent appends are combined into one transaction (default
    /// [`GroupCommit::new`]; [`GroupCommit::disabled`] gives every append
    /// a transaction of its own).
    pub const fn group_commit(mut self, group_commit: GroupCommit) -> Self {
        self.group_commit = group_commit;
        self
    }

    const fn errors(&self) -> SqlxErrors {
        SqlxErrors {
            acquire_timeout: self.acquire_timeout,
            statement_timeout: self.statement_timeout,
        }
    }

    fn settings(self) -> Settings {
        Settings {
            errors: self.errors(),
            schema: self.schema,
            notify: self.notify,
            listen: self.listen,
            poll_interval: self.poll_interval,
            visibility_wait: self.visibility_wait,
            group_commit: self.group_commit,
        }
    }
}

// The store's shortcut constructors live with the configuration they go
// through.
impl PostgresStore {
    /// Connects to `url` with default settings. See [`PostgresConfig`] for
    /// the knobs.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        PostgresConfig::from_url(url).connect().await
    }

    /// A store over an existing pool, in the default schema. Does not
    /// connect.
    #[must_use]
    pub fn from_pool(pool: PgPool) -> Self {
        Self::new(pool.clone(), PostgresConfig::from_pool(pool).settings())
    }
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Url(_) => "url (redacted)",
            Source::Pool(_) => "existing pool",
        };
        f.debug_struct("PostgresConfig")
            .field("source", &source)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("schema", &self.schema)
            .field("notify", &self.notify)
            .field("listen", &self.listen)
            .field("poll_interval", &self.poll_interval)
            .field("visibility_wait", &self.visibility_wait)
            .field("group_commit", &self.group_commit)
            .finish()
    }
}
