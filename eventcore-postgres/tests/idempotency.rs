//! Idempotency records on PostgreSQL live and die with the transaction that
//! appends their batch.

mod common;

use std::time::Duration;

use common::{TestResult, count, event, id};
use eventcore::{
    IdempotencyKey, StoreError, StreamVersion,
    store::{AppendBatch, EventStore, ExpectedVersion, IdempotencyClaim},
};
use uuid::Uuid;

fn keyed(stream: &str, key: &IdempotencyKey) -> AppendBatch {
    AppendBatch::single(
        id(stream),
        ExpectedVersion::NO_STREAM,
        vec![event("E", &serde_json::json!({ "stream": stream }))],
    )
    .with_idempotency(IdempotencyClaim::new(key.clone(), "Test", Uuid::nil()))
}

fn fresh_key() -> IdempotencyKey {
    IdempotencyKey::from(Uuid::now_v7())
}

#[tokio::test]
async fn a_rolled_back_transaction_records_no_key() -> TestResult {
    let store = common::fresh_store().await?;
    let key = fresh_key();
    let mut tx = store.begin().await?;
    store.append_in(&mut tx, keyed("rolled-back", &key)).await?;
    tx.rollback().await?;
    assert_eq!(store.idempotency_record(&key).await?, None);
    assert_eq!(
        count(&store, "SELECT count(*) FROM S.idempotency_keys").await,
        0
    );

    // The key was never taken: the same claim is free.
    store.append(keyed("rolled-back", &key)).await?;
    let record = store.idempotency_record(&key).await?.expect("recorded");
    assert_eq!(record.events.len(), 1);
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn a_rival_claim_waits_for_the_first_transaction_and_follows_its_fate() -> TestResult {
    let store = common::fresh_store().await?;
    for commit in [true, false] {
        let key = fresh_key();
        let first = format!("first-{commit}");
        let rival = format!("rival-{commit}");
        let mut tx = store.begin().await?;
        store.append_in(&mut tx, keyed(&first, &key)).await?;

        // The rival claim waits on the first transaction's key row.
        let racing = tokio::spawn({
            let (store, key) = (store.clone(), key.clone());
            async move { store.append(keyed(&rival, &key)).await }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!racing.is_finished(), "the rival must wait for the first");
        if commit {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        let outcome = racing.await?;
        let rival = id(&format!("rival-{commit}"));
        if commit {
            assert!(
                matches!(&outcome, Err(StoreError::IdempotencyKeyRecorded { key: k }) if *k == key),
                "{outcome:?}"
            );
            assert_eq!(store.stream_version(&rival).await?, StreamVersion::INITIAL);
            let record = store.idempotency_record(&key).await?.expect("recorded");
            assert_eq!(record.events[0].stream_id(), &id(&first));
        } else {
            outcome?;
            let record = store.idempotency_record(&key).await?.expect("recorded");
            assert_eq!(record.events[0].stream_id(), &rival);
        }
    }
    common::drop_schema(&store).await;
    Ok(())
}
