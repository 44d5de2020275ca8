//! Opening a store: the file, the pragmas, the connections.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use eventcore::{StoreError, ValidationError, metrics::StoreMetrics, store::NotificationHub};
use sqlx::{
    ConnectOptions,
    sqlite::{
        SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions,
        SqliteSynchronous,
    },
};

use crate::{SqliteStore, error::SqliteErrors, follow, store::Shared};

/// How hard SQLite works to make a commit durable (`PRAGMA synchronous`).
///
/// In WAL mode both settings survive a crash of the process: a commit that
/// returned is in the WAL file. They differ on a crash of the machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// `synchronous = FULL`: every commit syncs the WAL to the disk before
    /// it returns, so an acknowledged append survives a power loss. The
    /// default: an event store must not lose an acknowledged event.
    #[default]
    Full,
    /// `synchronous = NORMAL`: the WAL is synced at checkpoints only. A
    /// power loss can roll back the last commits (never corrupt the file);
    /// a process crash loses nothing. Faster where syncs are slow.
    Normal,
}

/// Where and how to open an SQLite event store.
///
/// ```no_run
/// use std::time::Duration;
/// use eventcore_sqlite::SqliteConfig;
///
/// # async fn run() -> Result<(), eventcore::StoreError> {
/// let store = SqliteConfig::new("bank.db")
///     .busy_timeout(Duration::from_secs(10))
///     .poll_interval(Duration::from_millis(50))
///     .open()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SqliteConfig {
    path: PathBuf,
    busy_timeout: Duration,
    durability: Durability,
    readers: u32,
    poll_interval: Duration,
}

/// The default busy timeout: how long a writer queues behind another
/// process's write before it gives up.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The default interval at which a store looks for commits made by other
/// processes (`PRAGMA data_version`).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(100);

impl SqliteConfig {
    /// A store in the file at `path`, created if missing, with the
    /// defaults: [`Durability::Full`], a busy timeout of
    /// [`DEFAULT_BUSY_TIMEOUT`], four reader connections, and a poll for
    /// other processes' commits every [`DEFAULT_POLL_INTERVAL`].
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            durability: Durability::Full,
            readers: 4,
            poll_interval: DEFAULT_POLL_INTERVAL,
        }
    }

    /// How long a write waits for another process's write to finish
    /// (`PRAGMA busy_timeout`), and a task for another task's write in
    /// this process. Past it the write fails with
    /// [`StoreError::Unavailable`] naming the file.
    #[must_use]
    pub const fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How durable a commit is when it returns; see [`Durability`].
    #[must_use]
    pub const fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// How many connections serve reads at once (1 to 64; out-of-range
    /// values are clamped). Writes always go through one connection.
    #[must_use]
    pub fn readers(mut self, readers: u32) -> Self {
        self.readers = readers.clamp(1, 64);
        self
    }

    /// How often the store checks whether another process committed, to
    /// wake its subscribers (projections, `wait_for_position`). Commits of
    /// this process wake them at once. Clamped to at least 1 ms.
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file (creating it if missing) and applies any migration
    /// not applied yet, so the store is ready to use.
    pub async fn open(self) -> Result<SqliteStore, StoreError> {
        let store = self.connect().await?;
        store.migrate().await?;
        let head = eventcore::store::EventStore::head_position(&store).await?;
        store.shared.hub.notify(head);
        Ok(store)
    }

    /// Opens the file (creating it if missing) without migrating it: for
    /// tools that look before they change anything. Call
    /// [`SqliteStore::migrate`] before using the store.
    pub async fn connect(self) -> Result<SqliteStore, StoreError> {
        self.connect_in(None).await
    }

    /// [`connect`](Self::connect), keeping `temporary` (the directory of
    /// the file) until the store is dropped.
    pub(crate) async fn connect_in(
        self,
        temporary: Option<tempfile::TempDir>,
    ) -> Result<SqliteStore, StoreError> {
        let display: Arc<str> = Arc::from(self.path.display().to_string());
        if self.path.as_os_str().is_empty() {
            return Err(ValidationError::invalid(
                "SqliteConfig",
                "\"\"",
                "the path must not be empty",
            )
            .into());
        }
        let errors = SqliteErrors {
            path: display.clone(),
            busy_timeout: self.busy_timeout,
        };
        let options = self.options();
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(self.busy_timeout)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(errors.on("open"))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(self.readers)
            .acquire_timeout(self.busy_timeout)
            .test_before_acquire(false)
            .connect_lazy_with(options.clone().read_only(true));
        let follower: SqliteConnection = options
            .clone()
            .read_only(true)
            .connect()
            .await
            .map_err(errors.on("open"))?;
        let shared = Arc::new(Shared {
            path: display,
            writer,
            readers,
            hub: NotificationHub::default(),
            metrics: StoreMetrics::new("sqlite"),
            errors,
            follower: std::sync::Mutex::new(None),
            _temporary: temporary,
        });
        let poll = follow::start(&shared, follower, self.poll_interval);
        *shared
            .follower
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = poll;
        Ok(SqliteStore { shared })
    }

    fn options(&self) -> SqliteConnectOptions {
        let synchronous = match self.durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        SqliteConnectOptions::new()
            .filename(&self.path)
            .create_if_missing(true)
            // Readers never block the writer, nor the writer readers.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(self.busy_timeout)
            .foreign_keys(true)
            // Temporary tables and sorts stay in memory.
            .pragma("temp_store", "memory")
    }
}

impl FromStr for Durability {
    type Err = ValidationError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "full" => Ok(Self::Full),
            "normal" => Ok(Self::Normal),
            _ => Err(ValidationError::invalid(
                "Durability",
                value,
                "must be \"full\" or \"normal\"",
            )),
        }
    }
}
