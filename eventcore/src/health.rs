//! Health: one report of the store's reachability and every registered
//! projection's status, lag, last error and stall cause, with an overall
//! status, serializable to JSON.
//!
//! | component | up | degraded | down |
//! |---|---|---|---|
//! | store | answered within [`store_timeout`](HealthThresholds::store_timeout) | | failed or timed out |
//! | projection | starting, in standby, catching up or live within the thresholds | retrying, paused, more than [`lag_events`](HealthThresholds::lag_events) behind, behind for longer than [`lag_seconds`](HealthThresholds::lag_seconds), or held back by a write open longer than [`stall`](HealthThresholds::stall) | failed or stopped |
//!
//! The overall status is the worst component's. Serve it as an HTTP health
//! endpoint with 200 for `up` and `degraded` and 503 for `down`.
//!
//! Register the stores and the runners (through
//! [`ProjectionHandle::watch`](crate::projection::ProjectionHandle::watch)),
//! then ask for a report whenever the endpoint is called:
//!
//! ```
//! use eventcore::health::{HealthCheck, HealthStatus};
//! use eventcore_memory::MemoryStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new();
//! // let health = HealthCheck::new().store("events", store).projection(runner.watch());
//! let health = HealthCheck::new().store("events", store);
//!
//! let report = health.report().await;
//! assert_eq!(report.status, HealthStatus::Up);
//! assert_eq!(report.http_status(), 200);
//! let json = serde_json::to_value(&report)?;
//! assert_eq!(json["status"], "up");
//! assert_eq!(json["components"][0]["kind"], "store");
//! # Ok(())
//! # }
//! ```

use std::{fmt, future::Future, pin::Pin, time::Duration};

use serde::Serialize;

use crate::{
    error::StoreError,
    projection::{ProjectionHealth, ProjectionStatus, ProjectionWatch},
    store::EventStore,
    types::Timestamp,
};

/// How healthy a component, or the whole, is. Ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Working.
    Up,
    /// Working, but behind or retrying: look at it.
    Degraded,
    /// Not working.
    Down,
}

/// When a component counts as degraded or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HealthThresholds {
    /// How long the store may take to answer (default 2 s).
    pub store_timeout: Duration,
    /// How many events a projection may be behind (default 10,000).
    pub lag_events: u64,
    /// How long a projection may have been behind without processing an
    /// event (default 60 s).
    pub lag_seconds: Duration,
    /// How long a write may hold a projection back (default 10 s).
    pub stall: Duration,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        Self {
            store_timeout: Duration::from_secs(2),
            lag_events: 10_000,
            lag_seconds: Duration::from_mins(1),
            stall: Duration::from_secs(10),
        }
    }
}

impl HealthThresholds {
    /// Sets [`store_timeout`](Self::store_timeout).
    #[must_use]
    pub const fn store_timeout(mut self, timeout: Duration) -> Self {
        self.store_timeout = timeout;
        self
    }

    /// Sets [`lag_events`](Self::lag_events).
    #[must_use]
    pub const fn lag_events(mut self, events: u64) -> Self {
        self.lag_events = events;
        self
    }

    /// Sets [`lag_seconds`](Self::lag_seconds).
    #[must_use]
    pub const fn lag_seconds(mut self, behind: Duration) -> Self {
        self.lag_seconds = behind;
        self
    }

    /// Sets [`stall`](Self::stall).
    #[must_use]
    pub const fn stall(mut self, held: Duration) -> Self {
        self.stall = held;
        self
    }
}

/// What a component is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    /// An event store.
    Store,
    /// A projection runner.
    Projection,
}

/// One component's health.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ComponentHealth {
    /// The name it was registered under.
    pub name: String,
    /// What it is.
    pub kind: ComponentKind,
    /// How healthy it is.
    pub status: HealthStatus,
    /// Why it is not up, or what it is doing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A projection's runner status (`live`, `catching_up`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner: Option<&'static str>,
    /// A projection's last processed position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// The newest position the projection has seen in the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<u64>,
    /// How many events the projection is behind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_events: Option<u64>,
    /// Seconds since the projection last processed an event, while behind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<f64>,
    /// The error that stopped, or is retrying, the component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The write holding the projection back, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall: Option<String>,
    /// Whether this runner holds the projection's lease.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds_lease: Option<bool>,
}

