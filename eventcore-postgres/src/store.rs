//! [`PostgresStore`] and its [`EventStore`] implementation.

use std::{
    collections::HashSet,
    sync::{Arc, OnceLock},
    time::Duration,
};

use eventcore::{
    EventMetadata, GlobalPosition, StoreError, StreamId, StreamVersion, ValidationError,
    store::{
        AppendBatch, AppendResult, AppendedEvent, EventFilter, EventNotifications, EventStore,
        ExpectedVersion, NotificationHub, StoredEvent, StreamEvents, StreamsRead,
    },
};
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::{
    PostgresConfig, SchemaName,
    error::{
        IN_FAILED_SQL_TRANSACTION, INVALID_TRANSACTION_TERMINATION, Limits, UNIQUE_VIOLATION,
        constraint, sqlstate,
    },
    follow::Follower,
    migrate,
    schema::Statements,
    transaction::Transaction,
};

/// The most events one append may write (positions reserve 20 bits for the
/// index within a transaction).
pub const MAX_EVENTS_PER_APPEND: usize = 1 << 20;

/// A PostgreSQL [`EventStore`], [`CheckpointStore`](eventcore::store::CheckpointStore)
/// and [`LeaseStore`](eventcore::store::LeaseStore).
///
/// Cheap to clone: clones share the pool, the prepared SQL and the live
/// notification feed. The background listener (started by the first
/// [`subscribe`](EventStore::subscribe)) stops when the last clone is
/// dropped.
///
/// ```no_run
/// use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
/// use eventcore::{EventMetadata, SerializedEvent, StreamId};
/// use eventcore_postgres::PostgresStore;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://postgres@127.0.0.1:5432/postgres").await?;
/// store.migrate().await?;
///
/// let account = StreamId::try_new("account-1")?;
/// let opened = NewEvent::new(SerializedEvent::new("Opened", "{}"), EventMetadata::new());
/// let written = store
///     .append(AppendBatch::single(account.clone(), ExpectedVersion::NO_STREAM, vec![opened]))
///     .await?;
/// assert_eq!(written.events[0].version.value(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.shared.schema)
            .field("pool_size", &self.shared.pool.size())
            .field(
                "listening",
                &self.shared.follower.get().is_some_and(Option::is_some),
            )
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) pool: PgPool,
    pub(crate) sql: Statements,
    pub(crate) schema: SchemaName,
    pub(crate) limits: Limits,
    channel: Option<String>,
    listen: bool,
    poll_interval: Duration,
    visibility_wait: Duration,
    hub: Arc<NotificationHub>,
    runtime: Option<tokio::runtime::Handle>,
    follower: OnceLock<Option<Follower>>,
}

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
        let config = PostgresConfig::from_pool(pool.clone());
        Self::new(pool, &config)
    }

    pub(crate) fn new(pool: PgPool, config: &PostgresConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                pool,
                sql: Statements::new(&config.schema),
                schema: config.schema.clone(),
                limits: config.limits(),
                channel: config.notify.then(|| config.schema.channel()),
                listen: config.listen,
                poll_interval: config.poll_interval,
                visibility_wait: config.visibility_wait,
                hub: Arc::new(NotificationHub::default()),
                runtime: tokio::runtime::Handle::try_current().ok(),
                follower: OnceLock::new(),
            }),
        }
    }

    /// Creates or upgrades the schema, tables, indexes, triggers and the
    /// append function. Idempotent, and safe to run from several processes
    /// at once (they serialize on an advisory lock).
    #[tracing::instrument(name = "eventcore_postgres.migrate", skip_all, fields(schema = %self.shared.schema))]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrate::run(&self.shared.pool, &self.shared.schema, self.shared.limits).await
    }

    /// The pool the store uses, e.g. to run a read model's queries in the
    /// same database.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.shared.pool
    }

    /// The schema holding the store's tables.
    #[must_use]
    pub fn schema(&self) -> &SchemaName {
        &self.shared.schema
    }

    /// Checks that the database answers.
    #[tracing::instrument(name = "eventcore_postgres.ping", skip_all)]
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.shared.pool)
            .await
            .map(drop)
            .map_err(|e| self.shared.limits.map("connect", e))
    }

    /// Starts a [`Transaction`] on the store's pool that is safe to cancel
    /// at any point: unless it is committed or rolled back, its connection
    /// is closed, never returned to the pool mid-transaction.
    #[tracing::instrument(name = "eventcore_postgres.begin", skip_all)]
    pub async fn begin(&self) -> Result<Transaction, StoreError> {
        Transaction::begin(&self.shared.pool, self.shared.limits).await
    }

    /// Appends a batch inside a transaction the caller controls, e.g. to
    /// commit events together with other changes (an outbox, a read model).
    ///
    /// The events become visible, and subscribers are notified, when the
    /// caller commits. Same checks and result as
    /// [`append`](EventStore::append); on a [`StoreError::VersionConflict`]
    /// the caller should roll back. Open the transaction with
    /// [`begin`](Self::begin), which is safe to cancel.
    ///
    /// ```no_run
    /// # use eventcore::store::AppendBatch;
    /// # use eventcore_postgres::PostgresStore;
    /// # async fn run(store: &PostgresStore, batch: AppendBatch) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut tx = store.begin().await?;
    /// let written = store.append_in(&mut tx, batch).await?;
    /// sqlx::query("UPDATE outbox_state SET last = $1")
    ///     .bind(written.events.len() as i64)
    ///     .execute(&mut *tx)
    ///     .await?;
    /// tx.commit().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[tracing::instrument(
        name = "eventcore_postgres.append_in",
        skip_all,
        fields(streams = batch.writes().len(), events = batch.event_count())
    )]
    pub async fn append_in(
        &self,
        conn: &mut PgConnection,
        batch: AppendBatch,
    ) -> Result<AppendResult, StoreError> {
        self.append_with(conn, &self.shared.sql.append, batch).await
    }

    /// Runs one append statement: `sql` is either the plain function (inside
    /// the caller's transaction) or the self-committing procedure (on the
    /// pool); both take the same arguments and return the same row.
    async fn append_with<'c, E>(
        &self,
        executor: E,
        sql: &str,
        batch: AppendBatch,
    ) -> Result<AppendResult, StoreError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Postgres>,
    {
        if batch.writes().is_empty() {
            return Ok(AppendResult::default());
        }
        let args = AppendArgs::new(&batch)?;
        let row = sqlx::query(sql)
            .bind(&args.streams)
            .bind(&args.expected)
            .bind(&args.counts)
            .bind(&args.event_part)
            .bind(&args.event_offset)
            .bind(&args.event_ids)
            .bind(&args.event_types)
            .bind(&args.payloads)
            .bind(&args.metadata)
            .bind(self.shared.channel.as_deref())
            .fetch_one(executor)
            .await;
        let row = match row {
            Ok(row) => row,
            Err(e) => return Err(self.append_failed(&batch, e).await),
        };
        let map = |e| self.shared.limits.map("append", e);
        let conflict: Option<i32> = row.try_get("conflict_index").map_err(map)?;
        if let Some(index) = conflict {
            let actual: i64 = row.try_get("actual_version").map_err(map)?;
            return Err(conflict_error(&batch, index, actual));
        }
        let first: Option<i64> = row.try_get("first_position").map_err(map)?;
        let versions: Vec<i64> = row.try_get("new_versions").map_err(map)?;
        build_result(batch, first, &versions)
    }

    /// Turns a failed append call into the right typed error.
    async fn append_failed(&self, batch: &AppendBatch, error: sqlx::Error) -> StoreError {
        match sqlstate(&error).as_deref() {
            // Defensive: the append function locks before writing, so two
            // writers cannot both pass a check, but if the unique keys ever
            // catch a race, report it as the conflict it is.
            Some(UNIQUE_VIOLATION)
                if matches!(
                    constraint(&error),
                    Some("events_stream_version_key" | "streams_pkey" | "events_pkey")
                ) =>
            {
                match self.reread_conflict(batch).await {
                    Ok(conflict) => conflict,
                    Err(other) => other,
                }
            }
            // invalid_transaction_termination: the committing append ran
            // inside a transaction block; in_failed_sql_transaction: inside
            // one that had already failed. Either way someone left the
            // pooled connection inside a transaction.
            Some(INVALID_TRANSACTION_TERMINATION | IN_FAILED_SQL_TRANSACTION) => {
                StoreError::StrayTransaction {
                    operation: "append",
                }
            }
            // invalid_text_representation / untranslatable_character: a
            // payload PostgreSQL's jsonb does not accept.
            Some("22P02" | "22P05" | "22025") => {
                invalid_payload(batch).unwrap_or_else(|| self.shared.limits.map("append", error))
            }
            _ => self.shared.limits.map("append", error),
        }
    }

    /// Re-reads the participants' versions to describe a conflict the
    /// database caught through a unique key.
    async fn reread_conflict(&self, batch: &AppendBatch) -> Result<StoreError, StoreError> {
        let ids: Vec<&str> = batch
            .writes()
            .iter()
            .map(|w| w.stream_id().as_str())
            .collect();
        let rows = sqlx::query(&self.shared.sql.stream_versions)
            .bind(&ids)
            .fetch_all(&self.shared.pool)
            .await
            .map_err(|e| self.shared.limits.map("append", e))?;
        let actual_of = |id: &StreamId| -> Result<StreamVersion, StoreError> {
            for row in &rows {
                let stream: &str = row
                    .try_get(0)
                    .map_err(|e| self.shared.limits.map("append", e))?;
                if stream == id.as_str() {
                    let v: i64 = row
                        .try_get(1)
                        .map_err(|e| self.shared.limits.map("append", e))?;
                    return to_version(id, v);
                }
            }
            Ok(StreamVersion::INITIAL)
        };
        let mut fallback = None;
        for write in batch.writes() {
            let actual = actual_of(write.stream_id())?;
            match write.expected() {
                ExpectedVersion::Exact(expected) if expected != actual => {
                    return Ok(StoreError::VersionConflict {
                        stream: write.stream_id().clone(),
                        expected,
                        actual,
                    });
                }
                ExpectedVersion::Exact(expected)
                    if fallback.is_none() && !write.events().is_empty() =>
                {
                    fallback = Some((write.stream_id().clone(), expected, actual));
                }
                _ => {}
            }
        }
        Ok(match fallback {
            Some((stream, expected, actual)) => StoreError::VersionConflict {
                stream,
                expected,
                actual,
            },
            None => StoreError::Corrupt {
                detail: "append hit a unique key although every expected version still holds"
                    .to_owned(),
            },
        })
    }

    /// Starts the background follower once, if a runtime is available.
    fn follower(&self) -> Option<&Follower> {
        self.shared
            .follower
            .get_or_init(|| {
                let runtime = self
                    .shared
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
                    self.shared.pool.clone(),
                    self.shared.sql.head_position.clone(),
                    Arc::clone(&self.shared.hub),
                    self.shared.channel.clone().filter(|_| self.shared.listen),
                    self.shared.poll_interval,
                ))
            })
            .as_ref()
    }
}

