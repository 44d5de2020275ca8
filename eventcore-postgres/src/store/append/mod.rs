//! Appends: the batch goes to the server-side append procedure in one
//! statement, which checks every expected version and inserts every event.

mod args;
mod failure;
mod idempotency;

use eventcore::{
    GlobalPosition, StoreError, StreamVersion,
    store::{AppendBatch, AppendResult, AppendedEvent},
};
use sqlx::Row;

pub use self::args::MAX_EVENTS_PER_APPEND;
pub(super) use self::idempotency::{idempotency_record, purge, read_streams_keyed};
use self::{
    args::AppendArgs,
    failure::{append_failed, conflict_error},
};
use super::{
    rows::{to_position, to_version},
    shared::Shared,
};

/// Appends on a pooled connection with the self-committing procedure.
pub(super) async fn commit(
    shared: &Shared,
    batch: AppendBatch,
) -> Result<AppendResult, StoreError> {
    if batch.writes().is_empty() && batch.idempotency().is_none() {
        return Ok(AppendResult::default());
    }
    let mut conn = shared
        .pool_for("append")
        .await?
        .acquire()
        .await
        .map_err(shared.errors.on("append"))?;
    // The procedure commits its own work, and refuses to if the
    // connection is already inside a transaction: then nothing is
    // acknowledged, and the connection is closed so that the server
    // rolls the stray transaction back.
    let result = run(shared, &mut *conn, Commit::Itself, batch).await;
    if matches!(result, Err(StoreError::StrayTransaction { .. })) {
        tracing::warn!("append found its pooled connection inside a stray transaction; closing it");
        conn.close_on_drop();
    }
    let result = result?;
    if let (Some(last), Some(follower)) = (result.events.last(), shared.running_follower()) {
        follower.appended(last.position);
    }
    Ok(result)
}

/// Who commits an append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Commit {
    /// The append procedure, in the same round trip (`append_committed.sql`).
    Itself,
    /// The caller, whose transaction the append runs in (`append.sql`).
    Caller,
}

/// Runs one append statement, which calls the append procedure either
/// inside the caller's transaction or committing its own work; both return
/// the same row. A batch with an idempotency claim calls the procedure that
/// records it, in the same statement.
pub(super) async fn run<'c, E>(
    shared: &Shared,
    executor: E,
    commit: Commit,
    batch: AppendBatch,
) -> Result<AppendResult, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    let claim = batch.idempotency();
    if batch.writes().is_empty() && claim.is_none() {
        return Ok(AppendResult::default());
    }
    let sql = &shared.sql;
    let statement = match (commit, claim.is_some()) {
        (Commit::Itself, false) => &sql.append_committed,
        (Commit::Itself, true) => &sql.append_keyed_committed,
        (Commit::Caller, false) => &sql.append,
        (Commit::Caller, true) => &sql.append_keyed,
    };
    let args = AppendArgs::new(&batch)?;
    let row = args
        .bind(statement, shared.channel.as_deref(), claim)
        .fetch_one(executor)
        .await;
    let row = match row {
        Ok(row) => row,
        Err(e) => return Err(append_failed(shared, &batch, e).await),
    };
    let map = shared.errors.on("append");
    let conflict: Option<i32> = row.try_get("conflict_index").map_err(&map)?;
    if let Some(index) = conflict {
        let actual: i64 = row.try_get("actual_version").map_err(&map)?;
        return Err(conflict_error(&batch, index, actual));
    }
    let first: Option<i64> = row.try_get("first_position").map_err(&map)?;
    let versions: Vec<i64> = row.try_get("new_versions").map_err(&map)?;
    build_result(&batch, first, &versions)
}

/// The recorded events and versions, from the first position and each
/// participant's new version.
fn build_result(
    batch: &AppendBatch,
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
    // The first version each stream's events take.
    let mut next_version = Vec::with_capacity(versions.len());
    for (write, &new_version) in batch.writes().iter().zip(versions) {
        let new_version = to_version(write.stream_id(), new_version)?;
        next_version.push(
            new_version
                .value()
                .saturating_sub(write.events().len() as u64)
                + 1,
        );
        result
            .stream_versions
            .push((write.stream_id().clone(), new_version));
    }
    // Positions were given in emission order.
    for emitted in batch.emitted() {
        let version = &mut next_version[emitted.write];
        result.events.push(AppendedEvent {
            stream_id: emitted.stream.stream_id().clone(),
            version: StreamVersion::new(*version),
            position,
            event_id: emitted.event.metadata().event_id(),
        });
        *version += 1;
        position = GlobalPosition::new(position.value() + 1);
    }
    Ok(result)
}
