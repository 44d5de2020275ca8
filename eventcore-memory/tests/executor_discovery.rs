//! Dynamic stream discovery, the stream limit, folding order, and commands
//! that emit nothing.

#![cfg(test)]

mod bank;

use bank::{account, cents, deposit, money, open, rival_deposit};
use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, CommandState, GlobalPosition,
    RecordedEvent, RetryPolicy, StoreError, StreamId, StreamResolver, StreamVersion, execute,
    store::EventStore,
};
use eventcore_examples::banking::{AccountId, BankError, BankEvent, Owner};
use eventcore_memory::MemoryStore;
use eventcore_testing::chaos::{ContendedStore, RecordingStore};

/// Pays one cent into the account of every owner registered in the
/// branch's `Opened` events: the accounts are discovered from state.
#[derive(Command)]
#[command(event = BankEvent, resolver)]
struct PayDividend {
    #[stream]
    branch: StreamId,
}

impl CommandState for PayDividend {
    type State = Vec<StreamId>;

    fn initial_state(&self) -> Vec<StreamId> {
        Vec::new()
    }

    fn apply(&self, accounts: &mut Vec<StreamId>, event: &RecordedEvent<BankEvent>) {
        // The discovered accounts are folded too, and an opened account's
        // stream starts with its own `Opened`: only the branch's register.
        if event.stream_id() != &self.branch {
            return;
        }
        if let BankEvent::AccountOpened { owner, .. } = event.payload() {
            accounts.push(account(owner.as_str()).into());
        }
    }
}

impl StreamResolver for PayDividend {
    fn resolve(&self, accounts: &Vec<StreamId>) -> Vec<StreamId> {
        accounts.clone()
    }
}

impl CommandLogic for PayDividend {
    type Error = BankError;

    fn handle(
        &self,
        _: Vec<StreamId>,
        streams: &mut PayDividendStreams<'_>,
    ) -> Result<(), BankError> {
        for account in &mut streams.discovered {
            account.emit(BankEvent::Deposited { amount: cents(1) });
        }
        Ok(())
    }
}

fn branch() -> StreamId {
    StreamId::try_new("branch-1").unwrap()
}

/// Registers `owners` with the branch: one `Opened` event each, on the
/// branch's stream, naming the owner whose account shares the name.
#[derive(Command)]
#[command(event = BankEvent)]
struct Register {
    #[stream]
    branch: StreamId,
    owners: Vec<Owner>,
}

impl CommandState for Register {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<BankEvent>) {}
}

impl CommandLogic for Register {
    type Error = BankError;

    fn handle(&self, (): (), streams: &mut RegisterStreams<'_>) -> Result<(), BankError> {
        for owner in &self.owners {
            streams.branch.emit(BankEvent::AccountOpened {
                owner: owner.clone(),
                opening_balance: money(0),
            });
        }
        Ok(())
    }
}