/// The append function's arguments: the batch flattened into parallel
/// arrays. Payloads are borrowed, not copied.
struct AppendArgs<'a> {
    streams: Vec<&'a str>,
    expected: Vec<i64>,
    counts: Vec<i32>,
    event_part: Vec<i32>,
    event_offset: Vec<i32>,
    event_ids: Vec<Uuid>,
    event_types: Vec<&'a str>,
    payloads: Vec<&'a str>,
    metadata: Vec<String>,
}

impl<'a> AppendArgs<'a> {
    fn new(batch: &'a AppendBatch) -> Result<Self, StoreError> {
        let total = batch.event_count();
        if total > MAX_EVENTS_PER_APPEND {
            return Err(ValidationError::invalid(
                "AppendBatch",
                format!("{total} events"),
                format!("must hold at most {MAX_EVENTS_PER_APPEND} events"),
            )
            .into());
        }
        let n = batch.writes().len();
        let mut args = AppendArgs {
            streams: Vec::with_capacity(n),
            expected: Vec::with_capacity(n),
            counts: Vec::with_capacity(n),
            event_part: Vec::with_capacity(total),
            event_offset: Vec::with_capacity(total),
            event_ids: Vec::with_capacity(total),
            event_types: Vec::with_capacity(total),
            payloads: Vec::with_capacity(total),
            metadata: Vec::with_capacity(total),
        };
        for (part, write) in (1_i32..).zip(batch.writes()) {
            args.streams.push(write.stream_id().as_str());
            args.expected.push(match write.expected() {
                ExpectedVersion::Exact(v) => i64::try_from(v.value()).map_err(|_| {
                    ValidationError::invalid(
                        "StreamVersion",
                        v,
                        "must be at most i64::MAX to be stored in PostgreSQL",
                    )
                })?,
                ExpectedVersion::Any => -1,
            });
            // Bounded by MAX_EVENTS_PER_APPEND, checked above.
            args.counts
                .push(i32::try_from(write.events().len()).unwrap_or(i32::MAX));
            for (offset, event) in (1_i32..).zip(write.events()) {
                args.event_part.push(part);
                args.event_offset.push(offset);
                args.event_ids.push(*event.metadata().event_id().as_uuid());
                args.event_types.push(event.event_type());
                args.payloads.push(event.payload());
                args.metadata
                    .push(serde_json::to_string(event.metadata()).map_err(|e| {
                        StoreError::backend(
                            "append",
                            format!("could not encode event metadata: {e}"),
                        )
                    })?);
            }
        }
        Ok(args)
    }
}

