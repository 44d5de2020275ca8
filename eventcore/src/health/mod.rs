//! Health: one report of the store's reachability and every registered
//! projection's status, lag, last error and stall cause, with an overall
//! status, serializable to JSON.
//!
//! | component | up | degraded | down |
//! |---|---|---|---|
//! | store | answered within [`store_timeout`](HealthThresholds::store_timeout) | | failed or timed out |
//! | projection | starting, in standby, catching up or live within the thresholds | retrying, paused, more than [`lag_events`](HealthThresholds::lag_events) behind, behind for longer than [`lag_seconds`](HealthThresholds::lag_seconds), or held back by a write open longer than [`stall`](HealthThresholds::stall) | failed or stopped |
//! | scheduler | firing (or in standby) | messages waiting to be retried after failing to fire | stopped |
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

mod judge;
mod report;

use std::{fmt, future::Future, pin::Pin};

use self::judge::{projection, scheduler};
pub use self::report::{
    ComponentHealth, ComponentKind, HealthReport, HealthStatus, HealthThresholds,
};

use crate::{
    error::StoreError, process::SchedulerWatch, projection::ProjectionWatch, store::EventStore,
    types::Timestamp,
};

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
    schedulers: Vec<SchedulerWatch>,
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
            .field("schedulers", &self.schedulers.len())
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

    /// Reports on a scheduler (see
    /// [`SchedulerHandle::watch`](crate::process::SchedulerHandle::watch)):
    /// down once stopped, degraded while messages wait to be retried.
    #[must_use]
    pub fn scheduler(mut self, watch: SchedulerWatch) -> Self {
        self.schedulers.push(watch);
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
        components.extend(
            self.schedulers
                .iter()
                .map(|watch| scheduler(&watch.health())),
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
