//! Rows this library cannot decode (written by another tool, or under older
//! rules): strict reads name them, lenient reads return them in their place,
//! and a projection's error policy decides what happens, with an operator's
//! way past them that does not edit history.

#[cfg(test)]
mod common;

use common::Tick;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{TestResult, event, id};
use eventcore::{
    GlobalPosition, RecordedEvent, StoreError,
    projection::{
        ErrorPolicy, Projection, ProjectionRunner, ProjectionStatus, RunnerConfig, SkipCause,
    },
    store::{AppendBatch, EventFilter, EventStore, ExpectedVersion},
};
use eventcore_postgres::{PostgresStore, sqlx};

const WAIT: Duration = Duration::from_secs(20);

/// Appends one `Tick` per stream `tick-<n>` for `n` in `1..=count`; returns
/// their positions.
async fn ticks(store: &PostgresStore, count: i64) -> Result<Vec<GlobalPosition>, StoreError> {
    let mut positions = Vec::new();
    for n in 1..=count {
        let written = store
            .append(AppendBatch::single(
                id(&format!("tick-{n}")),
                ExpectedVersion::NO_STREAM,
                vec![event("Tick", &serde_json::json!({ "n": n }))],
            ))
            .await?;
        positions.extend(written.events.iter().map(|e| e.position));
    }
    Ok(positions)
}

/// Spoils stored rows the way a foreign tool would, going around the
/// immutability triggers (as a superuser may) in one transaction.
async fn spoil(store: &PostgresStore, set: &str, stream: &str) -> TestResult {
    sqlx::raw_sql(&format!(
        "BEGIN; SET LOCAL session_replication_role = replica; \
         UPDATE \"{s}\".events SET {set} WHERE stream_id = '{stream}'; COMMIT;",
        s = store.schema()
    ))
    .execute(store.pool())
    .await?;
    Ok(())
}

#[tokio::test]
async fn undecodable_metadata_is_reported_with_stream_and_version() -> TestResult {
    let store = common::fresh_store().await?;
    let positions = ticks(&store, 3).await?;
    spoil(&store, r#"metadata = '{"event_id": 42}'"#, "tick-2").await?;

    let err = store
        .read_streams(&[id("tick-2")])
        .await
        .expect_err("bad metadata");
    let text = err.to_string();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(
        text.contains("tick-2") && text.contains("version 1"),
        "{text}"
    );

    let err = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10)
        .await
        .expect_err("bad");
    let text = err.to_string();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(
        text.contains(&positions[1].to_string()),
        "names the position: {text}"
    );

    let entries = store
        .read_all_lenient(GlobalPosition::START, &EventFilter::all(), 10)
        .await?;
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(entries[0].is_ok() && entries[2].is_ok(), "{entries:?}");
    let row = entries[1].as_ref().expect_err("the spoiled row");
    assert_eq!(row.position(), positions[1]);
    assert_eq!(row.stream(), "tick-2");
    assert_eq!(row.event_type(), "Tick");
    assert!(row.event_id().is_some(), "the event id column still reads");
    assert!(row.reason().contains("metadata"), "{}", row.reason());
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn a_row_whose_stream_id_breaks_todays_rules_is_returned_in_its_place() -> TestResult {
    let store = common::fresh_store().await?;
    let positions = ticks(&store, 2).await?;
    // A right-to-left override, accepted by older versions.
    spoil(&store, "stream_id = 'tick-\u{202e}1'", "tick-1").await?;
    let entries = store
        .read_all_lenient(GlobalPosition::START, &EventFilter::all(), 10)
        .await?;
    let row = entries[0].as_ref().expect_err("the spoiled row");
    assert_eq!(row.position(), positions[0]);
    assert_eq!(row.stream(), "tick-\u{202e}1", "the stream id as stored");
    assert!(row.reason().contains("stream id"), "{}", row.reason());
    assert!(entries[1].is_ok(), "{entries:?}");
    common::drop_schema(&store).await;
    Ok(())
}

/// Records every tick it applies.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<i64>>>);

impl Seen {
    fn get(&self) -> Vec<i64> {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Projection for Seen {
    type Event = Tick;
    type Error = std::convert::Infallible;

    fn name(&self) -> &'static str {
        "seen"
    }

    async fn apply(&mut self, events: &[RecordedEvent<Tick>]) -> Result<(), Self::Error> {
        if let Ok(mut seen) = self.0.lock() {
            seen.extend(events.iter().map(|e| e.payload().n));
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Self::Error> {
        if let Ok(mut seen) = self.0.lock() {
            seen.clear();
        }
        Ok(())
    }
}

fn config() -> RunnerConfig {
    RunnerConfig::default()
        .poll_interval(Duration::from_millis(100))
        .lease_ttl(Duration::from_millis(600))
}

#[tokio::test]
async fn a_poisoned_row_stops_a_stop_projection_and_the_skip_list_gets_it_past() -> TestResult {
    let store = common::fresh_store().await?;
    let positions = ticks(&store, 5).await?;
    spoil(&store, r#"metadata = '"not metadata"'"#, "tick-3").await?;

    // Stop: the runner fails before the row, and says how to go on.
    let seen = Seen::default();
    let handle = ProjectionRunner::new(
        store.clone(),
        seen.clone(),
        config().error_policy(ErrorPolicy::Stop),
    )
    .start();
    let failed = async {
        while !matches!(handle.health().status, ProjectionStatus::Failed { .. }) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(WAIT, failed).await?;
    let ProjectionStatus::Failed { error } = handle.health().status else {
        unreachable!("waited for Failed")
    };
    assert!(
        error.contains(&positions[2].to_string()) && error.contains("skip_positions"),
        "{error}"
    );
    assert!(handle.shutdown().await.is_err());
    assert_eq!(seen.get(), vec![1, 2]);

    // The operator lists the position: the same policy now goes on.
    let handle = ProjectionRunner::new(
        store.clone(),
        seen.clone(),
        config()
            .error_policy(ErrorPolicy::Stop)
            .skip_positions([positions[2]]),
    )
    .start();
    assert!(
        handle.wait_for_position(positions[4], WAIT).await,
        "{:?}",
        handle.health()
    );
    assert_eq!(seen.get(), vec![1, 2, 4, 5]);
    let health = handle.health();
    assert_eq!(health.skip_positions, vec![positions[2]]);
    assert_eq!(health.skipped.len(), 1, "{:?}", health.skipped);
    assert_eq!(health.skipped[0].cause, SkipCause::Listed);
    assert_eq!(health.skipped[0].stream, "tick-3");
    assert!(health.skipped[0].event_id.is_some());
    handle.shutdown().await?;
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn a_poisoned_row_is_skipped_and_recorded_under_skip() -> TestResult {
    let store = common::fresh_store().await?;
    let positions = ticks(&store, 4).await?;
    spoil(&store, "metadata = '[]'", "tick-2").await?;
    let seen = Seen::default();
    let handle = ProjectionRunner::new(
        store.clone(),
        seen.clone(),
        config().error_policy(ErrorPolicy::Skip),
    )
    .start();
    assert!(
        handle.wait_for_position(positions[3], WAIT).await,
        "{:?}",
        handle.health()
    );
    assert_eq!(seen.get(), vec![1, 3, 4]);
    let skipped = handle.health().skipped;
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].position, positions[1]);
    assert_eq!(skipped[0].cause, SkipCause::Undecodable);
    assert!(skipped[0].event_id.is_some());
    handle.shutdown().await?;
    common::drop_schema(&store).await;
    Ok(())
}
