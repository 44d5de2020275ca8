//! The scheduler: each due message fired once, across interrupted firings,
//! crashed and rival schedulers and redelivered reactions, in every store.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use serde_json::{Value, json};

use super::{
    idempotent_execution::{Count, Full},
    projections::{Tick, WAIT, config, ticks},
    schedule::{at, message},
    support::{ConformanceStore, ScenarioResult, ensure, ensure_eq, stream},
};
use crate::{
    CommandError, CommandExecutor, EventSerializer, RecordedEvent, StreamId, Timestamp,
    ValidationError,
    error::StoreError,
    process::{
        Commands, ProcessManager, ProcessProjection, ScheduleHandler, Scheduler, SchedulerConfig,
    },
    projection::ProjectionRunner,
    store::{EventStore, ScheduleStore, ScheduledMessage},
};

#[derive(Debug, thiserror::Error)]
enum Firing {
    #[error(transparent)]
    Command(#[from] CommandError<Full>),
    #[error("interrupted after the command of {0}")]
    Interrupted(String),
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("payload without a stream name: {0}")]
    Payload(Value),
}

/// Counts once in the stream its payload names (a payload that is not a
/// string fails every firing: a poisoned message); can be interrupted
/// after the command, before the message is settled (as a crash would).
struct Counter {
    queue: &'static str,
    fired: Arc<AtomicU32>,
    interruptions: Arc<AtomicU32>,
}

impl Counter {
    fn new(queue: &'static str, fired: &Arc<AtomicU32>) -> Self {
        Self {
            queue,
            fired: Arc::clone(fired),
            interruptions: Arc::default(),
        }
    }
}

impl ScheduleHandler for Counter {
    type Error = Firing;

    fn queue(&self) -> &str {
        self.queue
    }

    async fn fire<S: EventStore + ScheduleStore, Ser: EventSerializer>(
        &mut self,
        message: &ScheduledMessage,
        commands: &mut Commands<'_, S, Ser>,
    ) -> Result<(), Firing> {
        self.fired.fetch_add(1, Ordering::SeqCst);
        let Some(name) = message.payload().as_str() else {
            return Err(Firing::Payload(message.payload().clone()));
        };
        commands
            .execute(Count::new(&StreamId::try_new(name)?, 10))
            .await?;
        let interrupted = self
            .interruptions
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if interrupted {
            return Err(Firing::Interrupted(message.id().to_string()));
        }
        Ok(())
    }
}

fn fast(holder: &str) -> SchedulerConfig {
    SchedulerConfig::default()
        .poll_interval(Duration::from_millis(20))
        .lease_ttl(Duration::from_millis(300))
        .max_backoff(Duration::from_millis(100))
        .holder(holder)
}

async fn versions<S: EventStore>(store: &S, names: &[String]) -> Result<Vec<u64>, StoreError> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        out.push(
            store
                .stream_version(&StreamId::try_new(name)?)
                .await?
                .value(),
        );
    }
    Ok(out)
}

/// A due message fires; a firing interrupted after its command (before the
/// message was settled) fires again, and its command replays: each
/// message's effect is written once. Messages due later wait.
pub async fn a_due_message_fires_once_even_when_interrupted<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let names: Vec<String> = (1..=3).map(|n| format!("timer-out-{n}")).collect();
    for name in &names {
        store
            .schedule(message(name, "timers", at(-1), json!(name))?)
            .await?;
    }
    store
        .schedule(message(
            "not-yet",
            "timers",
            at(3_600_000),
            json!("timer-later"),
        )?)
        .await?;
    let fired = Arc::default();
    let mut handler = Counter::new("timers", &fired);
    handler.interruptions = Arc::new(AtomicU32::new(1));
    let handle = Scheduler::new(CommandExecutor::new(store.clone()), handler, fast("one")).start();
    ensure!(
        handle.wait_for(|h| h.fired == 3, WAIT).await,
        "the due messages did not fire: {:?}",
        handle.health()
    );
    let health = handle.health();
    ensure_eq!(health.failures, 1, "failures (the interruption)");
    ensure_eq!(fired.load(Ordering::SeqCst), 4, "firings (one twice)");
    ensure_eq!(
        versions(&store, &names).await?,
        [1, 1, 1],
        "events per message"
    );
    ensure!(
        store
            .stream_version(&stream("timer-later")?)
            .await?
            .is_initial(),
        "a message not yet due fired"
    );
    ensure!(
        store
            .due_messages("timers", Timestamp::now(), 10)
            .await?
            .is_empty(),
        "fired messages are still due"
    );
    handle.shutdown().await?;
    Ok(())
}

/// A scheduler that crashes leaves its messages pending; another one
/// (another process) takes the lease once it lapses and fires them. Two
/// schedulers running at once on one queue fire each message once.
pub async fn a_scheduler_taking_over_fires_each_message_once<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let names: Vec<String> = (1..=6).map(|n| format!("takeover-{n}")).collect();
    let fired = Arc::default();
    let crashed = Scheduler::new(
        CommandExecutor::new(store.clone()),
        Counter::new("takeover", &fired),
        fast("crashed"),
    )
    .start();
    ensure!(
        crashed.wait_for(|h| h.holds_lease, WAIT).await,
        "the first scheduler took no lease"
    );
    crashed.abort();
    for (i, name) in (0_i64..).zip(&names) {
        let due = at(100 + 20 * i);
        store
            .schedule(message(name, "takeover", due, json!(name))?)
            .await?;
    }
    let (a, b) = (
        Scheduler::new(
            CommandExecutor::new(store.clone()),
            Counter::new("takeover", &fired),
            fast("a"),
        )
        .start(),
        Scheduler::new(
            CommandExecutor::new(store.clone()),
            Counter::new("takeover", &fired),
            fast("b"),
        )
        .start(),
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    while a.health().fired + b.health().fired < 6 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ensure_eq!(a.health().fired + b.health().fired, 6, "messages fired");
    ensure_eq!(
        versions(&store, &names).await?,
        [1; 6],
        "events per message"
    );
    a.shutdown().await?;
    b.shutdown().await?;
    Ok(())
}

