//! The workloads on the banking example. Each sets up its accounts (not
//! timed), runs its commands, then audits the streams.
//!
//! - [`deposits`]: W1, single-stream deposits spread over many accounts,
//!   W4, deposits on one stream with a long history, and W6, deposits on
//!   one very long stream from a cold executor each.
//! - [`transfers`]: W2 and W3, two-stream transfers with and without
//!   contention.
//! - [`catch_up`]: W5, a projection from position 0 to the head.

mod catch_up;
mod deposits;
mod transfers;

use std::time::Duration;

use eventcore::{
    CommandExecutor, CommandLogic, RetryPolicy,
    store::{CheckpointStore, EventStore, LeaseStore, SnapshotStore},
};
use eventcore_benches::{BenchResult, audit::audit};
use eventcore_examples::banking::AccountId;

use crate::{
    drive::{Cache, drive},
    invariants,
    measure::Measure,
    workload::{Backend, Workload},
};

/// Transfers in W2.
pub const W2_TRANSFERS: usize = 10_000;

/// Runs `workload` on a fresh `store`.
pub async fn run<S>(workload: Workload, backend: Backend, store: S) -> BenchResult<Measure>
where
    S: EventStore + CheckpointStore + LeaseStore + SnapshotStore + Clone + 'static,
{
    match workload {
        Workload::W1 | Workload::W1Eight => deposits::w1(backend, store, workload).await,
        Workload::W2Single | Workload::W2Eight | Workload::W2Tasks(_) => {
            transfers::w2(backend, store, workload, W2_TRANSFERS).await
        }
        Workload::W3 => transfers::w3(backend, store).await,
        Workload::W4 => deposits::w4(backend, store).await,
        Workload::W5 => catch_up::w5(backend, store).await,
        Workload::W6 => deposits::w6(backend, store, true).await,
        Workload::W6Plain => deposits::w6(backend, store, false).await,
    }
}

/// W2 with `transfers` transfers from `tasks` tasks on a fresh `store`:
/// one point of the scaling curve.
pub async fn w2_from<S: EventStore + Clone + 'static>(
    backend: Backend,
    store: S,
    tasks: usize,
    transfers: usize,
) -> BenchResult<Measure> {
    transfers::w2(backend, store, Workload::W2Tasks(tasks), transfers).await
}

/// Retries for the concurrent workloads: enough attempts that every command
/// succeeds, short backoff so the contention latency stays low.
fn contention_policy() -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(10_000)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(10))
}

/// What the account streams must hold once a workload's commands ran.
struct Expected {
    /// The sum of the balances, in cents.
    total_cents: i128,
    /// Events in the streams.
    events: usize,
}

/// Runs `per_task`'s commands (one Tokio task each, on `executor` or, with
/// [`Cache::Cold`], on a new executor per command), then audits
/// `accounts` for conservation against `expected`.
async fn drive_and_audit<S, C>(
    backend: Backend,
    workload: Workload,
    executor: &CommandExecutor<S>,
    per_task: Vec<Vec<C>>,
    cache: Cache,
    accounts: &[AccountId],
    expected: &Expected,
) -> BenchResult<Measure>
where
    S: EventStore + Clone + 'static,
    C: CommandLogic + 'static,
    C::State: Send,
{
    let commands = per_task.iter().map(Vec::len).sum();
    let drive = drive(executor, per_task, cache).await?;
    let audit = audit(executor.store(), accounts).await?;
    let checks = invariants::conservation(&audit, expected.total_cents, expected.events);
    Ok(Measure::new(backend, workload, &drive, commands, checks))
}
