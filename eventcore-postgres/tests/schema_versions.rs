//! Events written before schema versions (by code from before migration 6,
//! which keeps appending through the previous procedure during a rolling
//! upgrade) read back through today's code: the store marks their form,
//! and commands fold them.

mod common;

use common::TestResult;
use eventcore::{
    Command, CommandExecutor, CommandLogic, Event, EventMetadata, EventSerializer, Fold,
    GlobalPosition, JsonSerializer, RecordedEvent, SerializedEvent, StreamId, check_store,
    store::{AppendBatch, EventFilter, EventStore, ExpectedVersion, NewEvent},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The domain today: the variant was renamed in code, keeping its stored
/// type name, since the old rows were written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Ledger {
    #[event(rename = "Deposited")]
    MoneyIn { amount: u64 },
}

#[derive(Default)]
struct Balance(u64);

impl Fold<Ledger> for Balance {
    fn fold(&mut self, event: &RecordedEvent<Ledger>) {
        let Ledger::MoneyIn { amount } = event.payload();
        self.0 += amount;
    }
}

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

/// Deposits `amount` and records the balance it saw.
#[derive(Command)]
#[command(event = Ledger)]
struct Deposit {
    #[stream(state = Balance)]
    account: StreamId,
    amount: u64,
}

impl CommandLogic for Deposit {
    type Error = Never;

    fn handle(&self, state: DepositState, streams: &mut DepositStreams<'_>) -> Result<(), Never> {
        assert_eq!(state.account.0, 5, "the old event is folded");
        streams.account.emit(Ledger::MoneyIn {
            amount: self.amount,
        });
        Ok(())
    }
}

#[tokio::test]
async fn events_from_before_schema_versions_read_back_and_new_ones_carry_theirs() -> TestResult {
    let store = common::fresh_store().await?;
    let account = common::id("account-legacy");
    // What code from before migration 6 does: the previous procedure, with
    // serde's tagged form and the variant's name at the time.
    let metadata = serde_json::to_string(&EventMetadata::new())?;
    sqlx::query(&format!(
        "CALL \"{}\".append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, true, NULL, NULL, NULL, NULL)",
        store.schema()
    ))
    .bind(vec![account.as_str()])
    .bind(vec![0_i64])
    .bind(vec![1_i32])
    .bind(vec![1_i32])
    .bind(vec![1_i32])
    .bind(vec![Uuid::now_v7()])
    .bind(vec!["Deposited"])
    .bind(vec![r#"{"Deposited":{"amount":5}}"#])
    .bind(vec![metadata])
    .execute(store.pool())
    .await?;

    let read = store.read_streams(std::slice::from_ref(&account)).await?;
    let old = &read.stream(&account).ok_or("stream read")?.events()[0];
    assert!(old.payload().is_legacy_tagged());
    assert_eq!(old.schema_version(), 1);
    let decoded: Ledger = JsonSerializer.decode(old)?;
    assert_eq!(decoded, Ledger::MoneyIn { amount: 5 });

    // A command folds the old event, then writes in today's form.
    CommandExecutor::new(store.clone())
        .execute(Deposit {
            account: account.clone(),
            amount: 7,
        })
        .await?;
    let (schema_version, payload): (Option<i32>, serde_json::Value) = sqlx::query_as(&format!(
        "SELECT schema_version, payload FROM \"{}\".events WHERE stream_id = $1 AND version = 2",
        store.schema()
    ))
    .bind(account.as_str())
    .fetch_one(store.pool())
    .await?;
    assert_eq!(schema_version, Some(1));
    assert_eq!(payload, serde_json::json!({ "amount": 7 }));
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn the_store_check_reads_postgres_rows_of_every_form() -> TestResult {
    let store = common::fresh_store().await?;
    let stream = common::id("account-check");
    let rows = [
        SerializedEvent::legacy_tagged("Deposited", r#"{"Deposited":{"amount":1}}"#),
        SerializedEvent::new("Deposited", r#"{"amount":2}"#),
        SerializedEvent::new("Deposited", r#"{"amount":3}"#).with_schema_version(2),
        SerializedEvent::new("Closed", "null"),
        SerializedEvent::new("Deposited", r#"{"amount":"four"}"#),
    ];
    store
        .append(AppendBatch::single(
            stream.clone(),
            ExpectedVersion::NO_STREAM,
            rows.into_iter()
                .map(|event| NewEvent::new(event, EventMetadata::new()))
                .collect(),
        ))
        .await?;
    let check =
        check_store::<Ledger, _>(&store, &EventFilter::all(), GlobalPosition::START, None).await?;
    assert_eq!(check.scanned, 5);
    let pairs: Vec<(&str, u32, u64)> = check
        .unreadable
        .iter()
        .map(|u| (u.event_type.as_str(), u.schema_version, u.count))
        .collect();
    // The tagged row and the v1 row read; v2, the unknown type and the
    // malformed payload do not, each reported once, in the order met.
    assert_eq!(
        pairs,
        [("Deposited", 2, 1), ("Closed", 1, 1), ("Deposited", 1, 1)]
    );
    assert!(
        check.unreadable[2].reason.contains("malformed"),
        "{}",
        check.unreadable[2].reason
    );
    common::drop_schema(&store).await;
    Ok(())
}
