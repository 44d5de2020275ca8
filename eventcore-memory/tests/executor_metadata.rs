//! Metadata flows through: every event a command writes carries the
//! correlation id, causation id, actor and custom fields of the call.

#![cfg(test)]

mod bank;

use bank::{account, deposit, open, open_all, transfer};
use eventcore::store::EventStore;
use eventcore::{
    CausationId, CommandExecutor, CorrelationId, EventId, EventMetadata, StreamId, UserId, execute,
};

#[tokio::test]
async fn every_written_event_carries_the_call_metadata() {
    let store = eventcore_memory::MemoryStore::new();
    let (alice, bob) = (account("alice"), account("bob"));
    open_all(&CommandExecutor::new(store.clone()), &[&alice, &bob], 50).await;
    let correlation = CorrelationId::new();
    let cause = CausationId::new();
    let actor = UserId::try_new("teller-7").unwrap();
    // An event id set here would be shared by every event: it is ignored.
    let options = EventMetadata::builder()
        .event_id(EventId::new())
        .correlation_id(correlation)
        .causation_id(cause)
        .actor(actor.clone())
        .custom("channel", "branch");

    let done = CommandExecutor::new(store.clone())
        .execute_with(transfer(&alice, &bob, 5), options)
        .await
        .unwrap();

    assert_eq!(done.events.len(), 2);
    for event in &done.events {
        let metadata = event.metadata();
        assert_eq!(metadata.correlation_id(), correlation);
        assert_eq!(metadata.causation_id(), Some(cause));
        assert_eq!(metadata.actor(), Some(&actor));
        assert_eq!(
            metadata.custom().get("channel"),
            Some(&serde_json::json!("branch"))
        );
    }
    assert_ne!(
        done.events[0].metadata().event_id(),
        done.events[1].metadata().event_id()
    );

    // The store holds the same metadata.
    let read = store.read_streams(&[StreamId::from(alice)]).await.unwrap();
    let stored = &read.streams()[0].events()[1];
    assert_eq!(stored.metadata(), done.events[0].metadata());
}

#[tokio::test]
async fn a_command_caused_by_an_event_uses_its_id_as_causation() {
    let store = eventcore_memory::MemoryStore::new();
    let trigger = execute(&store, open(&account("a"), 1))
        .await
        .unwrap()
        .events
        .remove(0);

    let reaction = CommandExecutor::new(store)
        .execute_with(
            open(&account("b"), 1),
            EventMetadata::builder().caused_by(&trigger),
        )
        .await
        .unwrap();

    let metadata = reaction.events[0].metadata();
    assert_eq!(
        metadata.causation_id(),
        Some(CausationId::from(trigger.metadata().event_id()))
    );
    assert_eq!(
        metadata.correlation_id(),
        trigger.metadata().correlation_id()
    );
}

#[tokio::test]
async fn without_options_each_execution_gets_its_own_correlation_id() {
    let store = eventcore_memory::MemoryStore::new();
    let first = execute(&store, open(&account("a"), 1)).await.unwrap();
    let second = execute(&store, deposit(&account("a"), 1)).await.unwrap();
    assert_ne!(
        first.events[0].metadata().correlation_id(),
        second.events[0].metadata().correlation_id()
    );
    assert_eq!(first.events[0].metadata().causation_id(), None);
}