fn conflict_error(batch: &AppendBatch, index: i32, actual: i64) -> StoreError {
    let write = usize::try_from(index)
        .ok()
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| batch.writes().get(i));
    match write {
        Some(write) => {
            let actual = match to_version(write.stream_id(), actual) {
                Ok(v) => v,
                Err(e) => return e,
            };
            StoreError::VersionConflict {
                stream: write.stream_id().clone(),
                expected: match write.expected() {
                    ExpectedVersion::Exact(v) => v,
                    ExpectedVersion::Any => actual,
                },
                actual,
            }
        }
        None => StoreError::Corrupt {
            detail: format!(
                "append reported a conflict on participant {index}, which the batch does not have"
            ),
        },
    }
}

fn build_result(
    batch: AppendBatch,
    first: Option<i64>,
    versions: &[i64],
) -> Result<AppendResult, StoreError> {
    if versions.len() != batch.writes().len() {
        return Err(StoreError::Corrupt {
            detail: format!(
                "append returned {} stream versions for {} participants",
                versions.len(),
                batch.writes().len()
            ),
        });
    }
    let mut result = AppendResult {
        events: Vec::with_capacity(batch.event_count()),
        stream_versions: Vec::with_capacity(versions.len()),
    };
    let mut position = match first {
        Some(p) => to_position(p)?,
        None => GlobalPosition::START,
    };
    for (write, &new_version) in batch.into_writes().into_iter().zip(versions) {
        let (stream_id, _, events) = write.into_parts();
        let new_version = to_version(&stream_id, new_version)?;
        let mut version = new_version.value() - events.len() as u64;
        for event in &events {
            version += 1;
            result.events.push(AppendedEvent {
                stream_id: stream_id.clone(),
                version: StreamVersion::new(version),
                position,
                event_id: event.metadata().event_id(),
            });
            position = GlobalPosition::new(position.value() + 1);
        }
        result.stream_versions.push((stream_id, new_version));
    }
    Ok(result)
}

