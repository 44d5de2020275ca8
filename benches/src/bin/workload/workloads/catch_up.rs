//! W5: 100,000 events (1,000 accounts of 100 events), written straight
//! through the store, then a balance projection from position 0 to the
//! head. The rate is events applied per second.

use std::time::{Duration, Instant};

use eventcore::{
    GlobalPosition,
    projection::{ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore},
};
use eventcore_benches::{BenchResult, audit::audit, pg, seed};
use eventcore_examples::banking::BalanceProjection;

use crate::{
    drive::Drive,
    invariants::{self, check},
    measure::Measure,
    workload::{Backend, Workload},
};

const ACCOUNTS: usize = 1_000;
const PER_ACCOUNT: usize = 100;
const EVENTS: usize = ACCOUNTS * PER_ACCOUNT;
const DEPOSIT_CENTS: i64 = 7;
/// Batch size of the projection runner.
const BATCH: usize = 1_000;
/// How long the projection may take to reach the head.
const DEADLINE: Duration = Duration::from_mins(10);

pub async fn w5<S>(backend: Backend, store: S) -> BenchResult<Measure>
where
    S: EventStore + CheckpointStore + LeaseStore + Clone + 'static,
{
    let accounts = seed::accounts("w5", ACCOUNTS)?;
    for account in &accounts {
        seed::seed_account(&store, account, PER_ACCOUNT - 1, DEPOSIT_CENTS, PER_ACCOUNT).await?;
    }
    let head: GlobalPosition = store.head_position().await?;

    // A name of its own, so the run starts from position 0 without a
    // leftover checkpoint.
    let balances = BalanceProjection::named(format!("w5-{}", pg::fresh_schema_name("p")));
    let read_model = balances.clone();
    let started = Instant::now();
    let handle = ProjectionRunner::new(
        store.clone(),
        balances,
        RunnerConfig::default().batch_size(BATCH),
    )
    .start();
    let caught_up = handle.wait_for_position(head, DEADLINE).await;
    let elapsed = started.elapsed();
    handle.shutdown().await?;

    let audit = audit(&store, &accounts).await?;
    let projected = read_model.balances();
    let mismatched = accounts
        .iter()
        .filter(|a| {
            let folded = audit
                .balances
                .get(a.stream_id().as_str())
                .copied()
                .unwrap_or(-1);
            read_model
                .balance(a)
                .is_none_or(|m| i128::from(m.cents()) != folded)
        })
        .count();
    let expected_total = i128::from(DEPOSIT_CENTS) * (PER_ACCOUNT as i128 - 1) * ACCOUNTS as i128;
    let mut checks = invariants::conservation(&audit, expected_total, EVENTS);
    checks.push(check(caught_up, || {
        format!(
            "projection did not reach the head within {} s",
            DEADLINE.as_secs()
        )
    }));
    checks.push(check(
        projected.len() == ACCOUNTS && mismatched == 0,
        || {
            format!(
                "projection has {} accounts, {mismatched} disagree with their streams",
                projected.len()
            )
        },
    ));
    let drive = Drive {
        elapsed,
        ..Drive::default()
    };
    let mut m = Measure::new(backend, Workload::W5, &drive, EVENTS, checks);
    m.unit = "events/s";
    m.p50_ms = f64::NAN;
    m.p99_ms = f64::NAN;
    m.ms_per_command = f64::NAN;
    Ok(m)
}
