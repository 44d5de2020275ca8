//! The executor end to end on the in-memory store: what `execute` returns,
//! how state is folded, and what a rejection looks like.

#![cfg(test)]

mod bank;

use bank::{account, cents, money, open, open_all, transfer};
use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, StreamId, StreamVersion, emit, execute,
    store::EventStore,
};
use eventcore_examples::banking::{Account, AccountId, BankError, BankEvent};
use eventcore_memory::MemoryStore;

#[tokio::test]
async fn execute_returns_recorded_events_with_versions_and_positions() {
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    let (alice, bob) = (account("alice"), account("bob"));
    open_all(&executor, &[&alice, &bob], 100).await;

    let done = execute(&store, transfer(&alice, &bob, 30)).await.unwrap();

    assert_eq!(done.attempts, 1);
    assert_eq!(done.events.len(), 2);
    let (out, into) = (&done.events[0], &done.events[1]);
    assert_eq!(
        *out.payload(),
        BankEvent::TransferredOut {
            to: bob.clone(),
            amount: cents(30)
        }
    );
    assert_eq!(out.stream_id(), &alice.clone().into());
    assert_eq!(out.version(), StreamVersion::new(2));
    assert_eq!(
        *into.payload(),
        BankEvent::TransferredIn {
            from: alice.clone(),
            amount: cents(30)
        }
    );
    assert_eq!(into.stream_id(), &bob.clone().into());
    assert_eq!(into.version(), StreamVersion::new(2));
    assert!(out.position() < into.position());
    assert_eq!(
        store.stream_version(&alice.into()).await.unwrap(),
        StreamVersion::new(2)
    );
}

#[tokio::test]
async fn generated_state_routes_each_event_to_its_own_stream() {
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    let (alice, bob) = (account("alice"), account("bob"));
    executor.execute(open(&alice, 10)).await.unwrap();
    executor.execute(open(&bob, 500)).await.unwrap();

    // Alice has 10; Bob's 500 must not count towards her balance.
    let err = executor
        .execute(transfer(&alice, &bob, 11))
        .await
        .unwrap_err();

    assert!(
        matches!(
            &err,
            CommandError::Rejected(BankError::InsufficientFunds { balance, requested, .. })
                if *balance == money(10) && *requested == cents(11)
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_rejected_command_writes_nothing() {
    let store = MemoryStore::new();
    let err = execute(&store, transfer(&account("a"), &account("b"), 1))
        .await
        .unwrap_err();
    assert!(matches!(err, CommandError::Rejected(_)));
    assert!(store.is_empty());
}

/// Moves money between two accounts that may be the same one: the banking
/// domain refuses that, but the executor must handle it.
#[derive(Command)]
#[command(event = BankEvent)]
struct Shuffle {
    #[stream(state = Account)]
    from: AccountId,
    #[stream(state = Account)]
    to: AccountId,
}

impl CommandLogic for Shuffle {
    type Error = BankError;

    fn handle(&self, _: ShuffleState, streams: &mut ShuffleStreams<'_>) -> Result<(), BankError> {
        let amount = cents(1);
        emit!(streams.from, BankEvent::Withdrawn { amount });
        emit!(streams.to, BankEvent::Deposited { amount });
        Ok(())
    }
}

#[tokio::test]
async fn the_same_stream_twice_collapses_into_one() {
    let store = MemoryStore::new();
    let alice = account("alice");
    let executor = CommandExecutor::new(store.clone());
    executor.execute(open(&alice, 10)).await.unwrap();

    let done = executor
        .execute(Shuffle {
            from: alice.clone(),
            to: alice.clone(),
        })
        .await
        .unwrap();

    let versions: Vec<u64> = done.events.iter().map(|e| e.version().value()).collect();
    assert_eq!(versions, [2, 3]);
    assert!(
        done.events
            .iter()
            .all(|e| e.stream_id() == &StreamId::from(alice.clone()))
    );
}

/// A sensor reading: a float field, to show what JSON cannot carry.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, eventcore::Event)]
enum SensorEvent {
    Measured { celsius: f64 },
}

#[derive(Default)]
struct Sensor;

impl eventcore::Fold<SensorEvent> for Sensor {
    fn fold(&mut self, _: &eventcore::RecordedEvent<SensorEvent>) {}
}

#[derive(Command)]
#[command(event = SensorEvent)]
struct Record {
    #[stream(state = Sensor)]
    sensor: StreamId,
    celsius: f64,
}

impl CommandLogic for Record {
    type Error = std::convert::Infallible;

    fn handle(&self, _: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), Self::Error> {
        streams.sensor.emit(SensorEvent::Measured {
            celsius: self.celsius,
        });
        Ok(())
    }
}

#[tokio::test]
async fn an_event_json_cannot_carry_is_refused_and_nothing_is_written() {
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    let sensor = StreamId::try_new("sensor-1").unwrap();
    let refused = executor
        .execute(Record {
            sensor: sensor.clone(),
            celsius: f64::NAN,
        })
        .await;
    assert!(
        matches!(
            &refused,
            Err(CommandError::Serialization(
                eventcore::SerializationError::NotRepresentable { path, .. }
            )) if path == "celsius"
        ),
        "{refused:?}"
    );
    assert_eq!(
        store.stream_version(&sensor).await.unwrap(),
        StreamVersion::INITIAL
    );
    // The executor and the stream still work.
    let done = executor
        .execute(Record {
            sensor: sensor.clone(),
            celsius: 21.5,
        })
        .await
        .unwrap();
    assert_eq!(done.events[0].version(), StreamVersion::new(1));
}