/// Finds the first payload that is not valid JSON, for a precise error.
fn invalid_payload(batch: &AppendBatch) -> Option<StoreError> {
    for write in batch.writes() {
        for (index, event) in write.events().iter().enumerate() {
            let parsed = serde_json::from_str::<serde_json::Value>(event.payload());
            let rule = match parsed {
                Err(e) => format!("must be valid JSON ({e})"),
                Ok(_) if event.payload().contains("\\u0000") => {
                    "must not contain \\u0000, which PostgreSQL jsonb cannot store".to_owned()
                }
                Ok(_) => continue,
            };
            return Some(
                ValidationError::invalid(
                    "event payload",
                    format!(
                        "event {} of {} ({})",
                        index + 1,
                        write.stream_id(),
                        event.event_type()
                    ),
                    rule,
                )
                .into(),
            );
        }
    }
    None
}

pub(crate) fn to_version(stream: &StreamId, value: i64) -> Result<StreamVersion, StoreError> {
    u64::try_from(value)
        .map(StreamVersion::new)
        .map_err(|_| StoreError::Corrupt {
            detail: format!("stream {stream} has the negative version {value}"),
        })
}

pub(crate) fn to_position(value: i64) -> Result<GlobalPosition, StoreError> {
    u64::try_from(value)
        .map(GlobalPosition::new)
        .map_err(|_| StoreError::Corrupt {
            detail: format!("negative global position {value}"),
        })
}

