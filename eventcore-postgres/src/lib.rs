//! A PostgreSQL [`EventStore`](eventcore::store::EventStore) for EventCore.
//!
//! [`PostgresStore`] implements the whole port — atomic multi-stream
//! appends with optimistic concurrency, gap-safe `read_all`, live
//! notifications through `LISTEN`/`NOTIFY` — plus fenced
//! [leases](eventcore::store::LeaseStore) and
//! [checkpoints](eventcore::store::CheckpointStore) for projections. It
//! needs no database to compile: every query is checked at run time.
//!
//! ```no_run
//! use std::time::Duration;
//! use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
//! use eventcore::{EventMetadata, SerializedEvent, StreamId};
//! use eventcore_postgres::PostgresConfig;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PostgresConfig::from_url("postgres://postgres@127.0.0.1:5432/postgres")
//!     .acquire_timeout(Duration::from_secs(2))
//!     .connect()
//!     .await?;
//! store.migrate().await?; // explicit, idempotent, safe to run concurrently
//!
//! let stream = StreamId::try_new("account-1")?;
//! let event = NewEvent::new(SerializedEvent::new("Opened", r#"{"owner":"alice"}"#), EventMetadata::new());
//! store.append(AppendBatch::single(stream.clone(), ExpectedVersion::NO_STREAM, vec![event])).await?;
//! let read = store.read_streams(&[stream.clone()]).await?;
//! assert_eq!(read.version_of(&stream).value(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Schema
//!
//! [`PostgresStore::migrate`] creates, in the configured schema (default
//! `eventcore`, see [`SchemaName`]):
//!
//! - `events`: `global_position` (primary key), `transaction_id xid8`,
//!   `stream_id`, `version` (unique with `stream_id`), `event_id uuid`,
//!   `event_type`, `schema_version` (NULL for rows written before schema
//!   versions, whose payload is serde's tagged form), `payload jsonb` (the
//!   event's data alone), `metadata jsonb`, `recorded_at`. Triggers refuse
//!   `UPDATE`, `DELETE` and `TRUNCATE`.
//! - `streams`: each stream's current version, the row appends lock.
//! - `checkpoints` and `leases` for projections.
//! - `idempotency_keys`: the key each idempotent execution recorded, with
//!   the command's name, the request's fingerprint, the first position and
//!   count of the events its batch wrote, and when the record expires
//!   (NULL: never). Written by the keyed `append_events` in the append's
//!   own transaction; a claim on a live key raises `EC003` and writes
//!   nothing. `purge_idempotency_records` deletes the expired rows.
//! - `scheduled_messages`: the [`ScheduleStore`](eventcore::store::ScheduleStore)'s
//!   timers: id (primary key), queue, `due_at`, `payload jsonb`,
//!   `correlation_id`, `scheduled_at`, and `settled` (`fired` or
//!   `cancelled`, NULL while pending) with `settled_at`. A partial index
//!   on the pending messages serves the schedulers' polls.
//! - `append_events(...)`, the server-side procedure behind every append
//!   (committing its own work, or inside the caller's transaction), and
//!   `save_checkpoint(...)`, a checkpoint compare-and-set.
//! - `append_epochs`, the sequence positions come from, and
//!   `read_horizon()` / `read_head()`, which tell readers how far they may
//!   read (see "Gap-safe `read_all`" below).
//!
//! The SQL lives in `migrations/` and is embedded in the crate.
//!
//! # Roles and privileges
//!
//! Migrations and the running application can use different roles. A DBA
//! prepares the schema once; the migrating role then owns what
//! [`PostgresStore::migrate`] creates and grants the runtime role what it
//! needs (`migrate` creates the schema only when it is missing, so it needs
//! no privilege on the database itself):
//!
//! ```sql
//! -- as a superuser or the database owner
//! CREATE SCHEMA eventcore;
//! GRANT USAGE, CREATE ON SCHEMA eventcore TO app_migrator;
//! GRANT USAGE ON SCHEMA eventcore TO app_runtime;
//! -- as app_migrator, after migrate()
//! GRANT SELECT, INSERT, UPDATE
//!     ON eventcore.events, eventcore.streams, eventcore.checkpoints, eventcore.leases,
//!        eventcore.idempotency_keys, eventcore.scheduled_messages,
//!        eventcore.snapshots, eventcore.projection_controls
//!     TO app_runtime;
//! -- purging expired keys and settled messages, dropping snapshots
//! GRANT DELETE ON eventcore.idempotency_keys, eventcore.scheduled_messages,
//!        eventcore.snapshots
//!     TO app_runtime;
//! GRANT USAGE, SELECT ON SEQUENCE eventcore.append_epochs TO app_runtime;
//! GRANT EXECUTE ON ALL ROUTINES IN SCHEMA eventcore TO app_runtime;
//! ```
//!
//! The runtime role cannot change or delete events (the triggers refuse it
//! for everyone) nor the schema; `migrate` run as that role fails with a
//! typed error.
//!
//! # Appends
//!
//! An append is **one round trip**: one call with the batch flattened into
//! arrays. The procedure visits the participants in stream-id order (so
//! concurrent appends cannot deadlock). A written stream is locked, checked
//! and bumped by one `UPDATE … WHERE version = expected`; a read-only
//! participant is share-locked and compared. The first mismatch is returned
//! as data — which becomes
//! [`StoreError::VersionConflict`](eventcore::StoreError) — after putting
//! back any stream this call had already bumped, so nothing is written.
//! Otherwise all events go in with one `INSERT … SELECT FROM unnest(…)`,
//! in the same transaction.
//!
//! [`append`](eventcore::store::EventStore::append) has the procedure
//! commit, in the same round trip. A procedure cannot commit inside a
//! transaction block, so a pooled connection someone left inside a
//! transaction is refused with
//! [`StoreError::StrayTransaction`](eventcore::StoreError) (and closed)
//! instead of acknowledging events that would never commit. (That guarantee
//! costs the server about a tenth of its single-connection append rate: a
//! `CALL` is dearer than a function call; see `benches/README.md`.)
//! [`PostgresStore::append_in`] appends inside a transaction the caller
//! controls, without committing.
//!
//! Appends that are ready at the same moment share one round trip and one
//! transaction ([`GroupCommit`], on by default): the group procedure locks
//! every stream of the group in the same stream-id order, then checks each
//! batch against the versions the batches before it left, so each batch
//! keeps its own outcome. An append that commits itself sends no `NOTIFY`
//! inside its transaction (that would serialize every notifying commit on
//! PostgreSQL's notification queue): one task per store sends a coalesced
//! one after the commits. `append_in` notifies inside the caller's
//! transaction.
//!
//! # Transactions that survive cancellation
//!
//! [`PostgresStore::begin`] opens a [`Transaction`] on the store's pool.
//! Unless it ends in `commit` or `rollback`, its connection is closed, never
//! returned to the pool mid-transaction, so a future dropped at any await
//! point leaves nothing behind. Use it instead of `store.pool().begin()`.
//!
//! # Gap-safe `read_all`
//!
//! A global position is handed out before its transaction commits, so a
//! reader can see position 7 while position 5 is still in flight, and skip
//! 5 forever. A reader must therefore stop before the oldest position an
//! append still in flight may fill, and it must wait *only* for those: a
//! transaction elsewhere on the server (another database or schema, a
//! batch job, a forgotten session) must never hold this store's readers
//! back.
//!
//! How this store does it (migration 5):
//!
//! - An append takes an **epoch** from the store's sequence
//!   `append_epochs` and writes `global_position = epoch << 20 | n`, where
//!   `n` counts the append's events (so one append holds at most
//!   [`MAX_EVENTS_PER_APPEND`] events).
//! - Before its first epoch in a transaction, the appending transaction
//!   **announces** itself: a shared transaction-level advisory lock keyed by
//!   the schema's oid and the lowest epoch it can still take. The lock lives
//!   until the transaction ends, and PostgreSQL makes a commit visible
//!   before it releases the locks. This holds for [`PostgresStore::append_in`]
//!   too, whatever the caller's transaction did before.
//! - A reader (`read_horizon`) reads the sequence, then this store's
//!   announcements in `pg_locks`, then the events with a newer snapshot. The
//!   **horizon** is the lowest announced epoch, or the next epoch when
//!   nothing is in flight; `read_all` and `head_position` return only
//!   positions below it. An epoch taken before the first reading belongs to
//!   a transaction that was announced before it, so it is either still in
//!   `pg_locks` or has ended; one taken later is above the horizon.
//!
//! So readers wait only for appends to this store, only until they commit
//! or roll back, and an append made through a store is readable by that
//! store as soon as it returns, unless an older append is still in flight.
//! While one is, [`EventStore::held_back`](eventcore::store::EventStore::held_back)
//! and [`ProjectionHealth::held_back`](eventcore::projection::ProjectionHealth)
//! name it (backend pid, application, state, and when its transaction
//! began), so an operator can find it.
//!
//! Why this design: positions from the transaction id with a bound at the
//! cluster-wide snapshot xmin (the first version) stall on every open
//! transaction of the server. A per-store commit gate (an exclusive lock
//! held until commit) serializes every append, and every `append_in`
//! transaction for its whole length. A high-water mark with a stale timeout
//! (as Marten does) gives up on gap safety after the timeout. Announcing
//! with advisory locks costs each appending transaction one lock and one
//! sequence read, and each read one scan of `pg_locks`. The measured cost
//! is in `benches/README.md`.
//!
//! Consequences: positions are large and sparse (gaps are allowed by the
//! port). Upgrading from the first version moves the sequence far above the
//! old positions, so a reader of the old version still running during a
//! rolling upgrade stalls instead of skipping. A logical dump and restore
//! keeps the sequence. Advisory locks whose first key is the schema's oid
//! belong to the store: do not take such locks in application code.
//!
//! # Live notifications
//!
//! Appends `NOTIFY` on a channel named after the schema, with the last
//! position as payload. The first [`subscribe`](eventcore::store::EventStore::subscribe)
//! starts one background task per store (shared by its clones) that
//! `LISTEN`s on its own connection, reconnects with backoff, and announces
//! only gap-safe heads. It also polls every
//! [`poll_interval`](PostgresConfig::poll_interval), the fallback for
//! notifications lost while reconnecting. The task stops when the last
//! clone of the store is dropped.
//!
//! # Leases and checkpoints
//!
//! Leases live in the `leases` table with a fencing token that grows with
//! every change of holder. A crashed holder's lease is taken over once its
//! ttl has passed, using the database's clock. A checkpoint moves by
//! compare-and-set: only from the position the runner read it at, so a
//! batch replayed after a lost reply cannot be recorded twice. A fenced
//! checkpoint write checks (and share-locks) the lease in the same
//! statement, so a runner that lost its lease cannot move the checkpoint.
//!
//! # Exactly-once projections
//!
//! A read model kept in the same database implements
//! [`PostgresProjection`] and runs through [`Transactional`]: each batch is
//! applied and its checkpoint moved in one [`Transaction`], so after a
//! crash no event has been applied twice and none is lost.
//! [`PostgresStore::save_checkpoint_in`] does the same for code that runs
//! its own transactions.
//!
//! # Partitioning very large tables
//!
//! Up to a few hundred million events a single `events` table with its
//! B-tree indexes serves well: every hot query is an index range scan. Past
//! that, partition `events` by **range of `global_position`**:
//!
//! - Positions grow with time (they follow the epoch sequence), so each
//!   partition is a slice of history; `read_all` touches one or two
//!   partitions and old ones can be detached, archived or moved to cheaper
//!   storage without rewriting anything.
//! - Create the table as `PARTITION BY RANGE (global_position)` and keep a
//!   partition or two ahead of `last_value << 20` of `append_epochs` (a
//!   size of `2^20 * appends` per partition, e.g. 10 million appends),
//!   created by a scheduled job or `pg_partman`.
//! - The `(stream_id, version)` uniqueness then cannot be a global unique
//!   index (PostgreSQL requires the partition key in it). It is enforced by
//!   the `streams` table instead: appends lock the stream's row and write
//!   versions under that lock, so keep `(stream_id, version)` as a
//!   non-unique index on each partition for `read_streams`.
//! - `read_streams` of a long stream then probes every partition; streams
//!   that live long should use snapshots in the application.
//!
//! Hash partitioning by stream is the wrong choice here: `read_all`, the
//! projection feed, would have to merge every partition.
//!
//! # Configuration
//!
//! [`PostgresConfig`] starts from a connection URL or an existing pool and
//! sets the pool size, the acquire and statement timeouts, the schema,
//! whether appends `NOTIFY` and subscribers `LISTEN`, the polling interval
//! and how long readers wait for in-flight appends. An unreachable
//! database fails with [`StoreError::Unavailable`](eventcore::StoreError)
//! within the acquire timeout.
//!
//! # Errors
//!
//! Connection failures and pool timeouts become
//! [`StoreError::Unavailable`](eventcore::StoreError), a statement stopped
//! by `statement_timeout` becomes `StoreError::Timeout`, anything else is
//! `StoreError::Backend` naming the operation. A row that does not decode
//! (metadata written by another tool, a stream id older rules allowed) is
//! `StoreError::Corrupt` naming its position, event id, stream and version;
//! nothing is skipped. `read_all_lenient`, which projection runners use,
//! returns such a row in its place as an
//! [`UndecodableEvent`](eventcore::store::UndecodableEvent), so the
//! projection's error policy decides. Every operation runs in a `tracing` span named
//! `eventcore_postgres.<operation>`.

mod config;
mod error;
mod group_commit;
mod migrate;
mod schema;
mod store;
mod transaction;
mod transactional;

#[cfg(test)]
mod explain;

pub use config::PostgresConfig;
pub use group_commit::GroupCommit;
pub use migrate::MigrationInfo;
pub use schema::SchemaName;
pub use store::{MAX_EVENTS_PER_APPEND, PostgresStore};
pub use transaction::Transaction;
pub use transactional::{PostgresProjection, Transactional};

/// Re-exported so callers can build pools and transactions without naming
/// a second sqlx version.
pub use sqlx;
