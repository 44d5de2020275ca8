//! The health report on PostgreSQL: a reachable database is up, an
//! unreachable one is down with the reason, within the store timeout.

#![cfg(test)]

mod common;

use std::time::{Duration, Instant};

use eventcore::health::{HealthCheck, HealthStatus, HealthThresholds};
use eventcore_postgres::PostgresConfig;

#[tokio::test]
async fn a_reachable_database_is_up_and_an_unreachable_one_is_down() {
    let store = common::fresh_store().await.unwrap();
    let report = HealthCheck::new()
        .store("events", store.clone())
        .report()
        .await;
    assert_eq!(report.status, HealthStatus::Up, "{report:?}");
    common::drop_schema(&store).await;

    // Nothing listens on port 1.
    let unreachable = PostgresConfig::from_url("postgres://postgres@127.0.0.1:1/postgres")
        .connect_lazy()
        .unwrap();
    let check = HealthCheck::new()
        .store("events", unreachable)
        .thresholds(HealthThresholds::default().store_timeout(Duration::from_secs(3)));
    let started = Instant::now();
    let report = check.report().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(report.status, HealthStatus::Down, "{report:?}");
    assert_eq!(report.http_status(), 503);
    let component = &report.components[0];
    // The reason, as the driver gives it.
    assert!(
        component
            .last_error
            .as_deref()
            .is_some_and(|e| e.to_lowercase().contains("refused")),
        "{report:?}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["components"][0]["status"], "down");
}
