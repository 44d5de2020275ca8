//! An embedded, durable [`EventStore`](eventcore::store::EventStore) for
//! EventCore: one SQLite file, no server.
//!
//! [`SqliteStore`] implements the whole port: atomic multi-stream appends
//! with optimistic concurrency, dense global positions, filtered
//! `read_all`, live notifications, checkpoints, fenced leases, projection
//! controls, idempotency records, scheduled messages and snapshots.
//! SQLite is bundled (nothing to install) and the schema is migrated by
//! [`SqliteStore::open`].
//!
//! ```
//! use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
//! use eventcore::{EventMetadata, SerializedEvent, StreamId};
//! use eventcore_sqlite::SqliteStore;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("bank.db");
//! let store = SqliteStore::open(&path).await?;
//! let stream = StreamId::try_new("account-1")?;
//! let event = NewEvent::new(SerializedEvent::new("Opened", "{}"), EventMetadata::new());
//! store.append(AppendBatch::single(stream.clone(), ExpectedVersion::NO_STREAM, vec![event])).await?;
//!
//! // Another handle on the file (another process, or after a restart) sees it.
//! let reopened = SqliteStore::open(&path).await?;
//! assert_eq!(reopened.stream_version(&stream).await?.value(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Concurrency
//!
//! SQLite lets one connection write at a time. The store makes that a
//! queue, never an error:
//!
//! - **Writes** go through one connection per store: tasks of a process
//!   queue for it. Each append is a `BEGIN IMMEDIATE` transaction, which
//!   takes the file's write lock at its start and, while another process
//!   holds it, waits (`busy_timeout`, 30 s by default) rather than failing.
//!   Only a write that waits longer than that fails, with
//!   [`StoreError::Unavailable`] naming
//!   the file.
//! - **Reads** use a small pool of read-only connections. In WAL mode a
//!   reader sees the last commit made before its statement started and
//!   neither waits for the writer nor holds it up.
//! - **Gap safety holds by construction.** An append reads the head and
//!   writes the next positions while it holds the write lock, and commits
//!   before the next writer can start: positions commit in order, with no
//!   gaps (events are never deleted). A reader can never see position `p`
//!   and later find an event below it, so `read_all` never waits.
//!
//! # Durability and pragmas
//!
//! Every connection runs with `journal_mode = WAL` (readers and the writer
//! do not block each other), `synchronous = FULL` by default (an
//! acknowledged append survives a power loss; [`Durability::Normal`]
//! trades that for speed and still survives a crash of the process),
//! `busy_timeout` as configured, `foreign_keys = ON`, and
//! `temp_store = MEMORY`.
//!
//! # Live notifications
//!
//! Appends through a store wake its subscribers at once. Commits made by
//! other processes on the same file are noticed by polling `PRAGMA
//! data_version` on a dedicated connection every
//! [`poll_interval`](SqliteConfig::poll_interval) (100 ms by default).
//!
//! # Errors
//!
//! A file that stays locked past the busy timeout, a full disk, a
//! read-only file and a file that cannot be opened are
//! [`StoreError::Unavailable`]; a
//! damaged file or one that is not an SQLite database is
//! [`StoreError::Corrupt`]. Each message
//! names the file.

mod config;
mod error;
mod follow;
mod follower;
mod migrate;
mod store;
mod transactional;

use std::{path::Path, sync::Arc};

use eventcore::StoreError;
pub use sqlx;
use sqlx::SqlitePool;

pub use config::{DEFAULT_BUSY_TIMEOUT, DEFAULT_POLL_INTERVAL, Durability, SqliteConfig};
pub use migrate::MigrationInfo;
pub use store::WriteTransaction;
pub use transactional::{SqliteProjection, Transactional};

/// The SQLite event store. Clones share the same connections.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    shared: Arc<store::Shared>,
}

impl SqliteStore {
    /// Opens the store in the file at `path` with the defaults of
    /// [`SqliteConfig::new`], creating and migrating it as needed.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        SqliteConfig::new(path.as_ref()).open().await
    }

    /// A store in a new file in a temporary directory, migrated, and
    /// deleted with the directory when the last clone of the store is
    /// dropped: for tests and demos that want SQLite's behaviour without
    /// keeping a file.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = eventcore_sqlite::SqliteStore::temporary().await?;
    /// assert!(std::path::Path::new(store.path()).exists());
    /// # Ok::<(), eventcore::StoreError>(())
    /// # }).unwrap();
    /// ```
    pub async fn temporary() -> Result<Self, StoreError> {
        let dir = tempfile::Builder::new()
            .prefix("eventcore-sqlite-")
            .tempdir()
            .map_err(|source| StoreError::Unavailable {
                message: format!(
                    "cannot create a temporary directory in {}: {source}",
                    std::env::temp_dir().display()
                ),
                source: Some(Box::new(source)),
            })?;
        let config = SqliteConfig::new(dir.path().join("events.db"));
        let store = config.connect_in(Some(dir)).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The file, as given.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.shared.path
    }

    /// A write transaction on the store's file (`BEGIN IMMEDIATE`), for
    /// read models kept beside the events. It holds the file's write lock
    /// until it commits or is dropped (which rolls it back): appends wait
    /// for it, so keep it short.
    ///
    /// ```
    /// use eventcore_sqlite::{SqliteStore, sqlx};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = SqliteStore::temporary().await?;
    /// let mut tx = store.begin().await?;
    /// sqlx::query("CREATE TABLE totals (account TEXT PRIMARY KEY, cents INTEGER NOT NULL)")
    ///     .execute(&mut *tx)
    ///     .await?;
    /// tx.commit().await?;
    /// let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'totals'")
    ///     .fetch_one(store.readers())
    ///     .await?;
    /// assert_eq!(tables, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn begin(&self) -> Result<WriteTransaction, StoreError> {
        self.shared.begin("begin").await
    }

    /// Closes the store's connections, for every clone: the poll for other
    /// processes' commits first, then the readers, then the writer, so
    /// that the last connection to close can fold the write-ahead log back
    /// into the file and remove it. Waits until they are closed. Any use
    /// of the store afterwards fails with
    /// [`StoreError::Unavailable`].
    ///
    /// Dropping every clone closes the connections too, in the background;
    /// the log is then left beside the file, which is harmless: the next
    /// open carries on from it.
    ///
    /// ```
    /// use eventcore::store::EventStore;
    /// use eventcore_sqlite::SqliteStore;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("bank.db");
    /// let store = SqliteStore::open(&path).await?;
    /// // ... the application runs ...
    /// store.close().await;
    /// assert!(store.head_position().await.is_err(), "closed for every clone");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn close(&self) {
        let follower = self
            .shared
            .follower
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(follower) = follower {
            follower.stop().await;
        }
        self.shared.readers.close().await;
        self.shared.writer.close().await;
    }

    /// The read-only connections, for queries of read models kept in the
    /// same file.
    #[must_use]
    pub fn readers(&self) -> &SqlitePool {
        &self.shared.readers
    }
}
