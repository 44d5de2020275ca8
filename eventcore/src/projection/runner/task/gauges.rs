//! The runner's metrics (see [`crate::metrics`]): its position, head, lag,
//! lease and status as gauges, from the health it publishes.

use std::time::Instant;

use metrics::{Counter, Gauge};

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

/// A runner's metric handles, registered once, when it first records.
pub(super) struct RunnerMetrics {
    position: Gauge,
    head: Gauge,
    lag_events: Gauge,
    lag_seconds: Gauge,
    lease_held: Gauge,
    statuses: [Gauge; STATUSES.len()],
    applied: Counter,
    errors: Counter,
    skipped: [Counter; 3],
}

impl RunnerMetrics {
    fn new(name: &str) -> Self {
        let gauge = |metric: &'static str| metrics::gauge!(metric, "projection" => name.to_owned());
        Self {
            position: gauge("eventcore_projection_position"),
            head: gauge("eventcore_projection_head"),
            lag_events: gauge("eventcore_projection_lag_events"),
            lag_seconds: gauge("eventcore_projection_lag_seconds"),
            lease_held: gauge("eventcore_projection_lease_held"),
            statuses: STATUSES.map(|status| {
                metrics::gauge!(
                    "eventcore_projection_status",
                    "projection" => name.to_owned(),
                    "status" => status,
                )
            }),
            applied: metrics::counter!(
                "eventcore_projection_events_applied_total",
                "projection" => name.to_owned(),
            ),
            errors: metrics::counter!("eventcore_projection_errors_total", "projection" => name.to_owned()),
            skipped: [SkipCause::Failed, SkipCause::Undecodable, SkipCause::Listed].map(|cause| {
                metrics::counter!(
                    "eventcore_projection_events_skipped_total",
                    "projection" => name.to_owned(),
                    "cause" => cause_label(cause),
                )
            }),
        }
    }
}

impl<S, P: CheckpointedProjection> Task<S, P> {
    /// The runner's handles.
    fn metrics(&self) -> &RunnerMetrics {
        self.metrics
            .get_or_init(|| RunnerMetrics::new(self.projection.name()))
    }

    /// Sets the gauges from the health last published.
    pub(super) fn report_gauges(&mut self) {
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
        let metrics = self.metrics();
        metrics.position.set(as_gauge(position));
        metrics.head.set(as_gauge(head));
        metrics.lag_events.set(as_gauge(lag));
        metrics.lag_seconds.set(behind);
        metrics.lease_held.set(if lease_held { 1.0 } else { 0.0 });
        for (label, gauge) in STATUSES.iter().zip(&metrics.statuses) {
            gauge.set(if *label == status { 1.0 } else { 0.0 });
        }
    }

    /// Counts events applied.
    pub(super) fn count_applied(&self, events: u64) {
        self.metrics().applied.increment(events);
    }

    /// Counts a failed batch or store operation.
    pub(super) fn count_error(&self) {
        self.metrics().errors.increment(1);
    }

    /// Counts a skipped event.
    pub(super) fn count_skip(&self, cause: SkipCause) {
        let at = match cause {
            SkipCause::Failed => 0,
            SkipCause::Undecodable => 1,
            SkipCause::Listed => 2,
        };
        self.metrics().skipped[at].increment(1);
    }
}