async fn register(store: &impl EventStore, owners: &[&str]) {
    let owners = owners
        .iter()
        .map(|o| Owner::try_new(*o).expect("a valid owner"))
        .collect();
    execute(
        store,
        Register {
            branch: branch(),
            owners,
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn discovered_streams_are_read_and_writable_through_handles() {
    let store = RecordingStore::new(MemoryStore::new());
    register(&store, &["x", "y"]).await;
    execute(&store, open(&account("x"), 10)).await.unwrap();

    let done = execute(&store, PayDividend { branch: branch() })
        .await
        .unwrap();

    let written: Vec<(String, u64)> = done
        .events
        .iter()
        .map(|e| (e.stream_id().to_string(), e.version().value()))
        .collect();
    assert_eq!(
        written,
        [("account-x".to_owned(), 2), ("account-y".to_owned(), 1)]
    );
    // The branch (declared, read-only) and both discovered accounts are checked.
    let batch = store.appends().pop().unwrap();
    let ids: Vec<&str> = batch
        .writes()
        .iter()
        .map(|w| w.stream_id().as_str())
        .collect();
    assert_eq!(ids, ["branch-1", "account-x", "account-y"]);
}

#[tokio::test]
async fn discovered_streams_take_part_in_the_concurrency_check() {
    let memory = MemoryStore::new();
    register(&memory, &["x"]).await;
    let store = ContendedStore::new(memory, rival_deposit(&account("x"), 1), 1);

    let err = CommandExecutor::new(store)
        .retry_policy(RetryPolicy::no_retry())
        .execute(PayDividend { branch: branch() })
        .await
        .unwrap_err();

    assert!(
        matches!(&err, CommandError::RetriesExhausted { last: StoreError::VersionConflict { stream, .. }, .. } if stream.as_str() == "account-x"),
        "{err:?}"
    );
}

#[tokio::test]
async fn discovery_beyond_the_stream_limit_fails_clearly() {
    let store = RecordingStore::new(MemoryStore::new());
    register(&store, &["a", "b", "c"]).await;

    let err = CommandExecutor::new(store.clone())
        .max_streams(3)
        .execute(PayDividend { branch: branch() })
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            CommandError::StreamLimitExceeded {
                limit: 3,
                requested: 4
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("limit of 3"), "{err}");
    assert_eq!(
        store.appends().len(),
        1,
        "only the registration was appended"
    );
}

/// Records the global position of every event it folds, across streams.
#[derive(Command)]
#[command(event = BankEvent)]
struct Replay {
    #[stream]
    accounts: Vec<AccountId>,
}

impl CommandState for Replay {
    type State = Vec<(GlobalPosition, StreamId)>;

    fn initial_state(&self) -> Self::State {
        Vec::new()
    }

    fn apply(&self, seen: &mut Self::State, event: &RecordedEvent<BankEvent>) {
        seen.push((event.position(), event.stream_id().clone()));
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0:?}")]
struct Seen(Vec<(GlobalPosition, StreamId)>);

impl CommandLogic for Replay {
    type Error = Seen;

    fn handle(&self, seen: Self::State, _: &mut ReplayStreams<'_>) -> Result<(), Seen> {
        Err(Seen(seen))
    }
}

#[tokio::test]
async fn events_fold_in_global_position_order_across_streams() {
    let store = MemoryStore::new();
    let (a, b) = (account("a"), account("b"));
    execute(&store, open(&b, 0)).await.unwrap();
    execute(&store, open(&a, 0)).await.unwrap();
    execute(&store, deposit(&b, 1)).await.unwrap();
    execute(&store, deposit(&a, 1)).await.unwrap();

    // Declared in the order a, b, but folded in the order written.
    let Err(CommandError::Rejected(Seen(seen))) = execute(
        &store,
        Replay {
            accounts: vec![a.clone(), b.clone()],
        },
    )
    .await
    else {
        panic!("Replay always rejects with what it saw");
    };

    let streams: Vec<&str> = seen.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        streams,
        ["account-b", "account-a", "account-b", "account-a"]
    );
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
}

/// Emits nothing.
#[derive(Command)]
#[command(event = BankEvent)]
struct Inspect {
    #[stream]
    account: AccountId,
}

impl CommandState for Inspect {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<BankEvent>) {}
}

impl CommandLogic for Inspect {
    type Error = BankError;

    fn handle(&self, (): (), _: &mut InspectStreams<'_>) -> Result<(), BankError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_command_that_emits_nothing_appends_nothing() {
    let store = RecordingStore::new(MemoryStore::new());
    let done = execute(
        &store,
        Inspect {
            account: account("a"),
        },
    )
    .await
    .unwrap();
    assert!(done.events.is_empty());
    assert_eq!(done.attempts, 1);
    assert!(store.appends().is_empty());
    assert_eq!(
        store
            .inner()
            .stream_version(&account("a").into())
            .await
            .unwrap(),
        StreamVersion::INITIAL
    );
}
