//! The runner's metrics (see [`crate::metrics`]): its position, head, lag,
//! lease and status as gauges, from the health it publishes.

use std::time::Instant;

use super::Task;
use crate::projection::{CheckpointedProjection, ProjectionStatus, SkipCause};

/// Every status, by its label, for the status gauge.
const STATUSES: [&str; 8] = [
    "starting",
    "standby",
    "catching_up",
    "live",
    "paused",
    "retrying",
    "failed",
    "stopped",
];

/// The label of `status`.
const fn status_label(status: &ProjectionStatus) -> &'static str {
    match status {
        ProjectionStatus::Starting => "starting",
        ProjectionStatus::Standby => "standby",
        ProjectionStatus::CatchingUp => "catching_up",
        ProjectionStatus::Live => "live",
        ProjectionStatus::Paused => "paused",
        ProjectionStatus::Retrying { .. } => "retrying",
        ProjectionStatus::Failed { .. } => "failed",
        ProjectionStatus::Stopped => "stopped",
    }
}

/// `value` as a gauge's `f64`: exact below 2^53, which positions and
/// counts stay far below.
fn as_gauge(value: u64) -> f64 {
    f64::from((value >> 32) as u32) * 4_294_967_296.0 + f64::from(value as u32)
}

/// The label of a skip's cause.
pub(super) const fn cause_label(cause: SkipCause) -> &'static str {
    match cause {
        SkipCause::Failed => "failed",
        SkipCause::Undecodable => "undecodable",
        SkipCause::Listed => "listed",
    }
}

impl<S, P: CheckpointedProjection> Task<S, P> {
    /// Sets the gauges from the health last published.
    pub(super) fn report_gauges(&mut self) {
        let name = self.projection.name().to_owned();
        let (position, head, lag, status) = {
            let state = self.state.borrow();
            let health = &state.health;
            (
                health.position.value(),
                health.head.value(),
                health.lag,
                status_label(&health.status),
            )
        };
        let lease_held = self
            .state
            .borrow()
            .lease_valid_until
            .is_some_and(|until| Instant::now() < until);
        if lag == 0 {
            self.behind_since = None;
        } else if self.behind_since.is_none() {
            self.behind_since = Some(Instant::now());
        }
        let behind = self
            .behind_since
            .map_or(0.0, |at| at.elapsed().as_secs_f64());
        metrics::gauge!("eventcore_projection_position", "projection" => name.clone())
            .set(as_gauge(position));
        metrics::gauge!("eventcore_projection_head", "projection" => name.clone())
            .set(as_gauge(head));
        metrics::gauge!("eventcore_projection_lag_events", "projection" => name.clone())
            .set(as_gauge(lag));
        metrics::gauge!("eventcore_projection_lag_seconds", "projection" => name.clone())
            .set(behind);
        metrics::gauge!("eventcore_projection_lease_held", "projection" => name.clone())
            .set(if lease_held { 1.0 } else { 0.0 });
        for label in STATUSES {
            metrics::gauge!(
                "eventcore_projection_status",
                "projection" => name.clone(),
                "status" => label,
            )
            .set(if label == status { 1.0 } else { 0.0 });
        }
    }

    /// Counts events applied.
    pub(super) fn count_applied(&self, events: u64) {
        let name = self.projection.name().to_owned();
        metrics::counter!("eventcore_projection_events_applied_total", "projection" => name)
            .increment(events);
    }

    /// Counts a failed batch or store operation.
    pub(super) fn count_error(&self) {
        let name = self.projection.name().to_owned();
        metrics::counter!("eventcore_projection_errors_total", "projection" => name).increment(1);
    }

    /// Counts a skipped event.
    pub(super) fn count_skip(&self, cause: SkipCause) {
        let name = self.projection.name().to_owned();
        metrics::counter!(
            "eventcore_projection_events_skipped_total",
            "projection" => name,
            "cause" => cause_label(cause),
        )
        .increment(1);
    }
}
