//! The consistency boundary: every stream read takes part in the
//! optimistic concurrency check, read-only ones included, and conflicts are
//! retried under the `RetryPolicy`.

#![cfg(test)]

mod executor_common;

use eventcore::store::EventStore;

use std::time::Duration;

use eventcore::store::ExpectedVersion;
use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, RetryPolicy, StoreError, StreamId,
    StreamVersion, execute,
};
use eventcore_testing::chaos::ConflictingStore;
use executor_common::{
    Account, AccountId, BankError, BankEvent, Deposit, ProbeStore, TransferMoney,
};

/// Withdraws only if the branch-wide limit, read but never written, allows.
#[derive(Command)]
#[command(event = BankEvent)]
struct WithdrawWithinLimit {
    #[stream(state = Account)]
    account: AccountId,
    #[stream(state = Account)]
    limit: StreamId,
    amount: u64,
}

impl CommandLogic for WithdrawWithinLimit {
    type Error = BankError;

    fn handle(
        &self,
        state: WithdrawWithinLimitState,
        streams: &mut WithdrawWithinLimitStreams<'_>,
    ) -> Result<(), BankError> {
        eventcore::require!(
            state.limit.balance >= self.amount,
            BankError::InsufficientFunds {
                balance: state.limit.balance,
                requested: self.amount
            }
        );
        streams.account.emit(BankEvent::Withdrawn { amount: 0 });
        Ok(())
    }
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(attempts)
        .base_delay(Duration::ZERO)
}

fn limit_stream() -> StreamId {
    StreamId::try_new("limit-branch-1").unwrap()
}

#[tokio::test]
async fn read_only_streams_join_the_append_with_their_read_version() {
    let store = ProbeStore::new();
    execute(
        &store,
        Deposit {
            account: AccountId::new("a"),
            amount: 5,
        },
    )
    .await
    .unwrap();
    let account = AccountId::new("a");
    let command = WithdrawWithinLimit {
        account: account.clone(),
        limit: limit_stream(),
        amount: 0,
    };

    execute(&store, command).await.unwrap();

    let batch = store.batches().pop().unwrap();
    let writes = batch.writes();
    assert_eq!(writes.len(), 2);
    assert_eq!(writes[0].stream_id(), &StreamId::from(account));
    assert_eq!(
        writes[0].expected(),
        ExpectedVersion::Exact(StreamVersion::new(1))
    );
    assert_eq!(writes[0].events().len(), 1);
    assert_eq!(writes[1].stream_id(), &limit_stream());
    assert_eq!(
        writes[1].expected(),
        ExpectedVersion::Exact(StreamVersion::INITIAL)
    );
    assert!(
        writes[1].events().is_empty(),
        "the read-only stream is check-only"
    );
}

#[tokio::test]
async fn a_concurrent_write_to_a_read_only_stream_is_a_conflict() {
    let store = ProbeStore::new();
    store.interfere_on(limit_stream(), 1);
    let executor = CommandExecutor::new(store.clone()).retry_policy(RetryPolicy::no_retry());

    let err = executor
        .execute(WithdrawWithinLimit {
            account: AccountId::new("a"),
            limit: limit_stream(),
            amount: 0,
        })
        .await
        .unwrap_err();

    match err {
        CommandError::RetriesExhausted {
            attempts: 1,
            last:
                StoreError::VersionConflict {
                    stream,
                    expected,
                    actual,
                },
        } => {
            assert_eq!(stream, limit_stream());
            assert_eq!((expected.value(), actual.value()), (0, 1));
        }
        other => panic!("expected a conflict on the read-only stream, got {other:?}"),
    }
    // Atomic: the write to the account did not happen.
    assert_eq!(
        store
            .inner
            .stream_version(&AccountId::new("a").into())
            .await
            .unwrap(),
        StreamVersion::INITIAL
    );
}

#[tokio::test]
async fn conflicts_are_retried_with_fresh_state_until_they_succeed() {
    let store = ProbeStore::new();
    let alice = AccountId::new("alice");
    execute(
        &store,
        Deposit {
            account: alice.clone(),
            amount: 100,
        },
    )
    .await
    .unwrap();
    // Each interference deposits 0 into alice's stream, bumping its version.
    store.interfere_on(alice.clone(), 2);
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(3));

    let done = executor
        .execute(TransferMoney {
            from: alice.clone(),
            to: AccountId::new("bob"),
            amount: 40,
        })
        .await
        .unwrap();

    assert_eq!(done.attempts, 3);
    // Read again after two foreign events: version 1 + 2 interferences.
    assert_eq!(done.events[0].version(), StreamVersion::new(4));
    let expected: Vec<ExpectedVersion> = store
        .batches()
        .iter()
        .skip(1)
        .map(|b| b.writes()[0].expected())
        .collect();
    assert_eq!(
        expected,
        [1, 2, 3].map(|v| ExpectedVersion::Exact(StreamVersion::new(v))),
        "each attempt re-reads the stream"
    );
}

