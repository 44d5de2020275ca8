//! The scheduler: fires the scheduled messages of one queue when they fall
//! due, under a lease, so a timer fires once across processes and restarts.

use std::{future::Future, time::Duration};

use tokio::{sync::watch, task::JoinHandle};
use tracing::Instrument;

use super::Commands;
use crate::{
    error::StoreError,
    executor::CommandExecutor,
    serialization::{EventSerializer, JsonSerializer},
    store::{EventStore, Lease, LeaseStore, ScheduleStore, ScheduledMessage, Settled},
    types::Timestamp,
};

/// Answers the messages of one queue when they fall due, with commands.
///
/// A message is settled as fired once [`fire`](Self::fire) returns `Ok`. A
/// crash (or an error) before that fires it again later; its commands carry
/// idempotency keys derived from the message's id, so what the first firing
/// wrote is replayed, not written twice. Like a reaction, a firing must
/// issue the same commands in the same order each time: typically one
/// command that decides from the streams it reads ("cancel the order unless
/// it was paid").
pub trait ScheduleHandler: Send + 'static {
    /// What a firing fails with: the message stays pending and is tried
    /// again after the scheduler's backoff.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The queue whose messages this handler fires (it also names the
    /// scheduler's lease: one active scheduler per queue).
    fn queue(&self) -> &str;

    /// Answers `message`, which is due.
    fn fire<S: EventStore + ScheduleStore, Ser: EventSerializer>(
        &mut self,
        message: &ScheduledMessage,
        commands: &mut Commands<'_, S, Ser>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// How a [`Scheduler`] polls, holds its lease and backs off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchedulerConfig {
    poll_interval: Duration,
    batch_size: usize,
    lease_ttl: Duration,
    holder: String,
    max_backoff: Duration,
}

impl Default for SchedulerConfig {
    /// Polls every second (a message scheduled by another process, or
    /// after the scheduler went to sleep, fires at most that late), fires
    /// up to 100 messages per round, holds a 10 s lease as `"scheduler"`,
    /// and backs off from 100 ms to 30 s after failures.
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            batch_size: 100,
            lease_ttl: Duration::from_secs(10),
            holder: "scheduler".to_owned(),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl SchedulerConfig {
    /// The longest the scheduler sleeps before looking for due messages
    /// again (it wakes earlier for the earliest pending message it knows
    /// of). Kept below a third of the lease's time-to-live.
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How many due messages one round fires at most (at least 1).
    #[must_use]
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.max(1);
        self
    }

    /// How long the lease lasts without renewal.
    #[must_use]
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(3));
        self
    }

    /// Who holds the lease (use a name unique to the process).
    #[must_use]
    pub fn holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = holder.into();
        self
    }

    /// The longest wait after failures (the wait starts at 100 ms and
    /// doubles).
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff.max(Duration::from_millis(100));
        self
    }

    fn sleep_between_rounds(&self) -> Duration {
        self.poll_interval.min(self.lease_ttl / 3)
    }
}

/// What a [`Scheduler`] has done, as its handle reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchedulerHealth {
    /// The queue.
    pub queue: String,
    /// Whether this scheduler holds the queue's lease (and so fires).
    pub holds_lease: bool,
    /// Messages fired and settled.
    pub fired: u64,
    /// Failed firings and store errors.
    pub failures: u64,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Whether the scheduler has stopped.
    pub finished: bool,
}

