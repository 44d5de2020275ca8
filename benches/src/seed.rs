//! Accounts of the banking example (`eventcore_examples::banking`) set up
//! for a bench: ids, accounts opened through the executor, and long streams
//! written straight through the store when writing them is not what is
//! measured.

use eventcore::{
    CommandExecutor, EventMetadata, EventSerializer, JsonSerializer, StreamVersion,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_examples::banking::{AccountId, Amount, BankEvent, Money, OpenAccount, Owner};

use crate::BenchResult;

/// The owner of every account a bench opens.
const OWNER: &str = "Bench Customer";

/// `count` account ids `<prefix>-<i>`.
pub fn accounts(prefix: &str, count: usize) -> BenchResult<Vec<AccountId>> {
    (0..count)
        .map(|i| AccountId::try_new(format!("{prefix}-{i}")).map_err(Into::into))
        .collect()
}

/// Opens every account through the executor (one command each).
pub async fn open_all<S: EventStore>(
    executor: &CommandExecutor<S>,
    accounts: &[AccountId],
    opening_cents: i64,
) -> BenchResult {
    let opening = Money::try_from_cents(opening_cents)?;
    let owner = Owner::try_new(OWNER)?;
    for account in accounts {
        executor
            .execute(OpenAccount {
                account: account.clone(),
                owner: owner.clone(),
                initial_deposit: opening,
            })
            .await?;
    }
    Ok(())
}

/// A bank event as the executor would write it.
pub fn new_event(event: &BankEvent) -> BenchResult<NewEvent> {
    Ok(NewEvent::new(
        JsonSerializer.encode(event)?,
        EventMetadata::new(),
    ))
}

/// Seeds `account` with an `AccountOpened` event followed by `deposits`
/// deposits of `cents` each, written directly through the store in
/// batches of `batch` events.
pub async fn seed_account<S: EventStore>(
    store: &S,
    account: &AccountId,
    deposits: usize,
    cents: i64,
    batch: usize,
) -> BenchResult {
    let opened = BankEvent::AccountOpened {
        owner: Owner::try_new(OWNER)?,
        opening_balance: Money::ZERO,
    };
    let deposit = BankEvent::Deposited {
        amount: Amount::try_from_cents(cents)?,
    };
    let mut pending = vec![new_event(&opened)?];
    let mut version = 0_u64;
    for _ in 0..deposits {
        if pending.len() >= batch {
            version += flush(store, account, version, &mut pending).await?;
        }
        pending.push(new_event(&deposit)?);
    }
    flush(store, account, version, &mut pending).await?;
    Ok(())
}

/// Appends `pending` to `account` at `version`; returns how many events
/// were written.
async fn flush<S: EventStore>(
    store: &S,
    account: &AccountId,
    version: u64,
    pending: &mut Vec<NewEvent>,
) -> BenchResult<u64> {
    let n = pending.len() as u64;
    if n == 0 {
        return Ok(0);
    }
    store
        .append(AppendBatch::single(
            account.stream_id().clone(),
            ExpectedVersion::Exact(StreamVersion::new(version)),
            std::mem::take(pending),
        ))
        .await?;
    Ok(n)
}
