//! The metrics of the table in `eventcore::metrics`, seen by a recorder
//! installed for the test's thread: commands by outcome, conflicts and
//! attempts, store operations and appended events, the stream cache,
//! snapshots, and a projection's gauges and counters.

#![cfg(test)]

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use eventcore::{
    CommandError, CommandExecutor, RetryPolicy, SnapshotPolicy,
    projection::{ProjectionRunner, RunnerConfig},
};
use eventcore_examples::banking::{
    AccountId, Amount, BalanceProjection, Deposit, Money, OpenAccount, Owner, Withdraw,
};
use eventcore_memory::MemoryStore;
use eventcore_testing::chaos::ConflictingStore;
use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

/// One metric's value: a count, the last gauge value, or every sample.
#[derive(Default)]
struct Cell {
    count: AtomicU64,
    gauge: AtomicU64,
    samples: Mutex<Vec<f64>>,
}

impl CounterFn for Cell {
    fn increment(&self, value: u64) {
        self.count.fetch_add(value, Ordering::SeqCst);
    }
    fn absolute(&self, value: u64) {
        self.count.store(value, Ordering::SeqCst);
    }
}

impl GaugeFn for Cell {
    fn increment(&self, value: f64) {
        let now = f64::from_bits(self.gauge.load(Ordering::SeqCst));
        self.gauge.store((now + value).to_bits(), Ordering::SeqCst);
    }
    fn decrement(&self, value: f64) {
        GaugeFn::increment(self, -value);
    }
    fn set(&self, value: f64) {
        self.gauge.store(value.to_bits(), Ordering::SeqCst);
    }
}

impl HistogramFn for Cell {
    fn record(&self, value: f64) {
        self.samples.lock().unwrap().push(value);
    }
}

/// Metrics by `name{label=value,…}` (labels sorted).
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<BTreeMap<String, Arc<Cell>>>>);

impl Recorded {
    fn cell(&self, key: &Key) -> Arc<Cell> {
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        Arc::clone(self.0.lock().unwrap().entry(name).or_default())
    }

    fn find(&self, name: &str) -> Option<Arc<Cell>> {
        self.0.lock().unwrap().get(name).cloned()
    }

    fn count(&self, name: &str) -> u64 {
        self.find(name)
            .map_or(0, |c| c.count.load(Ordering::SeqCst))
    }

    fn gauge(&self, name: &str) -> Option<f64> {
        self.find(name)
            .map(|c| f64::from_bits(c.gauge.load(Ordering::SeqCst)))
    }

    fn samples(&self, name: &str) -> Vec<f64> {
        self.find(name)
            .map(|c| c.samples.lock().unwrap().clone())
            .unwrap_or_default()
    }
}

impl Recorder for Recorded {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.cell(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.cell(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.cell(key))
    }
}

/// Runs `test` on a current-thread runtime with `recorder` installed for
/// the thread (so for every task of the runtime).
fn with_recorder(recorder: &Recorded, test: impl Future<Output = ()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(recorder, || runtime.block_on(test));
}

fn account(name: &str) -> AccountId {
    AccountId::try_new(name).unwrap()
}

#[test]
fn commands_store_operations_and_the_cache_are_counted() {
    let recorded = Recorded::default();
    with_recorder(&recorded, async {
        let executor = CommandExecutor::new(MemoryStore::new());
        let alice = account("alice");
        executor
            .execute(OpenAccount {
                account: alice.clone(),
                owner: Owner::try_new("Alice").unwrap(),
                initial_deposit: Money::ZERO,
            })
            .await
            .unwrap();
        for _ in 0..3 {
            let deposit = Deposit {
                account: alice.clone(),
                amount: Amount::try_from_cents(100).unwrap(),
            };
            executor.execute(deposit).await.unwrap();
        }
        let too_much = Withdraw {
            account: alice.clone(),
            amount: Amount::try_from_cents(1_000).unwrap(),
        };
        assert!(matches!(
            executor.execute(too_much).await,
            Err(CommandError::Rejected(_))
        ));
    });
    let ok = "eventcore_command_executions_total{command=Deposit,outcome=ok}";
    assert_eq!(recorded.count(ok), 3);
    assert_eq!(
        recorded.count("eventcore_command_executions_total{command=Withdraw,outcome=rejected}"),
        1
    );
    let durations =
        recorded.samples("eventcore_command_duration_seconds{command=Deposit,outcome=ok}");
    assert_eq!(durations.len(), 3);
    assert!(
        durations.iter().all(|d| *d > 0.0 && *d < 10.0),
        "{durations:?}"
    );
    assert_eq!(
        recorded.samples("eventcore_command_attempts{command=Deposit}"),
        [1.0, 1.0, 1.0]
    );
    assert_eq!(
        recorded.count("eventcore_store_events_appended_total{store=memory}"),
        4
    );
    assert_eq!(
        recorded.samples("eventcore_store_append_batch_events{store=memory}"),
        [1.0; 4]
    );
    let appends = recorded.samples(
        "eventcore_store_operation_duration_seconds{operation=append,outcome=ok,store=memory}",
    );
    assert_eq!(appends.len(), 4);
    // The open reads the store (a miss); the deposits decide on the cache.
    assert!(recorded.count("eventcore_stream_cache_misses_total{}") >= 1);
    assert!(recorded.count("eventcore_stream_cache_hits_total{}") >= 3);
}

