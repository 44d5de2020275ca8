//! The core's public futures can be `tokio::spawn`ed: executing commands
//! (free function and executor), the memory store's port, and every
//! projection-handle control. A future that is not `Send` does not compile
//! here; the test then checks each spawned task finished as expected.

#![cfg(test)]

mod bank;

use bank::{account, deposit, open};
use eventcore::{
    CommandExecutor, GlobalPosition, execute,
    projection::{ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventFilter, EventStore, LeaseStore},
};
use eventcore_examples::banking::BalanceProjection;
use eventcore_memory::MemoryStore;

#[tokio::test]
async fn commands_stores_and_projection_controls_spawn() {
    let store = MemoryStore::new();
    let alice = account("alice");
    let executor = CommandExecutor::new(store.clone());
    let opened = tokio::spawn({
        let executor = executor.clone();
        let alice = alice.clone();
        async move { executor.execute(open(&alice, 100)).await }
    });
    assert!(opened.await.unwrap().is_ok());
    let deposited = tokio::spawn({
        let store = store.clone();
        let alice = alice.clone();
        async move { execute(&store, deposit(&alice, 5)).await }
    });
    assert!(deposited.await.unwrap().is_ok());

    let s = store.clone();
    let read = tokio::spawn(async move {
        let all = s
            .read_all(GlobalPosition::START, &EventFilter::all(), 10)
            .await?;
        let head = s.head_position().await?;
        let saved = s.load_checkpoint("p").await?;
        let lease = s
            .try_acquire_lease("p", "h", std::time::Duration::from_secs(1))
            .await?;
        Ok::<_, eventcore::StoreError>((all.len(), head, saved, lease.is_some()))
    });
    let (events, head, saved, leased) = read.await.unwrap().unwrap();
    assert_eq!(events, 2);
    assert!(head > GlobalPosition::START);
    assert_eq!(saved, None);
    assert!(leased);

    let handle = ProjectionRunner::new(
        store.clone(),
        BalanceProjection::new(),
        RunnerConfig::default(),
    )
    .start();
    let controlled = tokio::spawn(async move {
        handle.pause().await;
        handle.resume().await;
        handle.rebuild().await;
        let caught_up = handle
            .wait_for_position(head, std::time::Duration::from_secs(5))
            .await;
        handle.shutdown().await.map(|()| caught_up)
    });
    assert!(
        controlled.await.unwrap().unwrap(),
        "the projection caught up"
    );
}
