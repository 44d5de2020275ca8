//! A small, readable [`EventStore`](eventcore::store::EventStore) over one
//! file: the skeleton adapter of the guide chapter
//! `eventcore::guide::writing_an_adapter`.
//!
//! [`FileStore`] implements the whole port (events, idempotency records,
//! checkpoints, fenced leases, projection controls, scheduled messages and
//! snapshots) and passes the conformance suite. It is written to be read,
//! not to be fast: start here when you write an adapter of your own.
//!
//! ```
//! use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
//! use eventcore::{EventMetadata, SerializedEvent, StreamId};
//! use eventcore_skeleton::FileStore;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = FileStore::temporary()?;
//! let stream = StreamId::try_new("account-1")?;
//! let event = NewEvent::new(SerializedEvent::new("Opened", "{}"), EventMetadata::new());
//! store.append(AppendBatch::single(stream.clone(), ExpectedVersion::NO_STREAM, vec![event])).await?;
//! assert_eq!(store.stream_version(&stream).await?.value(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Design
//!
//! - **The file is a log of changes**, one line of JSON per change (an
//!   append, a checkpoint moved, a lease granted...), and the store's state
//!   is their fold, rebuilt in memory on open: event sourcing, one level
//!   down. A line records what was *decided* (the positions given, the
//!   token granted), so replaying it never decides anything again.
//! - **One line is one atomic write.** A batch, with the idempotency record
//!   it claims, is one line, so it is on disk whole or not at all. A line
//!   counts once its newline is on disk; an unfinished last line (a crash
//!   mid-write) is dropped on open.
//! - **One mutex orders everything.** Under it a change is decided (versions
//!   checked, positions given), written and `fsync`ed, then applied; readers
//!   take the same mutex. So readers see changes in position order, with no
//!   gaps, and never need to be held back.
//! - **One process per file**, enforced with an advisory lock.
//!
//! What it leaves out: the file is never compacted (every lease renewal is
//! a line), the whole file is read on open, readers wait while a writer
//! syncs, lines carry no checksum, and file I/O runs on the calling task
//! instead of `spawn_blocking`. Each is a few pages of work; none changes
//! the obligations.
//!
//! # Reading order
//!
//! `lib.rs` (this file: the store and its decide, write, apply cycle),
//! `entry.rs` (the file format), `journal.rs` (the file: durability and
//! recovery), `state.rs` (the indexes and `apply`), `append.rs` (the
//! obligations of an append), `events.rs` (the rest of `EventStore`),
//! `projection.rs` (leases and checkpoints), `schedule.rs`, `snapshot.rs`.

mod append;
mod entry;
mod events;
mod journal;
mod projection;
mod schedule;
mod snapshot;
mod state;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use eventcore::{StoreError, Timestamp, store::NotificationHub};
use parking_lot::Mutex;

use self::{entry::Entry, journal::Journal, state::State};

/// An event store in one file. Clones share the same file and state.
#[derive(Clone, Debug)]
pub struct FileStore {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    path: PathBuf,
    /// The file and the state, under one lock: a change is written and
    /// applied before anyone can see or make another.
    inner: Mutex<Inner>,
    hub: NotificationHub,
    /// Bytes of an unfinished line dropped on open.
    dropped: u64,
    /// The temporary directory of [`FileStore::temporary`], deleted with
    /// the last clone (declared last: dropped after the file is closed).
    _dir: Option<tempfile::TempDir>,
}

#[derive(Debug)]
struct Inner {
    journal: Journal,
    state: State,
}

impl FileStore {
    /// Opens the store in the file at `path`, creating it if it does not
    /// exist. Reads the whole file, drops an unfinished last line, and
    /// refuses a file another store has open or a damaged one
    /// ([`StoreError::Corrupt`] names the line).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_in(path.as_ref().to_owned(), None)
    }

    /// A store in a new file in a temporary directory, deleted with the
    /// last clone of the store: for tests (the conformance suite's
    /// factory) and demos.
    pub fn temporary() -> Result<Self, StoreError> {
        let dir = tempfile::Builder::new()
            .prefix("eventcore-skeleton-")
            .tempdir()
            .map_err(|e| StoreError::Unavailable {
                message: "cannot create a temporary directory".to_owned(),
                source: Some(Box::new(e)),
            })?;
        Self::open_in(dir.path().join("events.jsonl"), Some(dir))
    }

    fn open_in(path: PathBuf, dir: Option<tempfile::TempDir>) -> Result<Self, StoreError> {
        let recovered = Journal::open(&path)?;
        let mut state = State::default();
        for (index, entry) in recovered.entries.into_iter().enumerate() {
            state
                .check_continues(&entry)
                .map_err(|detail| StoreError::Corrupt {
                    detail: format!("{} entry {}: {detail}", path.display(), index + 1),
                })?;
            state.apply(entry);
        }
        let hub = NotificationHub::new(state.head());
        let inner = Mutex::new(Inner {
            journal: recovered.journal,
            state,
        });
        Ok(Self {
            shared: Arc::new(Shared {
                path,
                inner,
                hub,
                dropped: recovered.dropped,
                _dir: dir,
            }),
        })
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// How many bytes of an unfinished last line (a write cut short by a
    /// crash) were dropped when the file was opened: 0 after a clean
    /// shutdown.
    #[must_use]
    pub fn dropped_on_open(&self) -> u64 {
        self.shared.dropped
    }

    /// Makes one change. Under the lock, `decide` looks at the state and
    /// returns the entry to write (none: nothing changes) and the reply;
    /// the entry is written and made durable, then applied. An error from
    /// `decide` writes nothing.
    ///
    /// Nothing here awaits, so a caller dropping the future (a timeout)
    /// either never started the change or saw it finish: a change is never
    /// cut in half by cancellation.
    fn change<T>(
        &self,
        decide: impl FnOnce(&State) -> Result<(Option<Entry>, T), StoreError>,
    ) -> Result<T, StoreError> {
        let mut inner = self.shared.inner.lock();
        let Inner { journal, state } = &mut *inner;
        let (entry, reply) = decide(state)?;
        if let Some(entry) = entry {
            journal.append(&entry)?;
            state.apply(entry);
        }
        Ok(reply)
    }

    /// Reads the state under the lock: one consistent snapshot.
    fn read<T>(&self, read: impl FnOnce(&State) -> T) -> T {
        read(&self.shared.inner.lock().state)
    }
}

/// `now + by`, capped at a century: far enough for any lease or record,
/// and a date every JSON and chrono reader takes back.
fn later(now: Timestamp, by: Duration) -> Timestamp {
    const CENTURY: Duration = Duration::from_hours(100 * 365 * 24);
    let by = chrono::Duration::from_std(by.min(CENTURY)).unwrap_or(chrono::Duration::zero());
    Timestamp::new(now.into_inner() + by)
}
