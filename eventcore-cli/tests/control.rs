//! Two processes: a projection runner in this test, and the `eventcore`
//! binary pausing, resuming and rebuilding it through the store.

#![cfg(test)]

use std::{
    process::{Command, Output},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use eventcore::{
    EventMetadata, GlobalPosition, RecordedEvent, SerializedEvent, StreamId,
    projection::{Projection, ProjectionRunner, ProjectionStatus, RunnerConfig},
    store::{AppendBatch, EventFilter, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_postgres::{PostgresConfig, PostgresStore, SchemaName, sqlx};
use serde_json::Value;

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn eventcore(schema: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eventcore"))
        .env("DATABASE_URL", database_url())
        .arg("--schema")
        .arg(schema)
        .args(args)
        .output()
        .unwrap()
}

/// The raw events a projection sees: every type, as JSON.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Any(Value);

impl eventcore::Event for Any {
    const EVENT_TYPES: &'static [&'static str] = &["Tick"];
    fn event_type(&self) -> &'static str {
        "Tick"
    }
}

/// Counts the events it applied and its resets.
#[derive(Clone, Default)]
struct Counter {
    applied: Arc<Mutex<u64>>,
    resets: Arc<AtomicU32>,
}

impl Projection for Counter {
    type Event = Any;
    type Error = std::convert::Infallible;

    fn name(&self) -> &'static str {
        "counter"
    }

    fn filter(&self) -> EventFilter {
        EventFilter::all().with_event_types(["Tick"])
    }

    async fn apply(&mut self, events: &[RecordedEvent<Any>]) -> Result<(), Self::Error> {
        *self.applied.lock().unwrap() += events.len() as u64;
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Self::Error> {
        *self.applied.lock().unwrap() = 0;
        self.resets.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn tick(store: &PostgresStore, n: u64) -> GlobalPosition {
    let batch = AppendBatch::single(
        StreamId::try_new("ticks").unwrap(),
        ExpectedVersion::Any,
        vec![NewEvent::new(
            SerializedEvent::new("Tick", format!("{{\"n\":{n}}}")),
            EventMetadata::new(),
        )],
    );
    store.append(batch).await.unwrap().events[0].position
}

async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} did not happen within 6 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_pauses_resumes_and_rebuilds_a_runner_in_another_process() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!("ec_cli_ctl_{}_{nanos}", std::process::id());
    let store = PostgresConfig::from_url(database_url())
        .schema(SchemaName::try_new(&schema).unwrap())
        .connect()
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let counter = Counter::default();
    let runner = ProjectionRunner::new(
        store.clone(),
        counter.clone(),
        RunnerConfig::default().poll_interval(Duration::from_millis(100)),
    )
    .start();
    let watch = runner.watch();
    let first = tick(&store, 1).await;
    assert!(
        runner
            .wait_for_position(first, Duration::from_secs(5))
            .await
    );

    let paused = eventcore(&schema, &["projections", "pause", "counter", "--json"]);
    assert_eq!(paused.status.code(), Some(0), "{paused:?}");
    let record: Value = serde_json::from_slice(&paused.stdout).unwrap();
    assert_eq!(record["paused"], true);
    eventually("the pause", || {
        watch.health().status == ProjectionStatus::Paused
    })
    .await;
    let second = tick(&store, 2).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(*counter.applied.lock().unwrap(), 1, "applied while paused");

    let resumed = eventcore(&schema, &["projections", "resume", "counter"]);
    assert_eq!(resumed.status.code(), Some(0), "{resumed:?}");
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("counter  running"));
    assert!(
        runner
            .wait_for_position(second, Duration::from_secs(5))
            .await
    );
    assert_eq!(*counter.applied.lock().unwrap(), 2);

    // The rebuild, waited for: plain progress lines (stderr is a pipe).
    let rebuilt = tokio::task::spawn_blocking({
        let schema = schema.clone();
        move || {
            eventcore(
                &schema,
                &[
                    "projections",
                    "rebuild",
                    "counter",
                    "--wait",
                    "--timeout",
                    "30",
                ],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(rebuilt.status.code(), Some(0), "{rebuilt:?}");
    let progress = String::from_utf8_lossy(&rebuilt.stderr);
    assert!(
        progress.contains("counter rebuilt: 2 events replayed"),
        "{progress}"
    );
    assert_eq!(counter.resets.load(Ordering::SeqCst), 1);
    assert_eq!(*counter.applied.lock().unwrap(), 2);

    // Nobody runs `other`: the wait gives up with exit code 5.
    let nobody = eventcore(
        &schema,
        &[
            "projections",
            "rebuild",
            "other",
            "--wait",
            "--timeout",
            "1",
        ],
    );
    assert_eq!(nobody.status.code(), Some(5), "{nobody:?}");
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("is a runner of it running?"));

    runner.shutdown().await.unwrap();
    sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(store.pool())
        .await
        .unwrap();
}
