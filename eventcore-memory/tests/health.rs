//! The health report: up when the store answers and the projections are
//! live; degraded when a projection is paused, retrying or too far behind;
//! down when one has failed; and its JSON.

#![cfg(test)]

use std::{convert::Infallible, time::Duration};

use eventcore::{
    CommandExecutor, GlobalPosition, RecordedEvent,
    health::{ComponentKind, HealthCheck, HealthStatus, HealthThresholds},
    projection::{ErrorPolicy, Projection, ProjectionRunner, ProjectionStatus, RunnerConfig},
};
use eventcore_examples::banking::{
    AccountId, BalanceProjection, BankEvent, Money, OpenAccount, Owner,
};
use eventcore_memory::MemoryStore;

async fn open(store: &MemoryStore, names: &[&str]) {
    let executor = CommandExecutor::new(store.clone());
    for name in names {
        executor
            .execute(OpenAccount {
                account: AccountId::try_new(*name).unwrap(),
                owner: Owner::try_new("Ada").unwrap(),
                initial_deposit: Money::ZERO,
            })
            .await
            .unwrap();
    }
}

/// A projection whose every batch fails.
struct Broken;

#[derive(Debug, thiserror::Error)]
#[error("the read model's disk is full")]
struct DiskFull;

impl Projection for Broken {
    type Event = BankEvent;
    type Error = DiskFull;

    fn name(&self) -> &'static str {
        "broken"
    }

    async fn apply(&mut self, _: &[RecordedEvent<BankEvent>]) -> Result<(), DiskFull> {
        Err(DiskFull)
    }

    async fn reset(&mut self) -> Result<(), DiskFull> {
        Ok(())
    }
}

#[tokio::test]
async fn a_live_projection_on_a_store_that_answers_is_up() {
    let store = MemoryStore::new();
    open(&store, &["alice", "bob"]).await;
    let runner = ProjectionRunner::new(
        store.clone(),
        BalanceProjection::new(),
        RunnerConfig::default(),
    )
    .start();
    assert!(
        runner
            .wait_for_position(GlobalPosition::new(2), Duration::from_secs(5))
            .await
    );
    let health = HealthCheck::new()
        .store("events", store.clone())
        .projection(runner.watch());
    let report = health.report().await;
    assert_eq!(report.status, HealthStatus::Up, "{report:?}");
    assert_eq!(report.http_status(), 200);
    let [events, balances] = &report.components[..] else {
        panic!("{report:?}")
    };
    assert_eq!(
        (events.kind, events.status),
        (ComponentKind::Store, HealthStatus::Up)
    );
    assert_eq!(balances.kind, ComponentKind::Projection);
    assert_eq!(balances.position, Some(2));
    assert_eq!(balances.lag_events, Some(0));
    assert_eq!(balances.holds_lease, Some(true));

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["status"], "up");
    assert_eq!(json["components"][1]["name"], BalanceProjection::NAME);
    assert_eq!(json["components"][1]["runner"], "live");
    assert!(json["components"][1].get("last_error").is_none());

    // Paused on request: degraded, still 200.
    runner.pause().await;
    let report = health.report().await;
    assert_eq!(report.status, HealthStatus::Degraded);
    assert_eq!(
        report.components[1].detail.as_deref(),
        Some("paused on request")
    );
    assert_eq!(report.http_status(), 200);
    runner.resume().await;

    // Stopped: down, 503; the watch outlives the handle.
    runner.shutdown().await.unwrap();
    let report = health.report().await;
    assert_eq!(report.status, HealthStatus::Down);
    assert_eq!(report.http_status(), 503);
    assert_eq!(report.components[1].runner, Some("stopped"));
}

#[tokio::test]
async fn a_failing_projection_is_degraded_while_it_retries_and_down_once_stopped() {
    let store = MemoryStore::new();
    open(&store, &["alice"]).await;
    let retrying = ProjectionRunner::new(
        store.clone(),
        Broken,
        RunnerConfig::default().error_policy(
            ErrorPolicy::retry_then_stop(1_000)
                .with_backoff(Duration::from_secs(5), Duration::from_secs(5)),
        ),
    )
    .start();
    let health = HealthCheck::new().projection(retrying.watch());
    let mut report = health.report().await;
    for _ in 0..200 {
        if report.components[0].runner == Some("retrying") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        report = health.report().await;
    }
    assert_eq!(report.status, HealthStatus::Degraded, "{report:?}");
    assert!(
        report.components[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("the read model's disk is full")),
        "{report:?}"
    );
    retrying.shutdown().await.ok();

    let stopping = ProjectionRunner::new(
        store.clone(),
        Broken,
        RunnerConfig::default().error_policy(ErrorPolicy::Stop),
    )
    .start();
    let watch = stopping.watch();
    for _ in 0..200 {
        if matches!(watch.health().status, ProjectionStatus::Failed { .. }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let health = HealthCheck::new().projection(watch);
    assert!(stopping.shutdown().await.is_err());
    let report = health.report().await;
    assert_eq!(report.status, HealthStatus::Down);
    assert_eq!(report.components[0].runner, Some("failed"));
    assert!(
        report.components[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("the read model's disk is full")),
        "{report:?}"
    );
}

/// A projection that takes its time over every batch.
struct Slow;

impl Projection for Slow {
    type Event = BankEvent;
    type Error = Infallible;

    fn name(&self) -> &'static str {
        "slow"
    }

    async fn apply(&mut self, _: &[RecordedEvent<BankEvent>]) -> Result<(), Infallible> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

#[tokio::test]
async fn a_projection_too_far_behind_is_degraded() {
    let store = MemoryStore::new();
    open(&store, &["a", "b", "c", "d", "e", "f"]).await;
    let runner =
        ProjectionRunner::new(store.clone(), Slow, RunnerConfig::default().batch_size(1)).start();
    let watch = runner.watch();
    for _ in 0..200 {
        if watch.health().lag >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let lag = watch.health().lag;
    assert!(lag >= 5, "lag {lag}");
    let check = HealthCheck::new().projection(watch);
    // Within the default thresholds: catching up is up.
    assert_eq!(check.report().await.status, HealthStatus::Up);
    let strict = check.thresholds(HealthThresholds::default().lag_events(3));
    let report = strict.report().await;
    let component = &report.components[0];
    assert_eq!(component.status, HealthStatus::Degraded, "{report:?}");
    assert!(
        component
            .detail
            .as_deref()
            .is_some_and(|d| d.ends_with("events behind (more than 3)")),
        "{report:?}"
    );
    runner.shutdown().await.unwrap();
}

#[test]
fn thresholds_default_as_documented() {
    let t = HealthThresholds::default();
    assert_eq!(t.store_timeout, Duration::from_secs(2));
    assert_eq!(t.lag_events, 10_000);
    assert_eq!(t.lag_seconds, Duration::from_mins(1));
    assert_eq!(t.stall, Duration::from_secs(10));
}