pub(crate) fn position_param(position: GlobalPosition) -> Result<i64, StoreError> {
    i64::try_from(position.value()).map_err(|_| {
        ValidationError::invalid("GlobalPosition", position, "must be at most i64::MAX").into()
    })
}

/// Decodes the event columns starting at `at` (see `EVENT_COLUMNS`).
fn decode_event(
    row: &PgRow,
    at: usize,
    limits: Limits,
    op: &'static str,
) -> Result<StoredEvent, StoreError> {
    let map = |e| limits.map(op, e);
    let position: i64 = row.try_get(at).map_err(map)?;
    let stream: String = row.try_get(at + 1).map_err(map)?;
    let version: i64 = row.try_get(at + 2).map_err(map)?;
    let event_type: String = row.try_get(at + 3).map_err(map)?;
    let payload: String = row.try_get(at + 4).map_err(map)?;
    let metadata: String = row.try_get(at + 5).map_err(map)?;
    let stream_id = StreamId::try_new(&stream).map_err(|e| StoreError::Corrupt {
        detail: format!("event at position {position} has an invalid stream id: {e}"),
    })?;
    let version = to_version(&stream_id, version)?;
    let metadata: EventMetadata =
        serde_json::from_str(&metadata).map_err(|e| StoreError::Corrupt {
            detail: format!(
                "metadata of the event at {stream_id} version {version} (position {position}) \
             does not decode: {e}"
            ),
        })?;
    Ok(StoredEvent::new(
        stream_id,
        version,
        to_position(position)?,
        event_type,
        payload,
        metadata,
    ))
}

impl PostgresStore {
    /// Reads each stream's version and its events above the given version,
    /// in one statement (one snapshot).
    async fn read_stream_tails(
        &self,
        streams: &[(&StreamId, i64)],
        operation: &'static str,
    ) -> Result<StreamsRead, StoreError> {
        if streams.is_empty() {
            return Ok(StreamsRead::default());
        }
        let ids: Vec<&str> = streams.iter().map(|(s, _)| s.as_str()).collect();
        let after: Vec<i64> = streams.iter().map(|(_, a)| *a).collect();
        let limits = self.shared.limits;
        let map = |e| limits.map(operation, e);
        let rows = sqlx::query(&self.shared.sql.read_streams)
            .bind(&ids)
            .bind(&after)
            .fetch_all(&self.shared.pool)
            .await
            .map_err(map)?;
        let mut out: Vec<StreamEvents> = Vec::with_capacity(streams.len());
        let mut rows = rows.iter().peekable();
        for (index, (id, _)) in (1_i64..).zip(streams) {
            let mut version = StreamVersion::INITIAL;
            let mut events = Vec::new();
            while let Some(row) = rows.next_if(|r| r.try_get::<i64, _>(0).is_ok_and(|i| i == index))
            {
                version = to_version(id, row.try_get(1).map_err(map)?)?;
                let present: Option<i64> = row.try_get(2).map_err(map)?;
                if present.is_some() {
                    events.push(decode_event(row, 2, limits, operation)?);
                }
            }
            out.push(StreamEvents::new((*id).clone(), version, events));
        }
        Ok(StreamsRead::new(out))
    }
}

