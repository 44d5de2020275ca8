//! The banking domain: validated money and account ids, four commands and
//! an account-balance projection.
//!
//! ```
//! use eventcore::{CommandExecutor, SnapshotPolicy};
//! use eventcore_examples::banking::{self, AccountId, Amount, Deposit, Money, OpenAccount, Owner};
//! use eventcore_memory::MemoryStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new();
//! // Accounts are kept in snapshots, so a cold executor reads only the
//! // events after an account's latest snapshot.
//! let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::default());
//! let alice = AccountId::try_new("alice")?;
//!
//! executor
//!     .execute(OpenAccount {
//!         account: alice.clone(),
//!         owner: Owner::try_new("Alice")?,
//!         initial_deposit: Money::parse("10.00")?,
//!     })
//!     .await?;
//! executor.execute(Deposit { account: alice.clone(), amount: Amount::try_from_cents(250)? }).await?;
//!
//! assert_eq!(banking::balance(&store, &alice).await?.to_string(), "12.50");
//! # Ok(())
//! # }
//! ```

mod commands;
mod events;
mod pg_projection;
mod projection;
mod sqlite_projection;
mod types;

pub use commands::{BankError, Deposit, OpenAccount, TransferMoney, Withdraw};
pub use events::{ACCOUNT_FOLD, Account, BankEvent, bank_upcasters};
pub use pg_projection::PgBalanceTable;
pub use projection::BalanceProjection;
pub use sqlite_projection::SqliteBalanceTable;
pub use types::{AccountId, Amount, Money, Owner};

use eventcore::{EventSerializer, JsonSerializer, StoreError, store::EventStore};

/// An account's current balance, read by folding its stream.
pub async fn balance<S: EventStore>(store: &S, account: &AccountId) -> Result<Money, StoreError> {
    Ok(account_state(store, account).await?.balance)
}

/// An account's current state, read by folding its stream.
pub async fn account_state<S: EventStore>(
    store: &S,
    account: &AccountId,
) -> Result<Account, StoreError> {
    let read = store
        .read_streams(std::slice::from_ref(account.stream_id()))
        .await?;
    let mut state = Account::default();
    for stream in read.streams() {
        for stored in stream.events() {
            match JsonSerializer.decode::<BankEvent>(stored) {
                Ok(event) => state.apply(&event),
                // Retired types (see `bank_upcasters`) are skipped on purpose.
                Err(e) if e.is_retired() => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(state)
}