impl ComponentHealth {
    fn new(name: &str, kind: ComponentKind, status: HealthStatus) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            status,
            detail: None,
            runner: None,
            position: None,
            head: None,
            lag_events: None,
            lag_seconds: None,
            last_error: None,
            stall: None,
            holds_lease: None,
        }
    }
}

/// A health report: the overall status and every component's.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct HealthReport {
    /// The worst component's status (`up` with no component).
    pub status: HealthStatus,
    /// When the report was made.
    pub checked_at: Timestamp,
    /// The components, stores first, in registration order.
    pub components: Vec<ComponentHealth>,
}

impl HealthReport {
    /// The HTTP status code a health endpoint answers with: 200 unless the
    /// status is [`Down`](HealthStatus::Down), 503 then.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        if self.status == HealthStatus::Down {
            503
        } else {
            200
        }
    }
}

type Ping<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;

/// A store that can be asked whether it answers.
trait Reachable: Send + Sync {
    fn ping(&self) -> Ping<'_>;
}

struct StoreProbe<S>(S);

impl<S: EventStore> Reachable for StoreProbe<S> {
    fn ping(&self) -> Ping<'_> {
        Box::pin(async { self.0.head_position().await.map(drop) })
    }
}

/// The components to report on, and the thresholds.
#[derive(Default)]
pub struct HealthCheck {
    stores: Vec<(String, Box<dyn Reachable>)>,
    projections: Vec<ProjectionWatch>,
    thresholds: HealthThresholds,
}

impl fmt::Debug for HealthCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthCheck")
            .field(
                "stores",
                &self.stores.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("projections", &self.projections.len())
            .field("thresholds", &self.thresholds)
            .finish()
    }
}

impl HealthCheck {
    /// A check of nothing yet, with the default thresholds.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reports on `store` as `name`: whether it answers a read of its head
    /// position within the store timeout.
    #[must_use]
    pub fn store<S: EventStore + 'static>(mut self, name: &str, store: S) -> Self {
        self.stores
            .push((name.to_owned(), Box::new(StoreProbe(store))));
        self
    }

    /// Reports on a projection runner (see
    /// [`ProjectionHandle::watch`](crate::projection::ProjectionHandle::watch)).
    #[must_use]
    pub fn projection(mut self, watch: ProjectionWatch) -> Self {
        self.projections.push(watch);
        self
    }

    /// Replaces the thresholds.
    #[must_use]
    pub const fn thresholds(mut self, thresholds: HealthThresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// Checks every component now: each store is pinged (concurrently,
    /// each within the store timeout), each projection's health is read.
    pub async fn report(&self) -> HealthReport {
        let timeout = self.thresholds.store_timeout;
        let pings = self.stores.iter().map(|(name, store)| async move {
            let outcome = tokio::time::timeout(timeout, store.ping()).await;
            let mut component = ComponentHealth::new(name, ComponentKind::Store, HealthStatus::Up);
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    component.status = HealthStatus::Down;
                    component.last_error = Some(error.to_string());
                }
                Err(_) => {
                    component.status = HealthStatus::Down;
                    component.detail =
                        Some(format!("no answer within {:.1} s", timeout.as_secs_f64()));
                }
            }
            component
        });
        let mut components = futures_util::future::join_all(pings).await;
        components.extend(
            self.projections
                .iter()
                .map(|watch| projection(&watch.health(), &self.thresholds)),
        );
        HealthReport {
            status: components
                .iter()
                .map(|c| c.status)
                .max()
                .unwrap_or(HealthStatus::Up),
            checked_at: Timestamp::now(),
            components,
        }
    }
}

/// A projection's component, judged against `thresholds`.
fn projection(health: &ProjectionHealth, thresholds: &HealthThresholds) -> ComponentHealth {
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