#[tokio::test]
async fn persistent_conflicts_exhaust_the_retry_policy() {
    let store = ProbeStore::new();
    let alice = AccountId::new("alice");
    store.interfere_on(alice.clone(), u32::MAX);
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(4));

    let err = executor
        .execute(Deposit {
            account: alice,
            amount: 1,
        })
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            CommandError::RetriesExhausted {
                attempts: 4,
                last: StoreError::VersionConflict { .. }
            }
        ),
        "{err:?}"
    );
    assert_eq!(store.batches().len(), 4);
}

#[tokio::test]
async fn failures_other_than_conflicts_are_not_retried() {
    let store = ProbeStore::new();
    store.fail_appends();
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(5));

    let err = executor
        .execute(Deposit {
            account: AccountId::new("a"),
            amount: 1,
        })
        .await
        .unwrap_err();

    assert!(
        matches!(err, CommandError::Store(StoreError::Unavailable { .. })),
        "{err:?}"
    );
    assert_eq!(store.batches().len(), 1);
}

#[tokio::test]
async fn business_rejections_are_not_retried() {
    let store = ProbeStore::new();
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(5));

    let err = executor
        .execute(TransferMoney {
            from: AccountId::new("a"),
            to: AccountId::new("b"),
            amount: 1,
        })
        .await
        .unwrap_err();

    assert!(matches!(
        err,
        CommandError::Rejected(BankError::InsufficientFunds { .. })
    ));
    assert!(store.batches().is_empty());
}

#[tokio::test]
async fn concurrent_transfers_conserve_money() {
    let store = eventcore_memory::MemoryStore::new();
    let accounts: Vec<AccountId> = (0..4).map(|i| AccountId::new(&i.to_string())).collect();
    for account in &accounts {
        execute(
            &store,
            Deposit {
                account: account.clone(),
                amount: 100,
            },
        )
        .await
        .unwrap();
    }
    let executor = std::sync::Arc::new(
        CommandExecutor::new(store.clone()).retry_policy(
            RetryPolicy::new()
                .with_max_attempts(50)
                .base_delay(Duration::from_micros(50)),
        ),
    );
    let mut tasks = Vec::new();
    for i in 0..40_usize {
        let executor = std::sync::Arc::clone(&executor);
        let from = accounts[i % 4].clone();
        let to = accounts[(i + 1) % 4].clone();
        tasks.push(tokio::spawn(async move {
            executor
                .execute(TransferMoney {
                    from,
                    to,
                    amount: 7,
                })
                .await
        }));
    }
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) | Err(CommandError::Rejected(_)) => {}
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    let read = store
        .read_streams(
            &accounts
                .iter()
                .cloned()
                .map(StreamId::from)
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let mut total = 0_i128;
    for stream in read.streams() {
        for event in stream.events() {
            let event: BankEvent =
                eventcore::EventSerializer::decode(&eventcore::JsonSerializer, event).unwrap();
            match event {
                BankEvent::Deposited { amount } => total += i128::from(amount),
                BankEvent::Withdrawn { amount } => total -= i128::from(amount),
                BankEvent::Opened { .. } => {}
            }
        }
    }
    assert_eq!(total, 400);
}

/// Issue 10: every append that can conflict counts against the retry
/// policy, the speculative ones a warm stream cache makes included.
#[tokio::test]
async fn a_warm_cache_does_not_stretch_the_attempt_limit() {
    let store = ConflictingStore::new(eventcore_memory::MemoryStore::new(), u64::MAX);
    let alice = AccountId::new("alice");
    execute(
        store.inner(),
        Deposit {
            account: alice.clone(),
            amount: 1,
        },
    )
    .await
    .unwrap();
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(5));
    let deposit = || Deposit {
        account: alice.clone(),
        amount: 1,
    };

    // The first execution reads alice into the cache; the second starts on a
    // warm cache and so may try a speculative append first.
    for run in ["cold cache", "warm cache"] {
        let before = store.remaining();
        let err = executor.execute(deposit()).await.unwrap_err();
        assert!(
            matches!(
                err,
                CommandError::RetriesExhausted {
                    attempts: 5,
                    last: StoreError::VersionConflict { .. }
                }
            ),
            "{run}: {err:?}"
        );
        assert_eq!(before - store.remaining(), 5, "{run}: appends tried");
    }
}

/// Under real contention, through one executor whose cache keeps up with
/// its own writes, no execution reports more attempts than the policy allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contended_executions_never_exceed_the_attempt_limit() {
    const MAX: u32 = 3;
    let store = eventcore_memory::MemoryStore::new();
    let alice = AccountId::new("alice");
    let executor =
        std::sync::Arc::new(CommandExecutor::new(store.clone()).retry_policy(fast_retries(MAX)));
    executor
        .execute(Deposit {
            account: alice.clone(),
            amount: 1,
        })
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let executor = std::sync::Arc::clone(&executor);
        let account = alice.clone();
        tasks.push(tokio::spawn(async move {
            executor.execute(Deposit { account, amount: 1 }).await
        }));
    }
    for task in tasks {
        match task.await.unwrap() {
            Ok(done) => assert!(done.attempts <= MAX, "{} attempts", done.attempts),
            Err(CommandError::RetriesExhausted { attempts, .. }) => assert_eq!(attempts, MAX),
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
}
