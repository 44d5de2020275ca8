//! Shared helpers for the EventCore criterion benches and the workload
//! runner (`src/bin/workload.rs`).
//!
//! - [`pg`]: a PostgreSQL store in a fresh, throw-away schema.
//! - [`bank`]: account ids, seeding and invariant checks for the banking
//!   example domain.
//! - [`stats`]: percentiles and medians.

use std::error::Error;

/// The error type of the benches and the runner.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// A result with [`BoxError`].
pub type BenchResult<T = ()> = Result<T, BoxError>;

/// Unwraps a setup step of a criterion bench, or reports the error and
/// exits (criterion's generated `main` cannot return errors).
pub fn or_exit<T, E: std::fmt::Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => {
            eprintln!("benchmark setup failed: {what}: {e}");
            std::process::exit(1)
        }
    }
}

pub mod pg {
    //! PostgreSQL fixtures: one fresh schema per workload, dropped afterwards.

    use std::{
        sync::atomic::{AtomicU64, Ordering},
        time::Duration,
    };

    use eventcore_postgres::{
        PostgresConfig, PostgresStore, SchemaName,
        sqlx::{self, PgPool},
    };

    use crate::BenchResult;

    /// The default connection URL when `DATABASE_URL` is unset.
    pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

    /// Connections in every pool the benches open: the store's default, so
    /// the raw-SQL limit goes through the same kind of pool as the store.
    pub const POOL_SIZE: u32 = PostgresConfig::DEFAULT_MAX_CONNECTIONS;

    /// `DATABASE_URL`, or [`DEFAULT_URL`].
    #[must_use]
    pub fn database_url() -> String {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_URL.to_owned())
    }

    /// A schema name unique to this process and call.
    #[must_use]
    pub fn fresh_schema_name(label: &str) -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let label: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(16)
            .collect();
        format!("bench_{label}_{}_{n}_{nanos}", std::process::id())
    }

    /// A migrated [`PostgresStore`] in its own schema.
    #[derive(Debug)]
    pub struct PgFixture {
        /// The store.
        pub store: PostgresStore,
        /// Its schema.
        pub schema: SchemaName,
    }

    impl PgFixture {
        /// Connects with the store's default settings in a fresh schema
        /// and migrates it.
        pub async fn new(label: &str) -> BenchResult<Self> {
            let schema = SchemaName::try_new(fresh_schema_name(label))?;
            let store = PostgresConfig::from_url(database_url())
                .max_connections(POOL_SIZE)
                .acquire_timeout(Duration::from_secs(5))
                .schema(schema.clone())
                .connect()
                .await?;
            store.migrate().await?;
            Ok(Self { store, schema })
        }

        /// Drops the schema and everything in it.
        pub async fn drop_schema(self) -> BenchResult {
            drop_schema(self.store.pool(), self.schema.as_str()).await
        }
    }

    /// `DROP SCHEMA … CASCADE`.
    pub async fn drop_schema(pool: &PgPool, schema: &str) -> BenchResult {
        // The name comes from `fresh_schema_name` / `SchemaName`: no quote
        // characters are possible.
        sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Whether PostgreSQL answers at [`database_url`] within two seconds.
    pub async fn reachable() -> bool {
        match PostgresConfig::from_url(database_url())
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(2))
            .connect()
            .await
        {
            Ok(store) => {
                store.pool().close().await;
                true
            }
            Err(_) => false,
        }
    }
}

pub mod bank {
    //! The banking domain of `eventcore-examples`, set up for workloads.

    use std::collections::HashMap;

    use eventcore::{
        CommandExecutor, EventMetadata, EventSerializer, JsonSerializer,
        store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
    };
    use eventcore_examples::banking::{AccountId, Amount, BankEvent, Money, OpenAccount, Owner};

    use crate::BenchResult;

    /// `count` account ids `<prefix>-<i>`.
    pub fn accounts(prefix: &str, count: usize) -> BenchResult<Vec<AccountId>> {
        (0..count)
            .map(|i| AccountId::try_new(format!("{prefix}-{i}")).map_err(Into::into))
            .collect()
    }

    /// Opens every account through the executor (one command each).
    pub async fn open_all<S: EventStore>(
        executor: &CommandExecutor<S>,
        accounts: &[AccountId],
        opening_cents: i64,
    ) -> BenchResult {
        let opening = Money::try_from_cents(opening_cents)?;
        let owner = Owner::try_new("Bench Customer")?;
        for account in accounts {
            executor
                .execute(OpenAccount {
                    account: account.clone(),
                    owner: owner.clone(),
                    initial_deposit: opening,
                })
                .await?;
        }
        Ok(())
    }

    /// A bank event as the executor would write it.
    pub fn new_event(event: &BankEvent) -> BenchResult<NewEvent> {
        Ok(NewEvent::new(
            JsonSerializer.encode(event)?,
            EventMetadata::new(),
        ))
    }

