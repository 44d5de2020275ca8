//! A small banking domain shared by the executor tests.

use eventcore::{Command, CommandLogic, Event, Fold, RecordedEvent, StreamId, emit, require};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum BankEvent {
    Opened { owner: String },
    Deposited { amount: u64 },
    Withdrawn { amount: u64 },
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    #[error("insufficient funds: balance {balance}, requested {requested}")]
    InsufficientFunds { balance: u64, requested: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(StreamId);

impl AccountId {
    pub fn new(name: &str) -> Self {
        Self(StreamId::with_prefix("account", name).expect("valid id"))
    }
}

impl From<AccountId> for StreamId {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

#[derive(Default, Debug)]
pub struct Account {
    pub opened: bool,
    pub balance: u64,
    pub events: usize,
}

impl Fold<BankEvent> for Account {
    fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
        self.events += 1;
        match event.payload() {
            BankEvent::Opened { .. } => self.opened = true,
            BankEvent::Deposited { amount } => self.balance += amount,
            BankEvent::Withdrawn { amount } => self.balance -= amount,
        }
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
pub struct Deposit {
    #[stream(state = Account)]
    pub account: AccountId,
    pub amount: u64,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(
        &self,
        _state: DepositState,
        streams: &mut DepositStreams<'_>,
    ) -> Result<(), BankError> {
        emit!(
            streams.account,
            BankEvent::Deposited {
                amount: self.amount
            }
        );
        Ok(())
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
pub struct TransferMoney {
    #[stream(state = Account)]
    pub from: AccountId,
    #[stream(state = Account)]
    pub to: AccountId,
    pub amount: u64,
}

impl CommandLogic for TransferMoney {
    type Error = BankError;

    fn handle(
        &self,
        state: TransferMoneyState,
        streams: &mut TransferMoneyStreams<'_>,
    ) -> Result<(), BankError> {
        require!(
            state.from.balance >= self.amount,
            BankError::InsufficientFunds {
                balance: state.from.balance,
                requested: self.amount
            }
        );
        streams.from.emit(BankEvent::Withdrawn {
            amount: self.amount,
        });
        streams.to.emit(BankEvent::Deposited {
            amount: self.amount,
        });
        Ok(())
    }
}
