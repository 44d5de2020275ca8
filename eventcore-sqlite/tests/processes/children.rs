//! What the child processes do.

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use eventcore::{
    EventMetadata, GlobalPosition, RecordedEvent, SerializedEvent, StoreError, StreamId,
    projection::{Projection, ProjectionRunner, RunnerConfig},
    store::{AppendBatch, EventFilter, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::TestResult;

/// Events per batch of the `durable` child.
pub const DURABLE_BATCH: u64 = 3;

/// Runs the role named by `args[0]`.
pub async fn run(args: &[String]) -> TestResult {
    let arg = |i: usize| -> TestResult<&str> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("missing argument {i} in {args:?}").into())
    };
    match arg(0)? {
        "append" => append(arg(1)?, arg(2)?, arg(3)?.parse()?).await,
        "project" => project(arg(1)?).await,
        "durable" => durable(arg(1)?, arg(2)?).await,
        other => Err(format!("unknown role {other}").into()),
    }
}

fn events(writer: &str, batch: u64, count: u64) -> Vec<NewEvent> {
    (0..count)
        .map(|k| {
            let payload = json!({ "writer": writer, "batch": batch, "k": k });
            NewEvent::new(
                SerializedEvent::new("Appended", payload.to_string()),
                EventMetadata::new(),
            )
        })
        .collect()
}

fn say(line: &str) -> TestResult {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

/// Appends `batches` batches of one to three events to four streams it
/// shares with the other appender, each with the stream's expected
/// version (retried on a conflict), and says `ok <batch> <events>` after
/// each one the store acknowledged.
async fn append(file: &str, writer: &str, batches: u64) -> TestResult {
    let store = SqliteStore::open(file).await?;
    for batch in 0..batches {
        let stream = StreamId::try_new(format!("shared-{}", batch % 4))?;
        let count = 1 + batch % 3;
        loop {
            let version = store.stream_version(&stream).await?;
            let write = AppendBatch::single(
                stream.clone(),
                ExpectedVersion::Exact(version),
                events(writer, batch, count),
            );
            match store.append(write).await {
                Ok(_) => break,
                Err(StoreError::VersionConflict { .. }) => {}
                Err(other) => return Err(other.into()),
            }
        }
        say(&format!("ok {batch} {count}"))?;
    }
    Ok(())
}

/// Appends batches of [`DURABLE_BATCH`] events to `stream` until killed,
/// saying `ok <batch> <events>` after each acknowledged one.
async fn durable(file: &str, stream: &str) -> TestResult {
    let store = SqliteStore::open(file).await?;
    let stream = StreamId::try_new(stream)?;
    for batch in 0..1_000_000 {
        let write = AppendBatch::single(
            stream.clone(),
            ExpectedVersion::Any,
            events("durable", batch, DURABLE_BATCH),
        );
        store.append(write).await?;
        say(&format!("ok {batch} {DURABLE_BATCH}"))?;
    }
    Ok(())
}

/// What the projection saw, in order.
#[derive(Clone, Default)]
struct Audit {
    seen: Arc<Mutex<Vec<Value>>>,
}

/// The raw events, as JSON.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Appended(Value);

impl eventcore::Event for Appended {
    const EVENT_TYPES: &'static [&'static str] = &["Appended"];
    fn event_type(&self) -> &'static str {
        "Appended"
    }
}

impl Projection for Audit {
    type Event = Appended;
    type Error = std::convert::Infallible;

    fn name(&self) -> &'static str {
        "audit"
    }

    fn filter(&self) -> EventFilter {
        EventFilter::all().with_event_types(["Appended"])
    }

    async fn apply(&mut self, events: &[RecordedEvent<Appended>]) -> Result<(), Self::Error> {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for event in events {
            let Appended(payload) = event.payload();
            seen.push(json!({
                "position": event.position().value(),
                "stream": event.stream_id().as_str(),
                "version": event.version().value(),
                "writer": payload["writer"],
                "batch": payload["batch"],
            }));
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Self::Error> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        Ok(())
    }
}

/// Runs the `audit` projection live until the parent writes the head to
/// stdin, waits until it has reached it, and prints what it saw.
async fn project(file: &str) -> TestResult {
    let store = SqliteStore::open(file).await?;
    let audit = Audit::default();
    let runner = ProjectionRunner::new(
        store,
        audit.clone(),
        RunnerConfig::default().poll_interval(Duration::from_millis(50)),
    )
    .start();
    let head = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await??;
    let head = GlobalPosition::new(head.trim().parse()?);
    if !runner
        .wait_for_position(head, Duration::from_secs(30))
        .await
    {
        return Err(format!("the projection did not reach {head} within 30 s").into());
    }
    runner.shutdown().await?;
    let seen = audit
        .seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for record in seen.iter() {
        say(&record.to_string())?;
    }
    Ok(())
}