/// Fires the due messages of one queue (see [`ScheduleHandler`]).
///
/// ```
/// use eventcore::process::{Commands, ScheduleHandler, Scheduler, SchedulerConfig};
/// use eventcore::store::{EventStore, ScheduleStore, ScheduledMessage};
/// use eventcore::{CommandExecutor, EventSerializer, IdempotencyKey, Timestamp};
///
/// struct Reminders;
///
/// impl ScheduleHandler for Reminders {
///     type Error = std::convert::Infallible;
///
///     fn queue(&self) -> &str {
///         "reminders"
///     }
///
///     async fn fire<S: EventStore + ScheduleStore, Ser: EventSerializer>(
///         &mut self,
///         message: &ScheduledMessage,
///         _commands: &mut Commands<'_, S, Ser>,
///     ) -> Result<(), Self::Error> {
///         println!("due: {}", message.payload());
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = eventcore_memory::MemoryStore::new();
/// let id = IdempotencyKey::try_new("remind-alice")?;
/// let message = ScheduledMessage::new(id, "reminders", Timestamp::now(), serde_json::json!("hi"))?;
/// store.schedule(message).await?;
///
/// let handle = Scheduler::new(CommandExecutor::new(store.clone()), Reminders, SchedulerConfig::default()).start();
/// while handle.health().fired == 0 {
///     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
/// }
/// assert_eq!(store.next_due("reminders").await?, None); // nothing pending
/// handle.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Scheduler<S, H, Ser = JsonSerializer> {
    executor: CommandExecutor<S, Ser>,
    handler: H,
    config: SchedulerConfig,
}

impl<S, H, Ser> Scheduler<S, H, Ser>
where
    S: EventStore + ScheduleStore + LeaseStore + 'static,
    H: ScheduleHandler,
    Ser: EventSerializer,
{
    /// A scheduler that fires `handler`'s queue, executing its commands on
    /// `executor` (whose store holds the messages and the lease).
    pub const fn new(
        executor: CommandExecutor<S, Ser>,
        handler: H,
        config: SchedulerConfig,
    ) -> Self {
        Self {
            executor,
            handler,
            config,
        }
    }

    /// Spawns the scheduler on the current Tokio runtime.
    #[must_use]
    pub fn start(self) -> SchedulerHandle {
        let queue = self.handler.queue().to_owned();
        let (stop, stopped) = watch::channel(false);
        let (report, health) = watch::channel(SchedulerHealth {
            queue,
            ..SchedulerHealth::default()
        });
        let span = tracing::info_span!("eventcore.scheduler", queue = %self.handler.queue());
        let join = tokio::spawn(run(self, stopped, report).instrument(span));
        SchedulerHandle {
            stop,
            health,
            join: Some(join),
        }
    }
}

/// Controls a running [`Scheduler`]. Dropping the handle does not stop it;
/// call [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct SchedulerHandle {
    stop: watch::Sender<bool>,
    health: watch::Receiver<SchedulerHealth>,
    join: Option<JoinHandle<Result<(), StoreError>>>,
}

impl SchedulerHandle {
    /// What the scheduler has done so far.
    #[must_use]
    pub fn health(&self) -> SchedulerHealth {
        self.health.borrow().clone()
    }

    /// Waits until `done` holds for the scheduler's health, or `timeout`
    /// passes. Returns whether it held.
    pub async fn wait_for(
        &self,
        done: impl Fn(&SchedulerHealth) -> bool + Send + Sync,
        timeout: Duration,
    ) -> bool {
        let mut health = self.health.clone();
        let waited =
            tokio::time::timeout(timeout, health.wait_for(|h| done(h) || h.finished)).await;
        waited.is_ok() && done(&self.health.borrow())
    }

    /// Stops after the message being fired, releasing the lease.
    pub async fn shutdown(mut self) -> Result<(), StoreError> {
        self.stop.send_replace(true);
        match self.join.take() {
            Some(join) => join.await.unwrap_or_else(|e| {
                Err(StoreError::Unavailable {
                    message: format!("the scheduler task ended abnormally: {e}"),
                    source: None,
                })
            }),
            None => Ok(()),
        }
    }

    /// Stops at once, as a crash would: a message being fired stays
    /// pending, and the lease lapses after its time-to-live.
    pub fn abort(mut self) {
        if let Some(join) = self.join.take() {
            join.abort();
        }
    }
}

