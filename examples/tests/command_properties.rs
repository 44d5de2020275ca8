//! Properties that need the executor: `handle` is a pure function of state,
//! concurrent transfers keep the books consistent, and read-only streams take
//! part in the concurrency check so write skew is impossible.

#![cfg(test)]

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, CommandState, Event, EventId,
    EventSerializer, GlobalPosition, JsonSerializer, RecordedEvent, RetryPolicy, StreamId,
    StreamVersion, require,
    store::{
        AppendBatch, AppendResult, EventFilter, EventNotifications, EventStore, StoredEvent,
        StreamsRead,
    },
};
use eventcore_examples::banking::{
    self, AccountId, Amount, BankError, BankEvent, Money, OpenAccount, Owner, TransferMoney,
};
use eventcore_memory::MemoryStore;
use eventcore_testing::given;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

fn account(n: usize) -> AccountId {
    AccountId::try_new(format!("p{n}")).unwrap()
}

fn history() -> impl Strategy<Value = Vec<(AccountId, BankEvent)>> {
    let event = (0_usize..3, 0_u8..3, 1_i64..500).prop_map(|(n, kind, cents)| {
        let amount = Amount::try_from_cents(cents).unwrap();
        let event = match kind {
            0 => BankEvent::Deposited { amount },
            1 => BankEvent::TransferredIn {
                from: account((n + 1) % 3),
                amount,
            },
            _ => BankEvent::Withdrawn { amount },
        };
        (account(n), event)
    });
    proptest::collection::vec(event, 0..20).prop_map(|mut events| {
        let mut all: Vec<_> = (0..3)
            .map(|n| {
                let opened = BankEvent::AccountOpened {
                    owner: Owner::try_new("P").unwrap(),
                    opening_balance: Money::try_from_cents(1_000).unwrap(),
                };
                (account(n), opened)
            })
            .collect();
        all.append(&mut events);
        all
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The same history and command always give the same decision.
    #[test]
    fn handle_is_a_pure_function_of_state(events in history(), from in 0_usize..3, hop in 1_usize..3, cents in 1_i64..3_000) {
        let transfer = || TransferMoney::new(account(from), account((from + hop) % 3), Amount::try_from_cents(cents).unwrap()).unwrap();
        let first = given(events.clone()).when(transfer()).into_result();
        let second = given(events).when(transfer()).into_result();
        match (first, second) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(CommandError::Rejected(a)), Err(CommandError::Rejected(b))) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "different outcomes: {:?} vs {:?}", a.map(|_| ()), b.map(|_| ())),
        }
    }

    /// Random concurrent transfers with retries: the total is conserved, no
    /// balance goes negative, every stream is dense, and the store holds
    /// exactly the events of the successful commands.
    #[test]
    fn concurrent_transfers_stay_consistent(
        plan in proptest::collection::vec((0_usize..4, 1_usize..4, 1_i64..400), 8..40),
        tasks in 2_usize..6,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let store = MemoryStore::new();
            let executor = CommandExecutor::new(store.clone())
                .retry_policy(RetryPolicy::new().with_max_attempts(1_000).max_delay(Duration::from_millis(2)));
            for n in 0..4 {
                let open = OpenAccount { account: account(n), owner: Owner::try_new("P").unwrap(), initial_deposit: Money::try_from_cents(500).unwrap() };
                executor.execute(open).await.unwrap();
            }
            let opening_head = store.head_position().await.unwrap();
            let plan = Arc::new(plan);
            let next = Arc::new(AtomicUsize::new(0));
            let mut handles = Vec::new();
            for _ in 0..tasks {
                let (executor, plan, next) = (executor.clone(), Arc::clone(&plan), Arc::clone(&next));
                handles.push(tokio::spawn(async move {
                    let mut written: Vec<EventId> = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&(from, hop, cents)) = plan.get(i) else { break };
                        let transfer = TransferMoney::new(account(from), account((from + hop) % 4), Amount::try_from_cents(cents).unwrap()).unwrap();
                        match executor.execute(transfer).await {
                            Ok(done) => {
                                assert_eq!(done.events.len(), 2, "a transfer writes two events");
                                written.extend(done.events.iter().map(|e| e.metadata().event_id()));
                            }
                            Err(CommandError::Rejected(BankError::InsufficientFunds { .. })) => {}
                            Err(other) => panic!("unexpected failure {other:?}"),
                        }
                    }
                    written
                }));
            }
            let mut acknowledged = HashSet::new();
            for handle in handles {
                for id in handle.await.unwrap() {
                    assert!(acknowledged.insert(id), "an event id was reported twice");
                }
            }

            let mut total = 0;
            for n in 0..4 {
                total += banking::balance(&store, &account(n)).await.unwrap().cents();
            }
            assert_eq!(total, 2_000, "money is conserved");

            let ids: Vec<StreamId> = (0..4).map(|n| account(n).stream_id().clone()).collect();
            for stream in store.read_streams(&ids).await.unwrap().streams() {
                let versions: Vec<u64> = stream.events().iter().map(|e| e.version().value()).collect();
                assert_eq!(versions, (1..=versions.len() as u64).collect::<Vec<_>>(), "dense versions");
                let mut balance: i64 = 0;
                for e in stream.events() {
                    let event: BankEvent = JsonSerializer.decode(e).unwrap();
                    balance += event.balance_change();
                    assert!(balance >= 0, "balance went negative at {} v{}", e.stream_id(), e.version());
                }
            }

            let written = store.read_all(opening_head, &EventFilter::all(), usize::MAX).await.unwrap();
            let stored: HashSet<EventId> = written.iter().map(|e| e.metadata().event_id()).collect();
            assert_eq!(stored.len(), written.len(), "no event stored twice");
            assert_eq!(stored, acknowledged, "the store holds exactly the successful commands' events");
        });
    }
}

