use eventcore::{Event, Fold, RecordedEvent, Upcasters};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AccountId, Amount, Money, Owner};

/// Everything that can happen to an account.
///
/// The schema has evolved once: the first release stored the opening of an
/// account as `Opened { owner, initial_deposit }` (schema version 1). Today
/// it is `AccountOpened { owner, opening_balance }` at version 2, and
/// [`bank_upcasters`] reads the old events into it, so streams written by
/// the first release fold as they always did (see the golden history in
/// `tests/fixtures/`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
#[event(upcasters = bank_upcasters)]
pub enum BankEvent {
    /// The account was opened with an initial deposit.
    #[event(version = 2)]
    AccountOpened {
        /// Who owns it.
        owner: Owner,
        /// The opening balance.
        opening_balance: Money,
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

/// How events the first release wrote read today: `Opened` v1 becomes
/// `AccountOpened` v2, its `initial_deposit` becoming `opening_balance`;
/// `InterestAccrued`, which the first release recorded and today's domain
/// leaves to another service, is retired (skipped on purpose).
///
/// ```
/// use eventcore::{EventSerializer, EventMetadata, GlobalPosition, JsonSerializer};
/// use eventcore::{SerializedEvent, StreamId, StreamVersion, store::StoredEvent};
/// use eventcore_examples::banking::{BankEvent, Money, Owner};
///
/// let v1 = SerializedEvent::new("Opened", r#"{"owner":"Ada","initial_deposit":500}"#);
/// let stored = StoredEvent::new(
///     StreamId::try_new("account-ada")?,
///     StreamVersion::new(1),
///     GlobalPosition::new(1),
///     EventMetadata::new(),
///     v1,
/// );
/// let event: BankEvent = JsonSerializer.decode(&stored)?;
/// assert_eq!(
///     event,
///     BankEvent::AccountOpened {
///         owner: Owner::try_new("Ada")?,
///         opening_balance: Money::try_from_cents(500)?,
///     }
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn bank_upcasters() -> Upcasters {
    Upcasters::new()
        .upcast_renamed("Opened", 1, "AccountOpened", |mut data: Value| {
            let owner = data["owner"].take();
            let opening_balance = data["initial_deposit"].take();
            if owner.is_null() || opening_balance.is_null() {
                return Err(format!(
                    "an `Opened` v1 event needs `owner` and `initial_deposit`: {data}"
                )
                .into());
            }
            Ok(json!({ "owner": owner, "opening_balance": opening_balance }))
        })
        .retire("InterestAccrued")
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
            Self::AccountOpened {
                opening_balance, ..
            } => cents(*opening_balance),
            Self::Deposited { amount } | Self::TransferredIn { amount, .. } => {
                cents(amount.money())
            }
            Self::Withdrawn { amount } | Self::TransferredOut { amount, .. } => {
                -cents(amount.money())
            }
        }
    }
}

/// The version of the account fold ([`Account::apply`]), which names the
/// snapshots of accounts: bump it whenever that logic changes, and
/// snapshots folded by the old logic are passed over (the commands keep
/// accounts in snapshots with `snapshot_version = ACCOUNT_FOLD`).
///
/// A version by hand because the logic lives in `Account::apply`, which
/// the projections call too: `#[eventcore::fold]` fingerprints only the
/// tokens of the `impl Fold` block it is on.
pub const ACCOUNT_FOLD: u32 = 1;

/// One account's state, folded from its stream; kept in snapshots, so it
/// is serializable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
            BankEvent::AccountOpened {
                opening_balance, ..
            } => {
                self.open = true;
                self.balance = *opening_balance;
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
