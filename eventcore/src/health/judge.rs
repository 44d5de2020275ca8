//! How a component's own health is judged: a projection against the
//! thresholds, a scheduler by what it reports.

use crate::health::report::ComponentHealth;
use crate::health::report::ComponentKind;
use crate::health::report::HealthStatus;
use crate::health::report::HealthThresholds;
use crate::{
    process::SchedulerHealth,
    projection::{ProjectionHealth, ProjectionStatus},
};

/// A scheduler's component.
pub(super) fn scheduler(health: &SchedulerHealth) -> ComponentHealth {
    let mut component =
        ComponentHealth::new(&health.queue, ComponentKind::Scheduler, HealthStatus::Up);
    component.holds_lease = Some(health.holds_lease);
    component.last_error.clone_from(&health.last_error);
    if health.finished {
        component.status = HealthStatus::Down;
        component.detail = Some("stopped".to_owned());
    } else if health.retrying > 0 {
        component.status = HealthStatus::Degraded;
        component.detail = Some(format!(
            "{} message(s) failed to fire and wait to be retried",
            health.retrying
        ));
    }
    component
}

/// A projection's component, judged against `thresholds`.
pub(super) fn projection(
    health: &ProjectionHealth,
    thresholds: &HealthThresholds,
) -> ComponentHealth {
    let mut component =
        ComponentHealth::new(&health.name, ComponentKind::Projection, HealthStatus::Up);
    component.position = Some(health.position.value());
    component.head = Some(health.head.value());
    component.lag_events = Some(health.lag);
    component.holds_lease = Some(health.holds_lease);
    let behind = (health.lag > 0)
        .then_some(health.since_last_event)
        .flatten();
    component.lag_seconds = Some(behind.map_or(0.0, |b| b.as_secs_f64()));
    let (runner, status, detail) = match &health.status {
        ProjectionStatus::Starting => ("starting", HealthStatus::Up, None),
        ProjectionStatus::Standby => (
            "standby",
            HealthStatus::Up,
            Some(format!(
                "standby: another runner holds the lease (this one is {})",
                health.holder
            )),
        ),
        ProjectionStatus::CatchingUp => ("catching_up", HealthStatus::Up, None),
        ProjectionStatus::Live => ("live", HealthStatus::Up, None),
        ProjectionStatus::Paused => (
            "paused",
            HealthStatus::Degraded,
            Some("paused on request".to_owned()),
        ),
        ProjectionStatus::Retrying { attempt, error } => {
            component.last_error = Some(error.clone());
            (
                "retrying",
                HealthStatus::Degraded,
                Some(format!("retrying after {attempt} failure(s) in a row")),
            )
        }
        ProjectionStatus::Failed { error } => {
            component.last_error = Some(error.clone());
            ("failed", HealthStatus::Down, Some("failed".to_owned()))
        }
        ProjectionStatus::Stopped => ("stopped", HealthStatus::Down, Some("stopped".to_owned())),
    };
    component.runner = Some(runner);
    component.status = status;
    component.detail = detail;
    if status == HealthStatus::Up {
        if health.lag > thresholds.lag_events {
            component.status = HealthStatus::Degraded;
            component.detail = Some(format!(
                "{} events behind (more than {})",
                health.lag, thresholds.lag_events
            ));
        } else if behind.is_some_and(|b| b > thresholds.lag_seconds) {
            component.status = HealthStatus::Degraded;
            component.detail = Some(format!(
                "behind, and no event processed for {:.0} s (more than {:.0} s)",
                behind.map_or(0.0, |b| b.as_secs_f64()),
                thresholds.lag_seconds.as_secs_f64()
            ));
        }
    }
    if let Some(held) = &health.held_back {
        component.stall = Some(held.to_string());
        if status == HealthStatus::Up && held.held_for().is_some_and(|open| open > thresholds.stall)
        {
            component.status = HealthStatus::Degraded;
            component.detail = Some(format!("held back: {held}"));
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheduler_is_down_once_stopped_and_degraded_while_messages_wait() {
        let firing = SchedulerHealth {
            queue: "payments".to_owned(),
            holds_lease: true,
            ..SchedulerHealth::default()
        };
        assert_eq!(scheduler(&firing).status, HealthStatus::Up);
        let failing = SchedulerHealth {
            retrying: 2,
            last_error: Some("card declined service down".to_owned()),
            ..firing.clone()
        };
        let component = scheduler(&failing);
        assert_eq!(component.status, HealthStatus::Degraded);
        assert_eq!(
            component.last_error.as_deref(),
            Some("card declined service down")
        );
        let stopped = SchedulerHealth {
            finished: true,
            ..firing
        };
        assert_eq!(scheduler(&stopped).status, HealthStatus::Down);
        assert_eq!(scheduler(&stopped).kind, ComponentKind::Scheduler);
    }
}