#[test]
fn conflicts_are_counted_per_command_and_exhausted_retries_are_an_outcome() {
    let recorded = Recorded::default();
    with_recorder(&recorded, async {
        // Its first 2 appends conflict: an opening allowed 2 attempts
        // exhausts them; the next one goes through.
        let store = ConflictingStore::new(MemoryStore::new(), 2);
        let executor = CommandExecutor::new(store).retry_policy(
            RetryPolicy::new()
                .with_max_attempts(2)
                .max_delay(Duration::from_millis(1)),
        );
        let open = || OpenAccount {
            account: account("alice"),
            owner: Owner::try_new("Alice").unwrap(),
            initial_deposit: Money::ZERO,
        };
        assert!(matches!(
            executor.execute(open()).await,
            Err(CommandError::RetriesExhausted { attempts: 2, .. })
        ));
        executor.execute(open()).await.unwrap();
    });
    let executions = |outcome: &str| {
        recorded.count(&format!(
            "eventcore_command_executions_total{{command=OpenAccount,outcome={outcome}}}"
        ))
    };
    assert_eq!(executions("conflict_exhausted"), 1);
    assert_eq!(executions("ok"), 1);
    assert_eq!(
        recorded.count("eventcore_command_conflicts_total{command=OpenAccount}"),
        2
    );
    assert_eq!(
        recorded.samples("eventcore_command_attempts{command=OpenAccount}"),
        [2.0, 1.0]
    );
}

#[test]
fn snapshots_loaded_and_saved_are_counted() {
    let recorded = Recorded::default();
    with_recorder(&recorded, async {
        let store = MemoryStore::new();
        let alice = account("alice");
        let policy = SnapshotPolicy::every(2).unwrap();
        let executor = CommandExecutor::new(store.clone()).snapshots(policy);
        executor
            .execute(OpenAccount {
                account: alice.clone(),
                owner: Owner::try_new("Alice").unwrap(),
                initial_deposit: Money::ZERO,
            })
            .await
            .unwrap();
        for _ in 0..4 {
            let deposit = Deposit {
                account: alice.clone(),
                amount: Amount::try_from_cents(1).unwrap(),
            };
            executor.execute(deposit).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let cold = CommandExecutor::new(store.clone()).snapshots(policy);
        let deposit = Deposit {
            account: alice.clone(),
            amount: Amount::try_from_cents(1).unwrap(),
        };
        cold.execute(deposit).await.unwrap();
    });
    assert!(recorded.count("eventcore_snapshots_saved_total{outcome=written}") >= 2);
    assert_eq!(recorded.count("eventcore_snapshots_loaded_total{}"), 1);
}

#[test]
fn a_projection_reports_its_position_lag_lease_and_status() {
    let recorded = Recorded::default();
    with_recorder(&recorded, async {
        let store = MemoryStore::new();
        let executor = CommandExecutor::new(store.clone());
        for name in ["alice", "bob", "carol"] {
            executor
                .execute(OpenAccount {
                    account: account(name),
                    owner: Owner::try_new("Ada").unwrap(),
                    initial_deposit: Money::ZERO,
                })
                .await
                .unwrap();
        }
        let handle = ProjectionRunner::new(
            store.clone(),
            BalanceProjection::new(),
            RunnerConfig::default(),
        )
        .start();
        let head = eventcore::GlobalPosition::new(3);
        assert!(handle.wait_for_position(head, Duration::from_secs(5)).await);
        // One more turn of the loop publishes the gauges of the last batch.
        tokio::time::sleep(Duration::from_millis(50)).await;
        handle.shutdown().await.unwrap();
    });
    let name = BalanceProjection::NAME;
    let gauge = |metric: &str| recorded.gauge(&format!("{metric}{{projection={name}}}"));
    assert_eq!(gauge("eventcore_projection_position"), Some(3.0));
    assert_eq!(gauge("eventcore_projection_head"), Some(3.0));
    assert_eq!(gauge("eventcore_projection_lag_events"), Some(0.0));
    assert_eq!(gauge("eventcore_projection_lag_seconds"), Some(0.0));
    assert_eq!(
        recorded.count(&format!(
            "eventcore_projection_events_applied_total{{projection={name}}}"
        )),
        3
    );
    // Shut down: the status gauge says so, and no other status.
    let status = |label: &str| {
        recorded.gauge(&format!(
            "eventcore_projection_status{{projection={name},status={label}}}"
        ))
    };
    assert_eq!(status("stopped"), Some(1.0));
    assert_eq!(status("live"), Some(0.0));
    assert_eq!(gauge("eventcore_projection_lease_held"), Some(0.0));
}
