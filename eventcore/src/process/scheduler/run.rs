//! The scheduler's loop: take or renew the lease, fire what is due, sleep
//! until the next message or the poll interval, back off after failures.

use std::time::Duration;

use tokio::sync::watch;

use super::{ScheduleHandler, Scheduler, SchedulerHealth};
use crate::{
    error::StoreError,
    process::Commands,
    serialization::EventSerializer,
    store::{EventStore, Lease, LeaseStore, ScheduleStore, Settled},
    types::Timestamp,
};

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
