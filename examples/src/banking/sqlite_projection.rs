use std::collections::BTreeMap;

use eventcore::{RecordedEvent, StoreError, store::EventFilter};
use eventcore_sqlite::{SqliteProjection, SqliteStore, sqlx};

use super::{AccountId, BankEvent, Money};

/// The balance of every account as a table in the store's SQLite file,
/// updated in the same transaction as the projection's checkpoint
/// (exactly-once): the SQLite counterpart of
/// [`PgBalanceTable`](super::PgBalanceTable).
///
/// Run it with [`Transactional`](eventcore_sqlite::Transactional):
///
/// ```
/// use eventcore::projection::{ProjectionRunner, RunnerConfig};
/// use eventcore_examples::banking::SqliteBalanceTable;
/// use eventcore_sqlite::{SqliteStore, Transactional};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqliteStore::temporary().await?;
/// let table = SqliteBalanceTable::create(&store).await?;
/// let runner = ProjectionRunner::with_checkpointed(
///     store.clone(),
///     Transactional::new(store.clone(), table.clone()),
///     RunnerConfig::default(),
/// );
/// let handle = runner.start();
/// # handle.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SqliteBalanceTable {
    readers: sqlx::SqlitePool,
}

impl SqliteBalanceTable {
    /// The projection's name, which keys its checkpoint and lease.
    pub const NAME: &'static str = "account-balances-table";

    /// Creates the `account_balances` table in the store's file if needed.
    pub async fn create(store: &SqliteStore) -> Result<Self, StoreError> {
        let mut tx = store.begin().await?;
        let created = sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS account_balances \
             (account TEXT PRIMARY KEY, balance INTEGER NOT NULL)",
        )
        .execute(&mut *tx)
        .await;
        if let Err(source) = created {
            drop(tx.rollback().await);
            return Err(StoreError::Backend {
                operation: "create account_balances",
                source: Box::new(source),
            });
        }
        tx.commit().await?;
        Ok(Self {
            readers: store.readers().clone(),
        })
    }

    /// One account's balance in the table, if the account is known.
    pub async fn balance(&self, account: &AccountId) -> Result<Option<Money>, sqlx::Error> {
        let cents: Option<i64> =
            sqlx::query_scalar("SELECT balance FROM account_balances WHERE account = ?1")
                .bind(account.as_str())
                .fetch_optional(&self.readers)
                .await?;
        Ok(cents.and_then(|c| Money::try_from_cents(c).ok()))
    }
}

impl SqliteProjection for SqliteBalanceTable {
    type Event = BankEvent;
    type Error = sqlx::Error;

    fn name(&self) -> &str {
        Self::NAME
    }

    fn filter(&self) -> EventFilter {
        EventFilter::all().with_stream_prefix(AccountId::STREAM_PREFIX)
    }

    async fn apply(
        &mut self,
        tx: &mut sqlx::SqliteConnection,
        events: &[RecordedEvent<BankEvent>],
    ) -> Result<(), sqlx::Error> {
        // Sum the deltas per account, then one upsert per account touched.
        let mut deltas: BTreeMap<&str, i64> = BTreeMap::new();
        for event in events {
            let stream = event.stream_id().as_str();
            let account = stream
                .strip_prefix(AccountId::STREAM_PREFIX)
                .unwrap_or(stream);
            *deltas.entry(account).or_default() += event.payload().balance_change();
        }
        for (account, delta) in deltas {
            sqlx::query(
                "INSERT INTO account_balances (account, balance) VALUES (?1, ?2) \
                 ON CONFLICT (account) DO UPDATE SET balance = balance + excluded.balance",
            )
            .bind(account)
            .bind(delta)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    async fn reset(&mut self, tx: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM account_balances")
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}