// --- write skew -------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Rota {
    WentOnCall,
    WentOffCall,
}

#[derive(Debug, PartialEq, thiserror::Error)]
#[error("someone must stay on call")]
struct LastOnCall;

/// A doctor leaves the rota only if the other doctor stays on call. The
/// command reads both streams but writes only its own.
#[derive(Command)]
#[command(event = Rota)]
struct GoOffCall {
    #[stream]
    me: StreamId,
    #[stream]
    colleague: StreamId,
}

impl CommandState for GoOffCall {
    type State = HashMap<StreamId, bool>;

    fn initial_state(&self) -> Self::State {
        HashMap::new()
    }

    fn apply(&self, state: &mut Self::State, event: &RecordedEvent<Rota>) {
        state.insert(
            event.stream_id().clone(),
            *event.payload() == Rota::WentOnCall,
        );
    }
}

impl CommandLogic for GoOffCall {
    type Error = LastOnCall;

    fn handle(
        &self,
        state: Self::State,
        streams: &mut Self::Streams<'_>,
    ) -> Result<(), LastOnCall> {
        require!(
            state.get(&self.colleague).copied().unwrap_or(false),
            LastOnCall
        );
        streams.me.emit(Rota::WentOffCall);
        Ok(())
    }
}

/// Holds every append until `parties` commands have read their streams, so
/// both decisions are made on the same snapshot: the classic write-skew race.
#[derive(Clone)]
struct LockstepStore {
    inner: MemoryStore,
    barrier: Arc<tokio::sync::Barrier>,
    first_round: Arc<AtomicUsize>,
}

impl EventStore for LockstepStore {
    async fn read_streams(
        &self,
        streams: &[StreamId],
    ) -> Result<StreamsRead, eventcore::StoreError> {
        self.inner.read_streams(streams).await
    }

    async fn append(&self, batch: AppendBatch) -> Result<AppendResult, eventcore::StoreError> {
        if self.first_round.fetch_add(1, Ordering::SeqCst) < 2 {
            self.barrier.wait().await;
        }
        self.inner.append(batch).await
    }

    async fn stream_version(
        &self,
        stream: &StreamId,
    ) -> Result<StreamVersion, eventcore::StoreError> {
        self.inner.stream_version(stream).await
    }

    async fn idempotency_record(
        &self,
        key: &eventcore::IdempotencyKey,
    ) -> Result<Option<eventcore::store::IdempotencyRecord>, eventcore::StoreError> {
        self.inner.idempotency_record(key).await
    }

    async fn purge_idempotency_records(&self) -> Result<u64, eventcore::StoreError> {
        self.inner.purge_idempotency_records().await
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, eventcore::StoreError> {
        self.inner.read_all(after, filter, limit).await
    }

    async fn head_position(&self) -> Result<GlobalPosition, eventcore::StoreError> {
        self.inner.head_position().await
    }

    fn subscribe(&self) -> EventNotifications {
        self.inner.subscribe()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_skew_is_impossible_because_read_only_streams_are_checked() {
    let inner = MemoryStore::new();
    let (alice, bob) = (
        StreamId::try_new("doctor-alice").unwrap(),
        StreamId::try_new("doctor-bob").unwrap(),
    );
    let setup = CommandExecutor::new(inner.clone());
    for doctor in [&alice, &bob] {
        setup
            .execute(GoOnCall { me: doctor.clone() })
            .await
            .unwrap();
    }
    let store = LockstepStore {
        inner: inner.clone(),
        barrier: Arc::new(tokio::sync::Barrier::new(2)),
        first_round: Arc::default(),
    };
    let executor = CommandExecutor::new(store);
    let (a, b) = tokio::join!(
        executor.execute(GoOffCall {
            me: alice.clone(),
            colleague: bob.clone()
        }),
        executor.execute(GoOffCall {
            me: bob.clone(),
            colleague: alice.clone()
        }),
    );
    let outcomes = [a.map(|done| done.attempts), b.map(|done| done.attempts)];
    let succeeded = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(
        succeeded, 1,
        "exactly one doctor may go off call: {outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Err(CommandError::Rejected(LastOnCall)))),
        "the other one is refused after retrying on the conflict: {outcomes:?}"
    );
    let read = inner.read_streams(&[alice, bob]).await.unwrap();
    let on_call = read
        .streams()
        .iter()
        .filter(|s| {
            s.events()
                .last()
                .is_some_and(|e| e.event_type() == "WentOnCall")
        })
        .count();
    assert_eq!(on_call, 1, "someone is still on call");
}

#[derive(Command)]
#[command(event = Rota)]
struct GoOnCall {
    #[stream]
    me: StreamId,
}

impl CommandState for GoOnCall {
    type State = ();

    fn initial_state(&self) {}

    fn apply(&self, (): &mut (), _: &RecordedEvent<Rota>) {}
}

impl CommandLogic for GoOnCall {
    type Error = std::convert::Infallible;

    fn handle(&self, (): (), streams: &mut Self::Streams<'_>) -> Result<(), Self::Error> {
        streams.me.emit(Rota::WentOnCall);
        Ok(())
    }
}
