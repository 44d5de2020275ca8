//! Appends: the batch goes to the server-side append procedure in one
//! statement, which checks every expected version and inserts every event.

mod args;
mod combine;
mod commit;
mod failure;
mod group;
mod idempotency;
mod statement;

use std::sync::Arc;

use eventcore::{
    StoreError,
    store::{AppendBatch, AppendResult},
};

pub use self::args::MAX_EVENTS_PER_APPEND;
pub(super) use self::idempotency::{idempotency_record, purge, read_streams_keyed};
pub(super) use self::statement::{Commit, run};
use self::{combine::append_grouped, commit::commit_one};
use crate::store::shared::Shared;

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
        (Some(combiner), None) => match append_grouped(shared, combiner, batch).await {
            Ok(outcome) => return outcome,
            Err(batch) => batch,
        },
        _ => batch,
    };
    commit_one(shared, batch).await
}
