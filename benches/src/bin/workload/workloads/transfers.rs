//! W2 and W3: two-stream transfers between random distinct funded
//! accounts, checked for conservation.
//!
//! - W2: 1,000 accounts, 10,000 transfers, from 1 or from 8 tasks.
//! - W3: 10 accounts, 2,000 transfers from 8 tasks, so most commands
//!   contend for the same streams.

use eventcore::{CommandExecutor, store::EventStore};
use eventcore_benches::{BenchResult, seed};
use eventcore_examples::banking::{AccountId, Amount, TransferMoney};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{Cache, Expected, contention_policy, drive_and_audit};
use crate::{
    measure::Measure,
    workload::{Backend, Workload},
};

/// Opening balance of every account: large enough that no transfer (at
/// most [`MAX_TRANSFER_CENTS`]) is ever refused, so every command must
/// succeed.
const FUNDED_CENTS: i64 = 100_000_000;
const MAX_TRANSFER_CENTS: i64 = 100;

/// W2: `total` transfers (10,000 in the suite) among 1,000 accounts.
pub async fn w2<S: EventStore + Clone + 'static>(
    backend: Backend,
    store: S,
    workload: Workload,
    total: usize,
) -> BenchResult<Measure> {
    let accounts = seed::accounts("w2", 1_000)?;
    transfers(backend, store, workload, &accounts, total).await
}

pub async fn w3<S: EventStore + Clone + 'static>(
    backend: Backend,
    store: S,
) -> BenchResult<Measure> {
    let accounts = seed::accounts("w3", 10)?;
    transfers(backend, store, Workload::W3, &accounts, 2_000).await
}

/// Funds `accounts`, runs `total` transfers among them from the
/// workload's tasks and checks conservation.
async fn transfers<S: EventStore + Clone + 'static>(
    backend: Backend,
    store: S,
    workload: Workload,
    accounts: &[AccountId],
    total: usize,
) -> BenchResult<Measure> {
    let executor = CommandExecutor::new(store).retry_policy(contention_policy());
    seed::open_all(&executor, accounts, FUNDED_CENTS).await?;
    let tasks = workload.tasks();
    let mut rng = StdRng::seed_from_u64(2);
    let per_task = (0..tasks)
        .map(|t| {
            random_transfers(
                &mut rng,
                accounts,
                total / tasks + usize::from(t < total % tasks),
            )
        })
        .collect::<BenchResult<Vec<_>>>()?;
    let expected = Expected {
        total_cents: i128::from(FUNDED_CENTS) * accounts.len() as i128,
        events: accounts.len() + 2 * total,
    };
    drive_and_audit(
        backend,
        workload,
        &executor,
        per_task,
        Cache::Warm,
        accounts,
        &expected,
    )
    .await
}

/// `count` transfers of 1 to [`MAX_TRANSFER_CENTS`] cents between random
/// distinct accounts.
fn random_transfers(
    rng: &mut StdRng,
    accounts: &[AccountId],
    count: usize,
) -> BenchResult<Vec<TransferMoney>> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let from = rng.random_range(0..accounts.len());
        let to = (from + rng.random_range(1..accounts.len())) % accounts.len();
        let amount = Amount::try_from_cents(rng.random_range(1..=MAX_TRANSFER_CENTS))?;
        out.push(TransferMoney::new(
            accounts[from].clone(),
            accounts[to].clone(),
            amount,
        )?);
    }
    Ok(out)
}
