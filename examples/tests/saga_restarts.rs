//! The order-fulfilment saga while its process manager and its scheduler
//! are killed at random points and restarted, as crashed processes would
//! be: every order still ends in exactly one terminal state, with no
//! double charge, no double release and no shelf below zero.

mod common;

use std::time::Duration;

use eventcore::{
    CommandExecutor, EventSerializer, RecordedEvent,
    process::{
        Commands, ProcessManager, ProcessProjection, Scheduler, SchedulerConfig, SchedulerHandle,
    },
    projection::{ErrorPolicy, ProjectionHandle, ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore, ScheduleStore},
};
use eventcore_examples::fulfilment::{
    CancelReason, Closed, Customer, Day, Fulfilment, FulfilmentError, PaymentTimeouts, ShopEvent,
    audit,
};
use eventcore_memory::MemoryStore;
use rand::{Rng, SeedableRng, rngs::StdRng};

use common::TestResult;

const PAYMENT_WINDOW: Duration = Duration::from_secs(3);

/// The fulfilment process, dawdling up to 10 ms after each reaction, so
/// that a kill often lands after a reaction's commands were written and
/// before the batch's checkpoint is saved: the window where an event is
/// delivered again.
struct Dawdling(Fulfilment);

impl ProcessManager for Dawdling {
    type Event = ShopEvent;
    type Error = FulfilmentError;

    fn name(&self) -> &str {
        self.0.name()
    }

    async fn react<S: EventStore + ScheduleStore, Ser: EventSerializer>(
        &mut self,
        event: &RecordedEvent<ShopEvent>,
        commands: &mut Commands<'_, S, Ser>,
    ) -> Result<(), FulfilmentError> {
        self.0.react(event, commands).await?;
        let pause = rand::rng().random_range(0..10);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        Ok(())
    }
}

fn process<S>(store: &S, holder: &str) -> ProjectionHandle
where
    S: EventStore + CheckpointStore + LeaseStore + ScheduleStore + Clone + 'static,
{
    let config = RunnerConfig::default()
        .holder(holder)
        .batch_size(8)
        .lease_ttl(Duration::from_millis(300))
        .poll_interval(Duration::from_millis(50))
        .error_policy(ErrorPolicy::retry_then_stop(20));
    ProjectionRunner::new(
        store.clone(),
        ProcessProjection::new(
            Dawdling(Fulfilment::new(PAYMENT_WINDOW)),
            CommandExecutor::new(store.clone()),
        ),
        config,
    )
    .start()
}

fn scheduler<S>(store: &S, holder: &str) -> SchedulerHandle
where
    S: EventStore + CheckpointStore + LeaseStore + ScheduleStore + Clone + 'static,
{
    let config = SchedulerConfig::default()
        .holder(holder)
        .lease_ttl(Duration::from_millis(300))
        .poll_interval(Duration::from_millis(50));
    Scheduler::new(CommandExecutor::new(store.clone()), PaymentTimeouts, config).start()
}

/// Runs a day of `orders` orders while a chaos task kills the process and
/// the scheduler at random moments and starts new ones, then lets a last
/// pair finish and audits the shop.
async fn day_with_restarts<S>(store: S, prefix: &str, orders: usize, seed: u64) -> TestResult
where
    S: EventStore + CheckpointStore + LeaseStore + ScheduleStore + Clone + 'static,
{
    let day = Day::plan(prefix, orders, seed);
    let executor = CommandExecutor::new(store.clone());
    day.open(&executor).await?;

    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let chaos = tokio::spawn({
        let store = store.clone();
        async move {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut generation = 0_u32;
            let mut kills = 0_u32;
            loop {
                generation += 1;
                // Every other restart is the same process coming back (it
                // takes its own lease at once), the others another process
                // (it waits for the dead one's lease to lapse).
                let holder = generation % 2;
                let process = process(&store, &format!("process-{holder}"));
                let timeouts = scheduler(&store, &format!("scheduler-{holder}"));
                let alive = Duration::from_millis(rng.random_range(50..400));
                tokio::select! {
                    () = tokio::time::sleep(alive) => {}
                    _ = stopped.changed() => {
                        process.abort();
                        timeouts.abort();
                        return kills;
                    }
                }
                // Killed mid-work, as a crash would: no checkpoint saved,
                // no lease released, a firing maybe half done.
                process.abort();
                timeouts.abort();
                kills += 1;
            }
        }
    });
    day.shop(&executor, 4).await?;
    tokio::time::sleep(PAYMENT_WINDOW).await;
    stop.send_replace(true);
    let kills = chaos.await?;
    assert!(kills >= 3, "only {kills} restarts happened");

    // A last, steady pair finishes what the killed ones left.
    let (process, timeouts) = (process(&store, "last"), scheduler(&store, "last"));
    let open = day
        .wait_until_closed(&executor, Duration::from_mins(1))
        .await?;
    timeouts.shutdown().await?;
    process.shutdown().await?;

    let audit = audit(
        &store,
        &day.order_names(),
        &day.stock(),
        &day.wallet_names(),
    )
    .await?;
    assert_eq!(open, 0, "orders left open: {:?}", audit.tally());
    assert!(audit.violations.is_empty(), "{:#?}", audit.violations);
    // Each customer's order ends as that customer can make it end; which
    // orders find stock, and whether a slow (restarting) process lets a
    // timeout win, depends on timing.
    for (planned, outcome) in day.orders.iter().zip(&audit.orders) {
        use CancelReason::{OutOfStock, PaymentDeclined, PaymentTimeout};
        let allowed: &[Closed] = match planned.customer {
            Customer::Pays => &[
                Closed::Shipped,
                Closed::Cancelled(OutOfStock),
                Closed::Cancelled(PaymentTimeout),
            ],
            Customer::PaysShort => &[
                Closed::Cancelled(PaymentDeclined),
                Closed::Cancelled(OutOfStock),
                Closed::Cancelled(PaymentTimeout),
            ],
            Customer::NeverPays => &[
                Closed::Cancelled(OutOfStock),
                Closed::Cancelled(PaymentTimeout),
            ],
        };
        assert!(
            outcome
                .closed
                .is_some_and(|closed| allowed.contains(&closed)),
            "{} ({:?}) ended {:?}",
            planned.order,
            planned.customer,
            outcome.closed
        );
    }
    let count = |closed: Closed| {
        audit
            .orders
            .iter()
            .filter(|o| o.closed == Some(closed))
            .count()
    };
    assert!(count(Closed::Shipped) > 0, "{:?}", audit.tally());
    let compensated = count(Closed::Cancelled(CancelReason::PaymentDeclined))
        + count(Closed::Cancelled(CancelReason::PaymentTimeout));
    assert!(
        compensated > 0,
        "no order's stock went back: {:?}",
        audit.tally()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_saga_survives_restarts() -> TestResult {
    day_with_restarts(MemoryStore::new(), "mem", 40, 11).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_saga_survives_restarts() -> TestResult {
    let store = common::fresh_store("saga").await?;
    let outcome = day_with_restarts(store.clone(), "pg", 30, 12).await;
    common::drop_schema(&store).await?;
    outcome
}
