use std::{collections::BTreeMap, convert::Infallible, sync::Arc};

use eventcore::{RecordedEvent, projection::Projection, store::EventFilter};
use parking_lot::RwLock;

use super::{Account, AccountId, BankEvent, Money};

/// The balance of every account, kept up to date from the event log.
///
/// Clones share the same read model, so one clone can run inside a
/// [`ProjectionRunner`](eventcore::projection::ProjectionRunner) while another
/// answers queries.
#[derive(Clone, Debug)]
pub struct BalanceProjection {
    accounts: Arc<RwLock<BTreeMap<String, Account>>>,
    name: Arc<str>,
}

impl Default for BalanceProjection {
    fn default() -> Self {
        Self::named(Self::NAME)
    }
}

impl BalanceProjection {
    /// The projection's name, which keys its checkpoint and lease.
    pub const NAME: &'static str = "account-balances";

    /// An empty read model called [`BalanceProjection::NAME`].
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty read model under another name.
    ///
    /// The name keys the checkpoint and the lease, so a projection with a
    /// name of its own starts from position 0 and runs beside any other
    /// instance, for example to rebuild a second read model while the
    /// first keeps serving.
    ///
    /// ```
    /// use eventcore::projection::Projection;
    /// use eventcore_examples::banking::BalanceProjection;
    ///
    /// let rebuild = BalanceProjection::named("account-balances-rebuild");
    /// assert_eq!(rebuild.name(), "account-balances-rebuild");
    /// assert_eq!(BalanceProjection::new().name(), BalanceProjection::NAME);
    /// ```
    #[must_use]
    pub fn named(name: impl Into<Arc<str>>) -> Self {
        Self {
            accounts: Arc::default(),
            name: name.into(),
        }
    }

    /// One account's balance, if the account is known.
    #[must_use]
    pub fn balance(&self, account: &AccountId) -> Option<Money> {
        self.accounts
            .read()
            .get(account.as_str())
            .map(|a| a.balance)
    }

    /// Every known account with its balance, sorted by account number.
    #[must_use]
    pub fn balances(&self) -> Vec<(String, Money)> {
        self.accounts
            .read()
            .iter()
            .map(|(id, a)| (id.clone(), a.balance))
            .collect()
    }
}

impl Projection for BalanceProjection {
    type Event = BankEvent;
    type Error = Infallible;

    fn name(&self) -> &str {
        &self.name
    }

    fn filter(&self) -> EventFilter {
        EventFilter::all().with_stream_prefix(AccountId::STREAM_PREFIX)
    }

    async fn apply(&mut self, events: &[RecordedEvent<BankEvent>]) -> Result<(), Infallible> {
        let mut accounts = self.accounts.write();
        for event in events {
            let stream = event.stream_id().as_str();
            let number = stream
                .strip_prefix(AccountId::STREAM_PREFIX)
                .unwrap_or(stream);
            accounts
                .entry(number.to_owned())
                .or_default()
                .apply(event.payload());
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Infallible> {
        self.accounts.write().clear();
        Ok(())
    }
}
