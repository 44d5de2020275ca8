//! The banking domain behind a small HTTP API (axum): commands as POST
//! endpoints that honour an `Idempotency-Key` header, balances from the
//! projection, `/health` (the [`HealthReport`](eventcore::health::HealthReport),
//! 200 or 503) and `/metrics` (Prometheus text).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `POST /accounts` | `{"account", "owner", "initial_deposit_cents"}` | 201 |
//! | `POST /accounts/{id}/deposits` | `{"amount_cents"}` | 200 |
//! | `POST /accounts/{id}/withdrawals` | `{"amount_cents"}` | 200 |
//! | `POST /transfers` | `{"from", "to", "amount_cents"}` | 200 |
//! | `GET /accounts/{id}` | | the balance from the projection |
//! | `GET /health` | | the health report |
//! | `GET /metrics` | | every metric, Prometheus text format |
//!
//! A command answers `{"events", "replayed", "position"}`; with the same
//! `Idempotency-Key` again, the same answer with `"replayed": true` and
//! nothing written. Errors answer `{"error"}` with 400 (invalid input), 404
//! (no such account), 409 (the account exists), 422 (a business rule, or a
//! key reused for another request) or 503 (try again with the same key).

mod errors;
mod handlers;

use std::sync::Arc;

use axum::{
    Router,
    routing::{get, post},
};
use eventcore::{
    CommandExecutor, SnapshotPolicy,
    health::HealthCheck,
    store::{EventStore, SnapshotStore},
};
use metrics_exporter_prometheus::PrometheusHandle;

pub use errors::ApiError;

use crate::banking::BalanceProjection;

/// What every request shares.
pub struct App<S> {
    executor: CommandExecutor<S>,
    balances: BalanceProjection,
    health: Arc<HealthCheck>,
    metrics: PrometheusHandle,
}

impl<S: Clone> Clone for App<S> {
    fn clone(&self) -> Self {
        Self {
            executor: self.executor.clone(),
            balances: self.balances.clone(),
            health: Arc::clone(&self.health),
            metrics: self.metrics.clone(),
        }
    }
}

impl<S: EventStore + SnapshotStore + Clone + 'static> App<S> {
    /// The service on `store`: commands through an executor that keeps
    /// accounts in snapshots, balances read from `balances` (a projection
    /// the caller runs), health from `health`, metrics rendered by
    /// `metrics` (the installed Prometheus recorder's handle).
    pub fn new(
        store: S,
        balances: BalanceProjection,
        health: HealthCheck,
        metrics: PrometheusHandle,
    ) -> Self {
        Self {
            executor: CommandExecutor::new(store).snapshots(SnapshotPolicy::default()),
            balances,
            health: Arc::new(health),
            metrics,
        }
    }

    /// The routes.
    pub fn router(self) -> Router {
        Router::new()
            .route("/accounts", post(handlers::open::<S>))
            .route("/accounts/{id}", get(handlers::balance::<S>))
            .route("/accounts/{id}/deposits", post(handlers::deposit::<S>))
            .route("/accounts/{id}/withdrawals", post(handlers::withdraw::<S>))
            .route("/transfers", post(handlers::transfer::<S>))
            .route("/health", get(handlers::health::<S>))
            .route("/metrics", get(handlers::metrics::<S>))
            .with_state(self)
    }
}