impl EventStore for PostgresStore {
    #[tracing::instrument(name = "eventcore_postgres.read_streams", skip_all, fields(streams = streams.len()))]
    async fn read_streams(&self, streams: &[StreamId]) -> Result<StreamsRead, StoreError> {
        let mut seen = HashSet::with_capacity(streams.len());
        let unique: Vec<(&StreamId, i64)> = streams
            .iter()
            .filter(|s| seen.insert(*s))
            .map(|s| (s, 0))
            .collect();
        self.read_stream_tails(&unique, "read_streams").await
    }

    #[tracing::instrument(name = "eventcore_postgres.read_streams_after", skip_all, fields(streams = streams.len()))]
    async fn read_streams_after(
        &self,
        streams: &[(StreamId, StreamVersion)],
    ) -> Result<StreamsRead, StoreError> {
        let mut seen = HashSet::with_capacity(streams.len());
        let mut unique: Vec<(&StreamId, i64)> = Vec::with_capacity(streams.len());
        for (id, after) in streams {
            if seen.insert(id) {
                let after = i64::try_from(after.value()).map_err(|_| {
                    ValidationError::invalid("StreamVersion", after, "must be at most i64::MAX")
                })?;
                unique.push((id, after));
            }
        }
        self.read_stream_tails(&unique, "read_streams_after").await
    }

