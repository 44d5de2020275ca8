use eventcore::{Command, CommandLogic, ValidationError, emit, require};

use super::{Account, AccountId, Amount, BankEvent, Money, Owner};

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

/// Opens an account with an initial deposit.
#[derive(Clone, Debug, Command)]
#[command(event = BankEvent)]
pub struct OpenAccount {
    /// The new account.
    #[stream(state = Account)]
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
            BankEvent::Opened {
                owner: self.owner.clone(),
                initial_deposit: self.initial_deposit
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
    #[stream(state = Account)]
    pub account: AccountId,
    /// How much.
    pub amount: Amount,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), BankError> {
        let account = &self.account;
        require!(
            state.account.open,
            BankError::AccountNotFound(account.clone())
        );
        require!(
            state
                .account
                .balance
                .checked_add(self.amount.money())
                .is_some(),
            BankError::BalanceOverflow(account.clone())
        );
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
    #[stream(state = Account)]
    pub account: AccountId,
    /// How much.
    pub amount: Amount,
}

impl CommandLogic for Withdraw {
    type Error = BankError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), BankError> {
        let account = &self.account;
        require!(
            state.account.open,
            BankError::AccountNotFound(account.clone())
        );
        require!(
            state.account.balance >= self.amount.money(),
            BankError::InsufficientFunds {
                account: account.clone(),
                balance: state.account.balance,
                requested: self.amount,
            }
        );
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
    #[stream(state = Account)]
    from: AccountId,
    /// The receiving account.
    #[stream(state = Account)]
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
        require!(
            state.from.open,
            BankError::AccountNotFound(self.from.clone())
        );
        require!(state.to.open, BankError::AccountNotFound(self.to.clone()));
        require!(
            state.from.balance >= self.amount.money(),
            BankError::InsufficientFunds {
                account: self.from.clone(),
                balance: state.from.balance,
                requested: self.amount,
            }
        );
        require!(
            state.to.balance.checked_add(self.amount.money()).is_some(),
            BankError::BalanceOverflow(self.to.clone())
        );
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