    /// Seeds `account` with an `Opened` event followed by `deposits`
    /// deposits of `cents` each, written directly through the store in
    /// batches of `batch` events (seeding is not what is measured).
    pub async fn seed_account<S: EventStore>(
        store: &S,
        account: &AccountId,
        deposits: usize,
        cents: i64,
        batch: usize,
    ) -> BenchResult {
        let opened = BankEvent::Opened {
            owner: Owner::try_new("Bench Customer")?,
            initial_deposit: Money::ZERO,
        };
        let deposit = BankEvent::Deposited {
            amount: Amount::try_from_cents(cents)?,
        };
        let mut pending = vec![new_event(&opened)?];
        let mut version = 0_u64;
        for _ in 0..deposits {
            if pending.len() >= batch {
                version += flush(store, account, version, &mut pending).await?;
            }
            pending.push(new_event(&deposit)?);
        }
        flush(store, account, version, &mut pending).await?;
        Ok(())
    }

    async fn flush<S: EventStore>(
        store: &S,
        account: &AccountId,
        version: u64,
        pending: &mut Vec<NewEvent>,
    ) -> BenchResult<u64> {
        let n = pending.len() as u64;
        if n == 0 {
            return Ok(0);
        }
        store
            .append(AppendBatch::single(
                account.stream_id().clone(),
                ExpectedVersion::Exact(eventcore::StreamVersion::new(version)),
                std::mem::take(pending),
            ))
            .await?;
        Ok(n)
    }

    /// What an audit of the account streams found.
    #[derive(Clone, Debug, Default)]
    pub struct Audit {
        /// The sum of every account's balance, in cents.
        pub total_cents: i128,
        /// Accounts whose balance went below zero at some point.
        pub went_negative: Vec<String>,
        /// Events read.
        pub events: usize,
        /// Final balances by stream.
        pub balances: HashMap<String, i128>,
    }

    /// Reads every account stream and folds it with signed arithmetic, so a
    /// balance that dips below zero is seen (the domain's own fold
    /// saturates).
    pub async fn audit<S: EventStore>(store: &S, accounts: &[AccountId]) -> BenchResult<Audit> {
        let mut audit = Audit::default();
        for chunk in accounts.chunks(100) {
            let ids: Vec<_> = chunk.iter().map(|a| a.stream_id().clone()).collect();
            let read = store.read_streams(&ids).await?;
            for stream in read.streams() {
                let mut balance: i128 = 0;
                let mut negative = false;
                for stored in stream.events() {
                    audit.events += 1;
                    let event: BankEvent = JsonSerializer.decode(stored)?;
                    balance += signed_cents(&event);
                    negative |= balance < 0;
                }
                if negative {
                    audit.went_negative.push(stream.stream_id().to_string());
                }
                audit.total_cents += balance;
                audit
                    .balances
                    .insert(stream.stream_id().to_string(), balance);
            }
        }
        Ok(audit)
    }

    /// An event's effect on its account's balance.
    #[must_use]
    pub fn signed_cents(event: &BankEvent) -> i128 {
        match event {
            BankEvent::Opened {
                initial_deposit, ..
            } => i128::from(initial_deposit.cents()),
            BankEvent::Deposited { amount } | BankEvent::TransferredIn { amount, .. } => {
                i128::from(amount.money().cents())
            }
            BankEvent::Withdrawn { amount } | BankEvent::TransferredOut { amount, .. } => {
                -i128::from(amount.money().cents())
            }
        }
    }
}

pub mod projection {
    //! A [`BalanceProjection`] under a name of our choosing, so every run
    //! starts from position 0 without a leftover checkpoint.

    use std::convert::Infallible;

    use eventcore::{RecordedEvent, projection::Projection, store::EventFilter};
    use eventcore_examples::banking::{BalanceProjection, BankEvent};

    /// Delegates everything to the wrapped [`BalanceProjection`] but the name.
    #[derive(Clone, Debug)]
    pub struct NamedBalances {
        /// The read model (clones share it).
        pub inner: BalanceProjection,
        name: String,
    }

    impl NamedBalances {
        /// An empty read model called `name`.
        #[must_use]
        pub fn new(name: impl Into<String>) -> Self {
            Self {
                inner: BalanceProjection::new(),
                name: name.into(),
            }
        }
    }

    impl Projection for NamedBalances {
        type Event = BankEvent;
        type Error = Infallible;

        fn name(&self) -> &str {
            &self.name
        }

        fn filter(&self) -> EventFilter {
            self.inner.filter()
        }

        async fn apply(&mut self, events: &[RecordedEvent<BankEvent>]) -> Result<(), Infallible> {
            self.inner.apply(events).await
        }

        async fn reset(&mut self) -> Result<(), Infallible> {
            self.inner.reset().await
        }
    }
}

pub mod stats {
    //! Percentiles over a sorted vector, and medians.

    use std::time::Duration;

    /// The `p`-th percentile (0..=100) of `sorted`, nearest-rank.
    #[must_use]
    pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = (sorted.len() * p.min(100)).div_ceil(100);
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    /// The median of `values` (the mean of the middle two for an even
    /// count); `None` for no values.
    #[must_use]
    pub fn median(values: &[f64]) -> Option<f64> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        Some(if v.len().is_multiple_of(2) {
            f64::midpoint(v[mid - 1], v[mid])
        } else {
            v[mid]
        })
    }
}
