//! Counting how far behind the head the runner is.

use std::time::{Duration, Instant};

use super::Task;
use crate::{
    error::StoreError,
    projection::CheckpointedProjection,
    store::{EventNotifications, EventStore, LeaseStore},
    types::GlobalPosition,
};

/// The most events [`ProjectionHealth::lag`](crate::projection::ProjectionHealth)
/// counts; a bigger backlog is reported as this many.
const LAG_CAP: u64 = 1_000_000;

/// How often the lag is recounted while catching up, and how often a
/// waiting runner asks what holds it back.
const LAG_REFRESH: Duration = Duration::from_secs(1);

/// How long a write may hold a runner back before each check logs it.
const STALL_WARNING: Duration = Duration::from_secs(10);

impl<S, P> Task<S, P>
where
    S: EventStore + LeaseStore + 'static,
    P: CheckpointedProjection,
{
    /// Whether the lag should be recounted: counting costs a query on some
    /// stores, so while behind it is redone at most every [`LAG_REFRESH`].
    pub(super) fn lag_due(&self) -> bool {
        self.lag_counted_at
            .is_none_or(|at| at.elapsed() >= LAG_REFRESH)
    }

    /// Records the head and how many events (at most [`LAG_CAP`]) lie
    /// between `position` and it.
    pub(super) async fn refresh_lag(
        &mut self,
        position: GlobalPosition,
        head: GlobalPosition,
    ) -> Result<(), StoreError> {
        let lag = if position >= head {
            Some(0)
        } else if self.lag_due() {
            self.lag_counted_at = Some(Instant::now());
            Some(self.store.count_events(position, head, LAG_CAP).await?)
        } else {
            None
        };
        self.state.send_modify(|s| {
            s.health.head = head;
            if let Some(lag) = lag {
                s.health.lag = lag;
            }
        });
        Ok(())
    }

    /// Asks the store, at most every [`LAG_REFRESH`], what holds the runner
    /// back while it waits at the head, and shows it in health; a stall
    /// that lasts is logged once a second.
    pub(super) async fn check_held_back(&mut self) -> Result<(), StoreError> {
        if self
            .held_back_checked_at
            .is_some_and(|at| at.elapsed() < LAG_REFRESH)
        {
            return Ok(());
        }
        self.held_back_checked_at = Some(Instant::now());
        let held_back = self.store.held_back().await?;
        if let Some(held) = &held_back
            && held.held_for().is_some_and(|open| open >= STALL_WARNING)
        {
            tracing::warn!(
                projection = self.projection.name(),
                from = %held.from,
                holder = %held.holder,
                "projection held back by a write still in flight: {held}"
            );
        }
        self.state.send_modify(|s| s.health.held_back = held_back);
        Ok(())
    }

    /// Sleeps until `duration` passes or a control message arrives.
    pub(super) async fn idle(&mut self, duration: Duration) {
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            _ = self.control.changed() => {}
        }
    }

    /// Waits at the head for new events, a control message, or the time to
    /// renew the lease or look at the operator's requests.
    pub(super) async fn wait_for_events(
        &mut self,
        notifications: &mut EventNotifications,
        seen: GlobalPosition,
    ) {
        // Wake for new events, a control message, or to renew the lease.
        let wait = self.config.poll_interval.min(self.config.lease_ttl / 3);
        tokio::select! {
            _ = notifications.wait_beyond(seen, wait) => {}
            _ = self.control.changed() => {}
        }
    }
}
