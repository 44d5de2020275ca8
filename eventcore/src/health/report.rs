//! What a health report says: statuses, components, thresholds.

use std::time::Duration;

use serde::Serialize;

use crate::types::Timestamp;

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
    /// A scheduler of timed messages.
    Scheduler,
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
    pub(crate) fn new(name: &str, kind: ComponentKind, status: HealthStatus) -> Self {
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
