//! A small banking domain shared by the trybuild cases in `tests/ui` and
//! `tests/pass`, so that each case shows only what it is about.

use eventcore::{Event, Fold, RecordedEvent, StreamId};
use serde::{Deserialize, Serialize};

/// Events of a bank account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum BankEvent {
    /// Money came in.
    Deposited {
        /// How much.
        amount: u64,
    },
    /// Money went out.
    Withdrawn {
        /// How much.
        amount: u64,
    },
}

/// Events of another domain, for the wrong-event-type cases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum ShopEvent {
    /// An item was added to a cart.
    ItemAdded {
        /// The product.
        product: String,
    },
}

/// Business failures of the bank.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// The account holds less than requested.
    #[error("insufficient funds")]
    InsufficientFunds,
}

/// A bank account's id: a newtype that converts into a [`StreamId`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub StreamId);

impl From<AccountId> for StreamId {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

/// The balance of one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// The balance.
    pub balance: u64,
}

impl Fold<BankEvent> for Account {
    fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
        match event.payload() {
            BankEvent::Deposited { amount } => self.balance += amount,
            BankEvent::Withdrawn { amount } => self.balance = self.balance.saturating_sub(*amount),
        }
    }
}

/// A type that is not a stream id and does not fold anything.
#[derive(Clone, Debug, Default)]
pub struct NotAStreamId(pub u32);
