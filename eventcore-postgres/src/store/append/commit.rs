//! Committing batches: one in a transaction of its own, or a group through
//! the group procedure; then telling subscribers.

use eventcore::{
    GlobalPosition, StoreError,
    store::{AppendBatch, AppendResult},
};

use crate::error::{IN_FAILED_SQL_TRANSACTION, INVALID_TRANSACTION_TERMINATION, sqlstate};
use crate::store::append::group::{Outcomes, commit_group};
use crate::store::append::statement::{Commit, run};
use crate::store::shared::Shared;

/// Appends one batch in a transaction of its own, with the self-committing
/// procedure.
pub(super) async fn commit_one(
    shared: &Shared,
    batch: AppendBatch,
) -> Result<AppendResult, StoreError> {
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
pub(super) async fn commit_batches(shared: &Shared, mut batches: Vec<AppendBatch>) -> Outcomes {
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
        Err(error) => return unsent(&batches, &error),
    };
    match commit_group(shared, &mut conn, &batches).await {
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
        Err(error) => unsent(&batches, &shared.errors.translate("append", error)),
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

/// Each batch's outcome when the group could not be committed as one.
fn unsent(batches: &[AppendBatch], error: &StoreError) -> Outcomes {
    let message = error.to_string();
    batches
        .iter()
        .map(|_| {
            Err(match error {
                StoreError::Unavailable { .. } => StoreError::Unavailable {
                    message: message.clone(),
                    source: None,
                },
                _ => StoreError::backend("append", message.clone()),
            })
        })
        .collect()
}
