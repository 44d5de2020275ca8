use eventcore::{Command, CommandLogic, ValidationError, emit, require};

use super::{ACCOUNT_FOLD, Account, AccountId, Amount, BankEvent, Money, Owner};

/// Why the bank refused a command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// The account is already open.
    #[error("account {0} already exists")]
    AccountExists(AccountId),
    /// The account has not been opened.
    #[error("account {0} does not exist")]
    AccountNotFound(AccountId),
    /// Paying out would take the balance below zero.
    #[error("account {account} holds {balance}, less than the {requested} requested")]
    InsufficientFunds {
        /// The account.
        account: AccountId,
        /// Its balance.
        balance: Money,
        /// The amount asked for.
        requested: Amount,
    },
    /// Paying in would take the balance past [`Money::MAX_CENTS`].
    #[error("account {0} cannot hold that much")]
    BalanceOverflow(AccountId),
}

/// The rules the money-moving commands share; `account` is the state of
/// the stream `id`.
fn ensure_open(account: &Account, id: &AccountId) -> Result<(), BankError> {
    require!(account.open, BankError::AccountNotFound(id.clone()));
    Ok(())
}

fn ensure_holds(account: &Account, id: &AccountId, amount: Amount) -> Result<(), BankError> {
    require!(
        account.balance >= amount.money(),
        BankError::InsufficientFunds {
            account: id.clone(),
            balance: account.balance,
            requested: amount,
        }
    );
    Ok(())
}

fn ensure_room_for(account: &Account, id: &AccountId, amount: Amount) -> Result<(), BankError> {
    require!(
        account.balance.checked_add(amount.money()).is_some(),
        BankError::BalanceOverflow(id.clone())
    );
    Ok(())
}

/// Opens an account with an initial deposit.
#[derive(Clone, Debug, Command)]
#[command(event = BankEvent)]
pub struct OpenAccount {
    /// The new account.
    #[stream(state = Account, snapshot_version = ACCOUNT_FOLD)]
    pub account: AccountId,
    /// Its owner.
    pub owner: Owner,
    /// The opening balance (may be zero).
    pub initial_deposit: Money,
}

impl CommandLogic for OpenAccount {
    type Error = BankError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), BankError> {
        require!(
            !state.account.open,
            BankError::AccountExists(self.account.clone())
        );
        emit!(
            streams.account,
            BankEvent::AccountOpened {
                owner: self.owner.clone(),
                opening_balance: self.initial_deposit
            }
        );
        Ok(())
    }
}

/// Pays money into an account.
#[derive(Clone, Debug, Command)]
#[command(event = BankEvent)]
pub struct Deposit {
    /// The account.
    #[stream(state = Account, snapshot_version = ACCOUNT_FOLD)]
    pub account: AccountId,
    /// How much.
    pub amount: Amount,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), BankError> {
        ensure_open(&state.account, &self.account)?;
        ensure_room_for(&state.account, &self.account, self.amount)?;
        streams.account.emit(BankEvent::Deposited {
            amount: self.amount,
        });
        Ok(())
    }
}

/// Pays money out of an account.
#[derive(Clone, Debug, Command)]
#[command(event = BankEvent)]
pub struct Withdraw {
    /// The account.
    #[stream(state = Account, snapshot_version = ACCOUNT_FOLD)]
    pub account: AccountId,
    /// How much.
    pub amount: Amount,
}

impl CommandLogic for Withdraw {
    type Error = BankError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), BankError> {
        ensure_open(&state.account, &self.account)?;
        ensure_holds(&state.account, &self.account, self.amount)?;
        streams.account.emit(BankEvent::Withdrawn {
            amount: self.amount,
        });
        Ok(())
    }
}

/// Moves money between two accounts in one atomic write to both streams.
#[derive(Clone, Debug, Command)]
#[command(event = BankEvent)]
pub struct TransferMoney {
    /// The paying account.
    #[stream(state = Account, snapshot_version = ACCOUNT_FOLD)]
    from: AccountId,
    /// The receiving account.
    #[stream(state = Account, snapshot_version = ACCOUNT_FOLD)]
    to: AccountId,
    /// How much.
    amount: Amount,
}

impl TransferMoney {
    /// A transfer; refuses to move money from an account to itself.
    pub fn new(from: AccountId, to: AccountId, amount: Amount) -> Result<Self, ValidationError> {
        if from == to {
            return Err(ValidationError::invalid(
                "TransferMoney",
                format!("{from} -> {to}"),
                "the source and destination accounts must differ",
            ));
        }
        Ok(Self { from, to, amount })
    }

    /// The paying account.
    #[must_use]
    pub const fn from(&self) -> &AccountId {
        &self.from
    }

    /// The receiving account.
    #[must_use]
    pub const fn to(&self) -> &AccountId {
        &self.to
    }

    /// The amount.
    #[must_use]
    pub const fn amount(&self) -> Amount {
        self.amount
    }
}

impl CommandLogic for TransferMoney {
    type Error = BankError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), BankError> {
        ensure_open(&state.from, &self.from)?;
        ensure_open(&state.to, &self.to)?;
        ensure_holds(&state.from, &self.from, self.amount)?;
        ensure_room_for(&state.to, &self.to, self.amount)?;
        emit!(
            streams.from,
            BankEvent::TransferredOut {
                to: self.to.clone(),
                amount: self.amount
            }
        );
        emit!(
            streams.to,
            BankEvent::TransferredIn {
                from: self.from.clone(),
                amount: self.amount
            }
        );
        Ok(())
    }
}
