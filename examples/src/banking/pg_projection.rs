use eventcore::{RecordedEvent, store::EventFilter};
use eventcore_postgres::{PostgresProjection, PostgresStore, sqlx};

use super::{AccountId, BankEvent, Money};

/// The balance of every account as a PostgreSQL table, updated in the same
/// transaction as the projection's checkpoint (exactly-once).
///
/// Run it with [`Transactional`](eventcore_postgres::Transactional):
///
/// ```no_run
/// use eventcore::projection::{ProjectionRunner, RunnerConfig};
/// use eventcore_examples::banking::PgBalanceTable;
/// use eventcore_postgres::{PostgresStore, Transactional};
///
/// # async fn run(store: PostgresStore) -> Result<(), Box<dyn std::error::Error>> {
/// let table = PgBalanceTable::create(&store).await?;
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
pub struct PgBalanceTable {
    table: String,
    pool: sqlx::PgPool,
}

impl PgBalanceTable {
    /// The projection's name, which keys its checkpoint and lease.
    pub const NAME: &'static str = "account-balances-table";

    /// Creates the `account_balances` table in the store's schema if needed.
    pub async fn create(store: &PostgresStore) -> Result<Self, sqlx::Error> {
        let table = format!("\"{}\".account_balances", store.schema());
        sqlx::raw_sql(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (account text PRIMARY KEY, balance bigint NOT NULL)"
        ))
        .execute(store.pool())
        .await?;
        Ok(Self {
            table,
            pool: store.pool().clone(),
        })
    }

    /// One account's balance in the table, if the account is known.
    pub async fn balance(&self, account: &AccountId) -> Result<Option<Money>, sqlx::Error> {
        let cents: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT balance FROM {} WHERE account = $1",
            self.table
        ))
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(cents.and_then(|c| Money::try_from_cents(c).ok()))
    }
}

impl PostgresProjection for PgBalanceTable {
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
        tx: &mut sqlx::PgConnection,
        events: &[RecordedEvent<BankEvent>],
    ) -> Result<(), sqlx::Error> {
        // One statement per batch: sum the deltas per account, then upsert.
        let mut accounts: Vec<&str> = Vec::with_capacity(events.len());
        let mut deltas: Vec<i64> = Vec::with_capacity(events.len());
        for event in events {
            let stream = event.stream_id().as_str();
            accounts.push(
                stream
                    .strip_prefix(AccountId::STREAM_PREFIX)
                    .unwrap_or(stream),
            );
            deltas.push(event.payload().balance_change());
        }
        sqlx::query(&format!(
            "INSERT INTO {table} (account, balance) \
             SELECT account, sum(delta) FROM unnest($1::text[], $2::bigint[]) AS t(account, delta) \
             GROUP BY account \
             ON CONFLICT (account) DO UPDATE SET balance = {table}.balance + excluded.balance",
            table = self.table
        ))
        .bind(&accounts)
        .bind(&deltas)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn reset(&mut self, tx: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
        sqlx::query(&format!("DELETE FROM {}", self.table))
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}