/// The scheduler's loop.
async fn run<S, H, Ser>(
    mut scheduler: Scheduler<S, H, Ser>,
    mut stopped: watch::Receiver<bool>,
    report: watch::Sender<SchedulerHealth>,
) -> Result<(), StoreError>
where
    S: EventStore + ScheduleStore + LeaseStore + 'static,
    H: ScheduleHandler,
    Ser: EventSerializer,
{
    let queue = scheduler.handler.queue().to_owned();
    let lease_name = format!("scheduler:{queue}");
    let mut lease: Option<Lease> = None;
    let mut backoff = Duration::ZERO;
    while !*stopped.borrow() {
        let wait = match round(&mut scheduler, &queue, &lease_name, &mut lease, &report).await {
            Ok(Round::More) => continue,
            Ok(Round::Wait(wait)) => {
                backoff = Duration::ZERO;
                wait
            }
            Err(Failed) => {
                backoff = (backoff * 2)
                    .max(Duration::from_millis(100))
                    .min(scheduler.config.max_backoff);
                backoff
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            changed = stopped.changed() => {
                // The handle is gone without a shutdown: keep running.
                if changed.is_err() {
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
    if let Some(lease) = lease.take() {
        scheduler.executor.store().release_lease(&lease).await?;
    }
    report.send_modify(|h| {
        h.holds_lease = false;
        h.finished = true;
    });
    Ok(())
}

enum Round {
    /// A full batch fired: look again at once.
    More,
    /// Sleep this long before the next round.
    Wait(Duration),
}

/// A round that failed; the failure is in the health and the log.
struct Failed;

/// Records a failure in the health and the log.
fn failed(report: &watch::Sender<SchedulerHealth>, error: &dyn std::fmt::Display) -> Failed {
    tracing::warn!(%error, "scheduler failure");
    report.send_modify(|h| {
        h.failures += 1;
        h.last_error = Some(error.to_string());
    });
    Failed
}

/// Takes or renews the lease, fires what is due, and says how long to
/// sleep. A failed firing leaves its message pending and the others are
/// still fired; any failure (recorded in the health) makes the caller back
/// off.
async fn round<S, H, Ser>(
    scheduler: &mut Scheduler<S, H, Ser>,
    queue: &str,
    lease_name: &str,
    lease: &mut Option<Lease>,
    report: &watch::Sender<SchedulerHealth>,
) -> Result<Round, Failed>
where
    S: EventStore + ScheduleStore + LeaseStore + 'static,
    H: ScheduleHandler,
    Ser: EventSerializer,
{
    let Scheduler {
        executor,
        handler,
        config,
    } = scheduler;
    let store = executor.store();
    let store_failed = |error: StoreError| failed(report, &error);
    *lease = match lease.take() {
        Some(held) => match store.renew_lease(&held, config.lease_ttl).await {
            Ok(renewed) => Some(renewed),
            Err(StoreError::LeaseLost { .. }) => None,
            Err(other) => return Err(store_failed(other)),
        },
        None => store
            .try_acquire_lease(lease_name, &config.holder, config.lease_ttl)
            .await
            .map_err(store_failed)?,
    };
    report.send_if_modified(|h| {
        let changed = h.holds_lease != lease.is_some();
        h.holds_lease = lease.is_some();
        changed
    });
    if lease.is_none() {
        return Ok(Round::Wait(config.sleep_between_rounds()));
    }
    let due = store
        .due_messages(queue, Timestamp::now(), config.batch_size)
        .await
        .map_err(store_failed)?;
    let mut clean = true;
    for message in &due {
        let mut commands = Commands::for_message(executor, message);
        if let Err(error) = handler.fire(message, &mut commands).await {
            let _ = failed(
                report,
                &format_args!("firing scheduled message {} failed: {error}", message.id()),
            );
            clean = false;
            continue;
        }
        store
            .settle(message.id(), Settled::Fired)
            .await
            .map_err(store_failed)?;
        report.send_modify(|h| h.fired += 1);
        tracing::debug!(id = %message.id(), "scheduled message fired");
    }
    if !clean {
        return Err(Failed);
    }
    if due.len() >= config.batch_size {
        return Ok(Round::More);
    }
    let until_next = store
        .next_due(queue)
        .await
        .map_err(store_failed)?
        .map(|next| {
            (next.into_inner() - Timestamp::now().into_inner())
                .to_std()
                .unwrap_or(Duration::ZERO)
        });
    let idle = config.sleep_between_rounds();
    Ok(Round::Wait(until_next.map_or(idle, |next| next.min(idle))))
}