/// A message whose firing always fails waits for its own retries and
/// never holds back the others, even with room for one message per round:
/// they all fire, and it stays pending, counted as retrying.
pub async fn a_failing_message_does_not_hold_back_the_others<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    store
        .schedule(message(
            "poisoned",
            "poison",
            at(-100),
            json!({ "not": "a name" }),
        )?)
        .await?;
    let names: Vec<String> = (1..=3).map(|n| format!("after-poison-{n}")).collect();
    for name in &names {
        store
            .schedule(message(name, "poison", at(-50), json!(name))?)
            .await?;
    }
    let fired = Arc::default();
    let handle = Scheduler::new(
        CommandExecutor::new(store.clone()),
        Counter::new("poison", &fired),
        fast("poison").batch_size(1),
    )
    .start();
    ensure!(
        handle.wait_for(|h| h.fired == 3, WAIT).await,
        "the messages after the poisoned one did not fire: {:?}",
        handle.health()
    );
    let health = handle.health();
    ensure!(health.failures >= 1, "no failure recorded: {health:?}");
    ensure_eq!(health.retrying, 1, "messages waiting for a retry");
    ensure_eq!(
        versions(&store, &names).await?,
        [1, 1, 1],
        "events per message"
    );
    let pending = store.due_messages("poison", Timestamp::now(), 10).await?;
    ensure_eq!(
        pending
            .iter()
            .map(|m| m.id().to_string())
            .collect::<Vec<_>>(),
        ["poisoned"],
        "still pending"
    );
    handle.shutdown().await?;
    Ok(())
}

/// Schedules a timer for each tick it answers.
struct Timing {
    reactions: Arc<AtomicU32>,
}

impl ProcessManager for Timing {
    type Event = Tick;
    type Error = StoreError;

    fn name(&self) -> &'static str {
        "timing"
    }

    async fn react<S: EventStore + ScheduleStore, Ser: EventSerializer>(
        &mut self,
        event: &RecordedEvent<Tick>,
        commands: &mut Commands<'_, S, Ser>,
    ) -> Result<(), StoreError> {
        self.reactions.fetch_add(1, Ordering::SeqCst);
        let name = format!("timed-{}", event.payload().n());
        // Due when the tick happened: already due, the same on every
        // delivery.
        commands
            .schedule_after("timed", Duration::ZERO, json!(name))
            .await?;
        Ok(())
    }
}

/// A process schedules its timers through its reaction: an event
/// delivered again (a rebuild) schedules nothing new, so each timer fires
/// once, with the triggering event's correlation id.
pub async fn a_reaction_schedules_its_timer_once<S: ConformanceStore>(store: S) -> ScenarioResult {
    let reactions = Arc::default();
    let process = ProjectionRunner::new(
        store.clone(),
        ProcessProjection::new(
            Timing {
                reactions: Arc::clone(&reactions),
            },
            CommandExecutor::new(store.clone()),
        ),
        config("timing"),
    )
    .start();
    let last = ticks(&store, "timing-in", 1, 3).await?;
    ensure!(
        process.wait_for_position(last, WAIT).await,
        "the ticks were not answered"
    );
    process.rebuild().await;
    ensure!(
        process.wait_for_position(last, WAIT).await,
        "the rebuild did not finish"
    );
    ensure_eq!(
        reactions.load(Ordering::SeqCst),
        6,
        "reactions (each tick twice)"
    );
    process.shutdown().await?;

    let due = store.due_messages("timed", Timestamp::now(), 100).await?;
    ensure_eq!(due.len(), 3, "timers pending: {due:?}");
    let read = store.read_streams(&[stream("timing-in")?]).await?;
    let first = read.streams()[0].events()[0].metadata();
    let timer = due
        .iter()
        .find(|m| m.correlation_id() == Some(first.correlation_id()));
    ensure!(
        timer.is_some(),
        "no timer carries the first tick's correlation id: {due:?}"
    );
    let micros = |t: Timestamp| t.into_inner().timestamp_micros();
    ensure_eq!(
        timer.map(|m| micros(m.due_at())),
        Some(micros(first.timestamp())),
        "the timer is due when its tick happened"
    );
    let fired = Arc::default();
    let scheduler = Scheduler::new(
        CommandExecutor::new(store.clone()),
        Counter::new("timed", &fired),
        fast("timed"),
    )
    .start();
    ensure!(
        scheduler.wait_for(|h| h.fired == 3, WAIT).await,
        "the timers did not fire: {:?}",
        scheduler.health()
    );
    let names: Vec<String> = (1..=3).map(|n| format!("timed-{n}")).collect();
    ensure_eq!(
        versions(&store, &names).await?,
        [1, 1, 1],
        "events per timer"
    );
    scheduler.shutdown().await?;
    Ok(())
}
