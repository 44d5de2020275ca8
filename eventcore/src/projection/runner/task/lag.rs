//! Counting how far behind the head the runner is.

use std::time::{Duration, Instant};

use super::Task;
use crate::{
    error::StoreError,
    projection::CheckpointedProjection,
    store::{EventStore, LeaseStore},
    types::GlobalPosition,
};

/// The most events [`ProjectionHealth::lag`](crate::projection::ProjectionHealth)
/// counts; a bigger backlog is reported as this many.
const LAG_CAP: u64 = 1_000_000;

/// How often the lag is recounted while catching up.
const LAG_REFRESH: Duration = Duration::from_secs(1);

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
}
