//! The scheduler's loop: take or renew the lease, fire what is due, sleep
//! until the next message or the poll interval. A message whose firing
//! fails is tried again after its own backoff, while the others fire; a
//! failing store makes the whole loop back off.

use std::{collections::HashMap, time::Duration};

use tokio::time::Instant;

use tokio::sync::watch;

use super::{ScheduleHandler, Scheduler, SchedulerHealth};
use crate::{
    error::StoreError,
    process::Commands,
    serialization::EventSerializer,
    store::{EventStore, Lease, LeaseStore, ScheduleStore, Settled},
    types::{IdempotencyKey, Timestamp},
};

/// The messages whose firing failed: how often, and when to try again.
#[derive(Default)]
struct Retries {
    by_id: HashMap<IdempotencyKey, (u32, Instant)>,
}

impl Retries {
    /// Whether `id` waits for its next try at `now`.
    fn waiting(&self, id: &IdempotencyKey, now: Instant) -> bool {
        self.by_id.get(id).is_some_and(|(_, next)| *next > now)
    }

    /// Records a failed firing of `id`: the wait before the next try starts
    /// at 100 ms and doubles, up to `max`.
    fn failed(&mut self, id: &IdempotencyKey, now: Instant, max: Duration) {
        let failures = self.by_id.get(id).map_or(1, |(n, _)| n.saturating_add(1));
        let wait = Duration::from_millis(100)
            .saturating_mul(1_u32 << (failures - 1).min(16))
            .min(max);
        self.by_id.insert(id.clone(), (failures, now + wait));
    }

    /// The earliest next try, if any message waits.
    fn next_try(&self) -> Option<Instant> {
        self.by_id.values().map(|(_, next)| *next).min()
    }
}

/// The scheduler's loop.
pub(super) async fn run<S, H, Ser>(
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
    let mut retries = Retries::default();
    let mut backoff = Duration::ZERO;
    while !*stopped.borrow() {
        let held = Held {
            queue: &queue,
            lease_name: &lease_name,
            lease: &mut lease,
            retries: &mut retries,
        };
        let wait = match round(&mut scheduler, held, &report).await {
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

/// What the loop keeps between rounds.
struct Held<'a> {
    queue: &'a str,
    lease_name: &'a str,
    lease: &'a mut Option<Lease>,
    retries: &'a mut Retries,
}

/// Takes or renews the lease, fires what is due, and says how long to
/// sleep. A failed firing leaves its message pending, to be tried again
/// after its own backoff, and the others are still fired; a store error
/// (recorded in the health) makes the caller back off.
async fn round<S, H, Ser>(
    scheduler: &mut Scheduler<S, H, Ser>,
    held: Held<'_>,
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
    let Held {
        queue,
        lease_name,
        lease,
        retries,
    } = held;
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
    // Messages waiting for a retry are fetched too, and passed over, so
    // they never take the places of the others.
    let limit = config.batch_size.saturating_add(retries.by_id.len());
    let due = store
        .due_messages(queue, Timestamp::now(), limit)
        .await
        .map_err(store_failed)?;
    if due.len() < limit {
        // Every due message is in hand: forget retries of the others
        // (settled meanwhile, by another scheduler say).
        retries
            .by_id
            .retain(|id, _| due.iter().any(|m| m.id() == id));
    }
    let mut fired = 0_usize;
    for message in &due {
        let now = Instant::now();
        if retries.waiting(message.id(), now) {
            continue;
        }
        let mut commands = Commands::for_message(executor, message);
        if let Err(error) = handler.fire(message, &mut commands).await {
            let _ = failed(
                report,
                &format_args!("firing scheduled message {} failed: {error}", message.id()),
            );
            retries.failed(message.id(), now, config.max_backoff);
            continue;
        }
        store
            .settle(message.id(), Settled::Fired)
            .await
            .map_err(store_failed)?;
        retries.by_id.remove(message.id());
        fired += 1;
        report.send_modify(|h| h.fired += 1);
        tracing::debug!(id = %message.id(), "scheduled message fired");
    }
    report.send_if_modified(|h| {
        let changed = h.retrying != retries.by_id.len();
        h.retrying = retries.by_id.len();
        changed
    });
    if due.len() >= limit && fired > 0 {
        return Ok(Round::More);
    }
    // A next due time already past belongs to a message waiting for its
    // retry: the retry's own time counts for it.
    let now = Instant::now();
    let until_next = store
        .next_due(queue)
        .await
        .map_err(store_failed)?
        .and_then(|next| {
            (next.into_inner() - Timestamp::now().into_inner())
                .to_std()
                .ok()
        });
    let until_retry = retries
        .next_try()
        .map(|at| at.saturating_duration_since(now));
    let idle = config.sleep_between_rounds();
    let wait = [until_next, until_retry]
        .into_iter()
        .flatten()
        .fold(idle, Duration::min);
    Ok(Round::Wait(wait))
}
