//! The scheduler: fires the scheduled messages of one queue when they fall
//! due, under a lease, so a timer fires once across processes and restarts.

use std::{future::Future, time::Duration};

use tokio::{sync::watch, task::JoinHandle};
use tracing::Instrument;

mod config;
mod run;

pub use config::{SchedulerConfig, SchedulerHealth};

use super::Commands;
use crate::{
    error::StoreError,
    executor::CommandExecutor,
    serialization::{EventSerializer, JsonSerializer},
    store::{EventStore, LeaseStore, ScheduleStore, ScheduledMessage},
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
        let join = tokio::spawn(run::run(self, stopped, report).instrument(span));
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

/// A cloneable view of one scheduler's health (see
/// [`SchedulerHandle::watch`]), for a
/// [`HealthCheck`](crate::health::HealthCheck).
#[derive(Clone, Debug)]
pub struct SchedulerWatch(watch::Receiver<SchedulerHealth>);

impl SchedulerWatch {
    /// What the scheduler has done so far.
    #[must_use]
    pub fn health(&self) -> SchedulerHealth {
        self.0.borrow().clone()
    }
}

impl SchedulerHandle {
    /// What the scheduler has done so far.
    #[must_use]
    pub fn health(&self) -> SchedulerHealth {
        self.health.borrow().clone()
    }

    /// A cloneable view of the scheduler's health.
    #[must_use]
    pub fn watch(&self) -> SchedulerWatch {
        SchedulerWatch(self.health.clone())
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
        // Judged on the value `wait_for` holds: borrowing the channel a
        // second time while that guard lives deadlocks as soon as the
        // scheduler waits to publish (the lock lets no new reader in
        // while a writer waits).
        match waited {
            Ok(Ok(seen)) => done(&seen),
            _ => false,
        }
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