    #[tracing::instrument(
        name = "eventcore_postgres.append",
        skip_all,
        fields(streams = batch.writes().len(), events = batch.event_count())
    )]
    async fn append(&self, batch: AppendBatch) -> Result<AppendResult, StoreError> {
        if batch.writes().is_empty() {
            return Ok(AppendResult::default());
        }
        let mut conn = self
            .shared
            .pool
            .acquire()
            .await
            .map_err(|e| self.shared.limits.map("append", e))?;
        // The procedure commits its own work, and refuses to if the
        // connection is already inside a transaction: then nothing is
        // acknowledged, and the connection is closed so that the server
        // rolls the stray transaction back.
        let result = self
            .append_with(&mut *conn, &self.shared.sql.append_committed, batch)
            .await;
        if matches!(result, Err(StoreError::StrayTransaction { .. })) {
            tracing::warn!(
                "append found its pooled connection inside a stray transaction; closing it"
            );
            conn.close_on_drop();
        }
        let result = result?;
        if let (Some(last), Some(follower)) = (
            result.events.last(),
            self.shared.follower.get().and_then(Option::as_ref),
        ) {
            follower.appended(last.position);
        }
        Ok(result)
    }

    #[tracing::instrument(name = "eventcore_postgres.stream_version", skip_all, fields(stream = %stream))]
    async fn stream_version(&self, stream: &StreamId) -> Result<StreamVersion, StoreError> {
        let version: Option<i64> = sqlx::query_scalar(&self.shared.sql.stream_version)
            .bind(stream.as_str())
            .fetch_optional(&self.shared.pool)
            .await
            .map_err(|e| self.shared.limits.map("stream_version", e))?;
        version.map_or(Ok(StreamVersion::INITIAL), |v| to_version(stream, v))
    }

    #[tracing::instrument(name = "eventcore_postgres.read_all", skip_all, fields(after = %after, limit))]
    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let types: Option<Vec<&str>> = filter
            .event_types()
            .map(|t| t.iter().map(AsRef::as_ref).collect());
        if limit == 0 || types.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let prefix = filter.stream_prefix().filter(|p| !p.is_empty());
        let sql =
            &self.shared.sql.read_all[usize::from(prefix.is_some())][usize::from(types.is_some())];
        let after_param = position_param(after)?;
        let limit_param = i64::try_from(limit).unwrap_or(i64::MAX);
        let limits = self.shared.limits;
        let map = |e| limits.map("read_all", e);
        let mut waiter = VisibilityWait::new(self.shared.visibility_wait);
        loop {
            let mut query = sqlx::query(sql).bind(after_param).bind(limit_param);
            if let Some(prefix) = prefix {
                query = query.bind(prefix);
            }
            if let Some(types) = &types {
                query = query.bind(types);
            }
            let rows = query.fetch_all(&self.shared.pool).await.map_err(map)?;
            let Some(first) = rows.first() else {
                return Ok(Vec::new());
            };
            let bound: i64 = first.try_get(0).map_err(map)?;
            let newest: Option<i64> = first.try_get(1).map_err(map)?;
            let mut events = Vec::with_capacity(rows.len());
            for row in &rows {
                let present: Option<i64> = row.try_get(2).map_err(map)?;
                if present.is_some() {
                    events.push(decode_event(row, 2, limits, "read_all")?);
                }
            }
            // Committed events past the safe bound are held back by an
            // older open transaction: give it a moment to finish.
            let held_back = newest.is_some_and(|n| n >= bound && n > after_param);
            if events.len() < limit && held_back && waiter.wait().await {
                continue;
            }
            return Ok(events);
        }
    }

    #[tracing::instrument(name = "eventcore_postgres.head_position", skip_all)]
    async fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        let mut waiter = VisibilityWait::new(self.shared.visibility_wait);
        loop {
            let (safe, newest) = head_position(&self.shared.pool, &self.shared.sql.head_position)
                .await
                .map_err(|e| self.shared.limits.map("head_position", e))?;
            if newest.is_some_and(|n| n > safe) && waiter.wait().await {
                continue;
            }
            return to_position(safe);
        }
    }

    #[tracing::instrument(name = "eventcore_postgres.count_events", skip_all, fields(after = %after, up_to = %up_to))]
    async fn count_events(
        &self,
        after: GlobalPosition,
        up_to: GlobalPosition,
        cap: u64,
    ) -> Result<u64, StoreError> {
        if up_to <= after || cap == 0 {
            return Ok(0);
        }
        let count: i64 = sqlx::query_scalar(&self.shared.sql.count_events)
            .bind(position_param(after)?)
            .bind(position_param(up_to)?)
            .bind(i64::try_from(cap).unwrap_or(i64::MAX))
            .fetch_one(&self.shared.pool)
            .await
            .map_err(|e| self.shared.limits.map("count_events", e))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn subscribe(&self) -> EventNotifications {
        let span = tracing::debug_span!("eventcore_postgres.subscribe");
        let _entered = span.enter();
        self.follower();
        self.shared.hub.subscribe()
    }
}

/// The gap-safe head (the newest position below the snapshot-xmin bound)
/// and the newest committed position.
pub(crate) async fn head_position(
    pool: &PgPool,
    sql: &str,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as(sql).fetch_one(pool).await
}

/// Bounded, backing-off waiting for older transactions to end.
struct VisibilityWait {
    deadline: tokio::time::Instant,
    pause: Duration,
}

impl VisibilityWait {
    fn new(limit: Duration) -> Self {
        Self {
            deadline: tokio::time::Instant::now() + limit,
            pause: Duration::from_millis(1),
        }
    }

    /// Sleeps a little and returns `true`, or `false` once the time is up.
    async fn wait(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        if now >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.pause.min(self.deadline - now)).await;
        self.pause = (self.pause * 2).min(Duration::from_millis(20));
        true
    }
}
