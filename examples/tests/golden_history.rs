//! Golden history: events as older releases of the banking example wrote
//! them (checked in under `tests/fixtures/`), loaded into the in-memory
//! store and into PostgreSQL, and read by today's code through a command, a
//! projection and a plain read. The history holds serde's tagged form from
//! before schema versions, `Opened` v1 (today `AccountOpened` v2, with a
//! renamed field) and `InterestAccrued` (retired).

#![cfg(test)]

mod common;

use std::time::Duration;

use eventcore::{
    CommandError, CommandExecutor, EventMetadata, GlobalPosition, SerializedEvent, StreamId,
    projection::{ProjectionRunner, RunnerConfig},
    store::{AppendBatch, CheckpointStore, EventStore, ExpectedVersion, LeaseStore, NewEvent},
};
use eventcore_examples::banking::{
    self, AccountId, Amount, BalanceProjection, BankError, Money, Withdraw,
};
use eventcore_memory::MemoryStore;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Fixture {
    events: Vec<FixtureEvent>,
}

#[derive(Deserialize)]
struct FixtureEvent {
    stream: String,
    event_type: String,
    schema_version: Option<u32>,
    payload: Value,
}

const FIXTURES: [&str; 2] = [
    include_str!("fixtures/banking_v1_tagged.json"),
    include_str!("fixtures/banking_v1.json"),
];

/// Balances today's code must fold the golden history into, in cents:
/// ada 100.00 + 25.00 - 30.00; bo 5.00 + 30.00 + 0.01; cy 7.00 - 2.00.
const EXPECTED: [(&str, i64); 3] = [("ada", 9_500), ("bo", 3_501), ("cy", 500)];

use common::TestResult;

/// Appends every fixture event, one at a time, as the old releases did.
async fn load<S: EventStore>(store: &S) -> TestResult {
    for fixture in FIXTURES {
        let fixture: Fixture = serde_json::from_str(fixture)?;
        for event in fixture.events {
            let payload = event.payload.to_string();
            let serialized = match event.schema_version {
                None => SerializedEvent::legacy_tagged(event.event_type, payload),
                Some(version) => {
                    SerializedEvent::new(event.event_type, payload).with_schema_version(version)
                }
            };
            store
                .append(AppendBatch::single(
                    StreamId::try_new(event.stream)?,
                    ExpectedVersion::Any,
                    vec![NewEvent::new(serialized, EventMetadata::new())],
                ))
                .await?;
        }
    }
    Ok(())
}

async fn today_reads_the_golden_history<S>(store: S) -> TestResult
where
    S: EventStore + CheckpointStore + LeaseStore + Clone + 'static,
{
    load(&store).await?;

    // A plain read folds each stream.
    for (account, cents) in EXPECTED {
        let id = AccountId::try_new(account)?;
        assert_eq!(
            banking::balance(&store, &id).await?,
            Money::try_from_cents(cents)?,
            "{account}"
        );
        assert!(banking::account_state(&store, &id).await?.open, "{account}");
    }

    // A projection sees the upcast events and skips the retired ones.
    let projection = BalanceProjection::new();
    let handle =
        ProjectionRunner::new(store.clone(), projection.clone(), RunnerConfig::default()).start();
    let head = store.head_position().await?;
    assert!(
        handle
            .wait_for_position(head, Duration::from_secs(20))
            .await,
        "the projection reaches the head: {:?}",
        handle.health()
    );
    handle.shutdown().await?;
    for (account, cents) in EXPECTED {
        let id = AccountId::try_new(account)?;
        assert_eq!(
            projection.balance(&id),
            Some(Money::try_from_cents(cents)?),
            "{account}"
        );
    }
    assert!(head > GlobalPosition::START);

    // A command folds the same history: ada holds exactly 95.00.
    let executor = CommandExecutor::new(store.clone());
    let ada = AccountId::try_new("ada")?;
    let withdraw = |cents| -> Result<Withdraw, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Withdraw {
            account: ada.clone(),
            amount: Amount::try_from_cents(cents)?,
        })
    };
    match executor.execute(withdraw(9_501)?).await {
        Err(CommandError::Rejected(BankError::InsufficientFunds { .. })) => {}
        other => panic!("95.01 must be refused, got {other:?}"),
    }
    executor.execute(withdraw(9_500)?).await?;
    assert_eq!(banking::balance(&store, &ada).await?, Money::ZERO);
    Ok(())
}

#[tokio::test]
async fn the_memory_store_reads_the_golden_history() -> TestResult {
    today_reads_the_golden_history(MemoryStore::new()).await
}

#[tokio::test]
async fn postgres_reads_the_golden_history() -> TestResult {
    let store = common::fresh_store("golden").await?;
    let outcome = today_reads_the_golden_history(store.clone()).await;
    common::drop_schema(&store).await?;
    outcome
}
