use std::{error::Error, fmt};

use serde_json::json;

use crate::{
    error::StoreError,
    store::{
        AppendBatch, AppendResult, CheckpointStore, EventStore, ExpectedVersion, LeaseStore,
        NewEvent, ScheduleStore, SerializedEvent, SnapshotStore, StreamWrite,
    },
    types::{EventMetadata, StreamId},
};

/// What a scenario returns: `Ok(())`, or the first broken expectation.
pub type ScenarioResult = Result<(), Box<dyn Error + Send + Sync + 'static>>;

/// Everything a store must implement to run the suite.
pub trait ConformanceStore:
    EventStore + CheckpointStore + LeaseStore + ScheduleStore + SnapshotStore + Clone + 'static
{
}

impl<S> ConformanceStore for S where
    S: EventStore + CheckpointStore + LeaseStore + ScheduleStore + SnapshotStore + Clone + 'static
{
}

/// A broken expectation in a conformance scenario.
#[derive(Debug)]
pub struct ConformanceFailure {
    message: String,
}

impl ConformanceFailure {
    pub(crate) fn new(message: String) -> Self {
        Self { message }
    }
}

impl fmt::Display for ConformanceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conformance expectation failed: {}", self.message)
    }
}

impl Error for ConformanceFailure {}

/// Fails the scenario with a message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(Box::new($crate::conformance::ConformanceFailure::new(format!($($fmt)+))));
        }
    };
}

/// Fails the scenario unless both sides are equal, showing both.
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($fmt:tt)+) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err(Box::new($crate::conformance::ConformanceFailure::new(format!(
                "{}\n  actual:   {:?}\n  expected: {:?}",
                format!($($fmt)+),
                left,
                right
            ))));
        }
    }};
}

pub(crate) use {ensure, ensure_eq};

pub(crate) fn stream(name: &str) -> Result<StreamId, StoreError> {
    Ok(StreamId::try_new(name)?)
}

/// A serialized test event of type `event_type` whose payload records `n`.
pub(crate) fn event(event_type: &'static str, n: u64) -> NewEvent {
    let payload = json!({ "n": n }).to_string();
    NewEvent::new(
        SerializedEvent::new(event_type, payload),
        EventMetadata::new(),
    )
}

pub(crate) fn events(event_type: &'static str, count: u64) -> Vec<NewEvent> {
    (1..=count).map(|n| event(event_type, n)).collect()
}

/// Appends `events` to one stream at an exact expected version.
pub(crate) async fn append_to<S: EventStore>(
    store: &S,
    stream_id: &StreamId,
    expected: u64,
    events: Vec<NewEvent>,
) -> Result<AppendResult, StoreError> {
    let expected = ExpectedVersion::Exact(crate::StreamVersion::new(expected));
    store
        .append(AppendBatch::single(stream_id.clone(), expected, events))
        .await
}

pub(crate) async fn append_writes<S: EventStore>(
    store: &S,
    writes: Vec<StreamWrite>,
) -> Result<AppendResult, StoreError> {
    store.append(AppendBatch::try_new(writes)?).await
}

/// The `n` recorded in a payload made by [`event`].
pub(crate) fn payload_n(payload: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()?
        .get("n")?
        .as_u64()
}
