//! One append statement: the batch to the append procedure, the row back
//! to an `AppendResult`.

use eventcore::{
    GlobalPosition, StoreError, StreamVersion,
    store::{AppendBatch, AppendResult, AppendedEvent},
};
use sqlx::Row;

use crate::store::append::args::AppendArgs;
use crate::store::append::failure::{append_failed, conflict_error};
use crate::store::rows::{to_position, to_version};
use crate::store::shared::Shared;

/// Who commits an append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Commit {
    /// The append procedure, in the same round trip (`append_committed.sql`).
    Itself,
    /// The caller, whose transaction the append runs in (`append.sql`).
    Caller,
}

/// Runs one append statement, which calls the append procedure either
/// inside the caller's transaction or committing its own work; both return
/// the same row. A batch with an idempotency claim calls the procedure that
/// records it, in the same statement.
pub(crate) async fn run<'c, E>(
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
pub(super) fn build_result(
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
