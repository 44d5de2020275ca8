//! Appends: the batch goes to the server-side append procedure in one
//! statement, which checks every expected version and inserts every event.

mod args;
mod combine;
mod failure;
mod group;
mod idempotency;

use std::sync::Arc;

use eventcore::{
    GlobalPosition, StoreError, StreamVersion,
    store::{AppendBatch, AppendResult, AppendedEvent},
};
use sqlx::Row;

pub use self::args::MAX_EVENTS_PER_APPEND;
pub(crate) use self::combine::Combiner;
pub(super) use self::idempotency::{idempotency_record, purge, read_streams_keyed};
use self::{
    args::AppendArgs,
    failure::{append_failed, conflict_error},
    group::Outcomes,
};
use super::{
    rows::{to_position, to_version},
    shared::Shared,
};
use crate::error::{IN_FAILED_SQL_TRANSACTION, INVALID_TRANSACTION_TERMINATION, sqlstate};

/// Appends a batch that commits on its own: combined with other batches
/// ready at the same moment when group commit is on, alone otherwise.
pub(super) async fn commit(
    shared: &Arc<Shared>,
    batch: AppendBatch,
) -> Result<AppendResult, StoreError> {
    if batch.writes().is_empty() && batch.idempotency().is_none() {
        return Ok(AppendResult::default());
    }
    let batch = match (&shared.combiner, batch.idempotency()) {
        (Some(combiner), None) => match combine::append(shared, combiner, batch).await {
            Ok(outcome) => return outcome,
            Err(batch) => batch,
        },
        _ => batch,
    };
    commit_one(shared, batch).await
}

/// Appends one batch in a transaction of its own, with the self-committing
/// procedure.
async fn commit_one(shared: &Shared, batch: AppendBatch) -> Result<AppendResult, StoreError> {
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
    if let Some(last) = result.events.last() {
        committed(shared, last.position);
    }
    Ok(result)
}

/// Commits a group's batches: one alone, several through the group
/// procedure. When the server refuses the group (and so rolled all of it
/// back), the batches are appended one by one, so that only a batch at
/// fault fails.
async fn commit_batches(shared: &Shared, mut batches: Vec<AppendBatch>) -> Outcomes {
    if batches.len() == 1
        && let Some(batch) = batches.pop()
    {
        return vec![commit_one(shared, batch).await];
    }
    let acquired = match shared.pool_for("append").await {
        Ok(pool) => pool.acquire().await.map_err(shared.errors.on("append")),
        Err(unreachable) => Err(unreachable),
    };
    let mut conn = match acquired {
        Ok(conn) => conn,
        Err(error) => return combine::unsent(&batches, &error),
    };
    match group::commit_group(shared, &mut conn, &batches).await {
        Ok(outcomes) => {
            let last = outcomes
                .iter()
                .filter_map(|o| o.as_ref().ok()?.events.last().map(|e| e.position))
                .max();
            if let Some(last) = last {
                committed(shared, last);
            }
            outcomes
        }
        Err(error) if sqlstate(&error).is_some() => {
            let code = sqlstate(&error);
            if matches!(
                code.as_deref(),
                Some(INVALID_TRANSACTION_TERMINATION | IN_FAILED_SQL_TRANSACTION)
            ) {
                tracing::warn!(
                    "group append found its pooled connection inside a stray transaction; closing it"
                );
                conn.close_on_drop();
            }
            drop(conn);
            tracing::debug!(%error, batches = batches.len(), "eventcore-postgres: the group append was refused; appending its batches one by one");
            let mut outcomes = Vec::with_capacity(batches.len());
            for batch in batches {
                outcomes.push(commit_one(shared, batch).await);
            }
            outcomes
        }
        Err(error) => combine::unsent(&batches, &shared.errors.translate("append", error)),
    }
}

/// Events up to `last` committed: wakes this process's subscribers and
/// notifies other processes.
fn committed(shared: &Shared, last: GlobalPosition) {
    if let Some(follower) = shared.running_follower() {
        follower.appended(last);
    }
    if let Some(notifier) = &shared.notifier {
        notifier.committed(last);
    }
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
    // An append that commits itself is notified after its commit (see
    // `Notifier`); one in the caller's transaction notifies inside it, so
    // that the notification goes out with the caller's commit or not at all.
    let channel = match commit {
        Commit::Itself => None,
        Commit::Caller => shared.channel.as_deref(),
    };
    let row = args
        .bind(statement, channel, claim)
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
