use eventcore::{Event, Fold, RecordedEvent};
use serde::{Deserialize, Serialize};

use super::{AccountId, Amount, Money, Owner};

/// Everything that can happen to an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum BankEvent {
    /// The account was opened with an initial deposit.
    Opened {
        /// Who owns it.
        owner: Owner,
        /// The opening balance.
        initial_deposit: Money,
    },
    /// Money was paid in.
    Deposited {
        /// How much.
        amount: Amount,
    },
    /// Money was paid out.
    Withdrawn {
        /// How much.
        amount: Amount,
    },
    /// Money left for another account.
    TransferredOut {
        /// The receiving account.
        to: AccountId,
        /// How much.
        amount: Amount,
    },
    /// Money arrived from another account.
    TransferredIn {
        /// The sending account.
        from: AccountId,
        /// How much.
        amount: Amount,
    },
}

impl BankEvent {
    /// The signed change this event makes to its account's balance, in
    /// cents: positive for money in, negative for money out.
    ///
    /// Unlike [`Account::apply`], which saturates at zero, summing these
    /// shows a balance that went below zero, which is what an audit of a
    /// stream needs.
    ///
    /// ```
    /// use eventcore_examples::banking::{Amount, BankEvent};
    ///
    /// let amount = Amount::try_from_cents(250)?;
    /// assert_eq!(BankEvent::Deposited { amount }.balance_change(), 250);
    /// assert_eq!(BankEvent::Withdrawn { amount }.balance_change(), -250);
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    #[must_use]
    pub fn balance_change(&self) -> i64 {
        // Money is at most `Money::MAX_CENTS` (10^14), far inside i64.
        let cents = |m: Money| i64::try_from(m.cents()).unwrap_or(i64::MAX);
        match self {
            Self::Opened {
                initial_deposit, ..
            } => cents(*initial_deposit),
            Self::Deposited { amount } | Self::TransferredIn { amount, .. } => {
                cents(amount.money())
            }
            Self::Withdrawn { amount } | Self::TransferredOut { amount, .. } => {
                -cents(amount.money())
            }
        }
    }
}

/// One account's state, folded from its stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Whether the account has been opened.
    pub open: bool,
    /// The current balance.
    pub balance: Money,
}

impl Account {
    /// Applies one event to this account.
    ///
    /// Balances are re-validated by the commands before anything is written,
    /// so saturating here only matters for hand-edited streams.
    pub fn apply(&mut self, event: &BankEvent) {
        match event {
            BankEvent::Opened {
                initial_deposit, ..
            } => {
                self.open = true;
                self.balance = *initial_deposit;
            }
            BankEvent::Deposited { amount } | BankEvent::TransferredIn { amount, .. } => {
                self.balance = self
                    .balance
                    .checked_add(amount.money())
                    .unwrap_or(self.balance);
            }
            BankEvent::Withdrawn { amount } | BankEvent::TransferredOut { amount, .. } => {
                self.balance = self
                    .balance
                    .checked_sub(amount.money())
                    .unwrap_or(Money::ZERO);
            }
        }
    }
}

impl Fold<BankEvent> for Account {
    fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
        self.apply(event.payload());
    }
}
