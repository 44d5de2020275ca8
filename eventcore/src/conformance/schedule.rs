//! Scheduled messages: the port keeps them until they are settled, and a
//! scheduler fires each once, across crashes and rival schedulers, in every
//! store.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use chrono::TimeDelta;
use serde_json::{Value, json};

use super::{
    idempotent_execution::{Count, Full},
    projections::{Tick, WAIT, config, ticks},
    support::{ConformanceStore, ScenarioResult, ensure, ensure_eq, stream},
};
use crate::{
    CommandError, CommandExecutor, CorrelationId, EventSerializer, IdempotencyKey, RecordedEvent,
    StreamId, Timestamp, ValidationError,
    error::StoreError,
    process::{
        Commands, ProcessManager, ProcessProjection, ScheduleHandler, Scheduler, SchedulerConfig,
    },
    projection::ProjectionRunner,
    store::{EventStore, ScheduleStore, ScheduledMessage, Settled},
};

fn at(offset_ms: i64) -> Timestamp {
    Timestamp::new(Timestamp::now().into_inner() + TimeDelta::milliseconds(offset_ms))
}

fn message(
    id: &str,
    queue: &str,
    due: Timestamp,
    payload: Value,
) -> Result<ScheduledMessage, ValidationError> {
    ScheduledMessage::new(IdempotencyKey::try_new(id)?, queue, due, payload)
}

fn ids(messages: &[ScheduledMessage]) -> Vec<String> {
    messages.iter().map(|m| m.id().to_string()).collect()
}

/// Due messages come back earliest first, ties by id in byte order, only
/// from their own queue and only once due, with payload, due time and
/// correlation id as scheduled; `next_due` is the earliest pending.
pub async fn scheduled_messages_fall_due_in_order<S: ConformanceStore>(store: S) -> ScenarioResult {
    let now = Timestamp::now();
    let earlier = at(-2_000);
    let tie = at(-1_000);
    let correlation = CorrelationId::new();
    let first = message("first", "q", earlier, json!({ "n": [1, "é"] }))?.correlated(correlation);
    let scheduled = [
        first.clone(),
        // Same due time: byte order puts "B-tie" (0x42) before "a-tie".
        message("a-tie", "q", tie, json!(2))?,
        message("B-tie", "q", tie, json!(3))?,
        message("later", "q", at(3_600_000), json!(4))?,
        message("elsewhere", "other", at(-3_000), json!(5))?,
    ];
    for m in &scheduled {
        ensure!(store.schedule(m.clone()).await?, "{} was not added", m.id());
    }
    let due = store.due_messages("q", now, 10).await?;
    ensure_eq!(ids(&due), ["first", "B-tie", "a-tie"], "due in order");
    ensure_eq!(due[0], first, "the first message as scheduled");
    ensure_eq!(
        ids(&store.due_messages("q", now, 1).await?),
        ["first"],
        "limit 1"
    );
    ensure_eq!(
        ids(&store.due_messages("other", now, 10).await?),
        ["elsewhere"],
        "the other queue"
    );
    ensure!(
        store.due_messages("none", now, 10).await?.is_empty(),
        "an unknown queue has due messages"
    );
    ensure_eq!(store.next_due("q").await?, Some(first.due_at()), "next due");
    ensure_eq!(
        store.next_due("none").await?,
        None,
        "next due of an unknown queue"
    );
    Ok(())
}

/// A message's id is scheduled once: scheduling it again, pending or
/// settled, adds nothing and changes nothing; settling is once; a
/// cancelled message never falls due; a purge deletes settled messages
/// only, after which their ids are free.
pub async fn a_message_is_scheduled_and_settled_once<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let now = at(1);
    let one = message("once", "q", at(-10), json!("first"))?;
    ensure!(store.schedule(one.clone()).await?, "first schedule");
    let again = message("once", "q", at(-5), json!("second"))?;
    ensure!(!store.schedule(again).await?, "the same id was added twice");
    ensure_eq!(
        store.due_messages("q", now, 10).await?,
        vec![one.clone()],
        "the first scheduling stands"
    );

    ensure!(
        store.settle(one.id(), Settled::Fired).await?,
        "settling a pending message"
    );
    ensure!(
        !store.settle(one.id(), Settled::Fired).await?,
        "settling twice"
    );
    ensure!(
        !store.schedule(one.clone()).await?,
        "rescheduling a fired message"
    );
    ensure!(
        store.due_messages("q", now, 10).await?.is_empty(),
        "a fired message is due"
    );
    let unknown = IdempotencyKey::try_new("never-scheduled")?;
    ensure!(
        !store.settle(&unknown, Settled::Fired).await?,
        "settling an unknown id"
    );

    let cancelled = message("cancelled", "q", at(-10), json!(null))?;
    store.schedule(cancelled.clone()).await?;
    ensure!(
        store.settle(cancelled.id(), Settled::Cancelled).await?,
        "cancelling a pending message"
    );
    ensure!(
        store.due_messages("q", now, 10).await?.is_empty(),
        "a cancelled message is due"
    );
    let pending = message("pending", "q", at(60_000), json!(null))?;
    store.schedule(pending.clone()).await?;

    ensure_eq!(
        store.purge_settled(at(-60_000)).await?,
        0,
        "purged before anything settled"
    );
    ensure_eq!(store.purge_settled(at(60_000)).await?, 2, "purged");
    ensure_eq!(store.purge_settled(at(60_000)).await?, 0, "purged twice");
    ensure_eq!(
        store.next_due("q").await?,
        Some(pending.due_at()),
        "the pending one stays"
    );
    ensure!(store.schedule(one).await?, "a purged id is free again");
    Ok(())
}

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

/// Counts once in the stream its payload names; can be interrupted after
/// the command, before the message is settled (as a crash would).
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
        commands.schedule("timed", at(-1), json!(name)).await?;
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
    let first = read.streams()[0].events()[0].metadata().correlation_id();
    ensure!(
        due.iter().any(|m| m.correlation_id() == Some(first)),
        "no timer carries the first tick's correlation id: {due:?}"
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
