//! Rows the store cannot decode, and positions an operator lists: the
//! runner's error policy decides, and nothing stops silently.
//!
//! A store under test holds only rows it can decode, so these scenarios wrap
//! it in [`Poisoned`], which reports chosen rows of the feed as undecodable
//! exactly as a store with a foreign row would: in their place from
//! `read_all_lenient`, and as [`StoreError::Corrupt`] from `read_all`.
//! Everything else (checkpoints, leases, the store's own
//! `read_all_lenient`) is the store's.

use std::{future::Future, sync::Arc, time::Duration};

use super::{Recorder, WAIT, config, ticks};
use crate::{
    GlobalPosition, IdempotencyKey, StreamId, StreamVersion,
    conformance::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq},
    error::StoreError,
    projection::{ErrorPolicy, ProjectionRunner, ProjectionStatus, SkipCause},
    store::{
        AppendBatch, AppendResult, CheckpointStore, ControlRequest, EventFilter,
        EventNotifications, EventStore, IdempotencyRecord, Lease, LeaseStore, ProjectionControl,
        StoredEvent, StreamsRead, UndecodableEvent,
    },
};

/// A store whose feed rows at `bad` positions do not decode.
#[derive(Clone)]
struct Poisoned<S> {
    inner: S,
    bad: Arc<[GlobalPosition]>,
}

impl<S> Poisoned<S> {
    fn spoil(&self, event: StoredEvent) -> Result<StoredEvent, UndecodableEvent> {
        if !self.bad.contains(&event.position()) {
            return Ok(event);
        }
        Err(UndecodableEvent::new(
            event.position(),
            "its metadata does not decode (conformance)",
        )
        .with_event_id(event.metadata().event_id())
        .with_stream(event.stream_id().as_str())
        .with_event_type(event.event_type()))
    }
}

impl<S: EventStore> EventStore for Poisoned<S> {
    fn read_streams(
        &self,
        streams: &[StreamId],
    ) -> impl Future<Output = Result<StreamsRead, StoreError>> + Send {
        self.inner.read_streams(streams)
    }

    fn append(
        &self,
        batch: AppendBatch,
    ) -> impl Future<Output = Result<AppendResult, StoreError>> + Send {
        self.inner.append(batch)
    }

    fn idempotency_record(
        &self,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send {
        self.inner.idempotency_record(key)
    }

    fn purge_idempotency_records(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.inner.purge_idempotency_records()
    }

    fn stream_version(
        &self,
        stream: &StreamId,
    ) -> impl Future<Output = Result<StreamVersion, StoreError>> + Send {
        self.inner.stream_version(stream)
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let entries = self.read_all_lenient(after, filter, limit).await?;
        Ok(entries.into_iter().collect::<Result<_, _>>()?)
    }

    async fn read_all_lenient(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<Result<StoredEvent, UndecodableEvent>>, StoreError> {
        let entries = self.inner.read_all_lenient(after, filter, limit).await?;
        Ok(entries
            .into_iter()
            .map(|entry| entry.and_then(|event| self.spoil(event)))
            .collect())
    }

    fn head_position(&self) -> impl Future<Output = Result<GlobalPosition, StoreError>> + Send {
        self.inner.head_position()
    }

    fn subscribe(&self) -> EventNotifications {
        self.inner.subscribe()
    }
}

impl<S: LeaseStore> LeaseStore for Poisoned<S> {
    fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Lease>, StoreError>> + Send {
        self.inner.try_acquire_lease(name, holder, ttl)
    }

    fn renew_lease(
        &self,
        lease: &Lease,
        ttl: Duration,
    ) -> impl Future<Output = Result<Lease, StoreError>> + Send {
        self.inner.renew_lease(lease, ttl)
    }

    fn release_lease(&self, lease: &Lease) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.release_lease(lease)
    }

    fn control_projection(
        &self,
        name: &str,
        request: ControlRequest,
    ) -> impl Future<Output = Result<ProjectionControl, StoreError>> + Send {
        self.inner.control_projection(name, request)
    }

    fn projection_control(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<ProjectionControl, StoreError>> + Send {
        self.inner.projection_control(name)
    }
}

impl<S: CheckpointStore> CheckpointStore for Poisoned<S> {
    fn load_checkpoint(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<GlobalPosition>, StoreError>> + Send {
        self.inner.load_checkpoint(name)
    }

    fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.save_checkpoint(name, from, to, fence)
    }
}

/// The positions of the events of the `tick` stream, in order.
async fn tick_positions<S: EventStore>(
    store: &S,
    count: u64,
) -> Result<Vec<GlobalPosition>, StoreError> {
    ticks(store, "tick", 1, count).await?;
    let prefix = EventFilter::all().with_stream_prefix("tick");
    let all = store
        .read_all(GlobalPosition::START, &prefix, 1_000)
        .await?;
    Ok(all.iter().map(StoredEvent::position).collect())
}

/// `read_all_lenient` covers exactly the rows `read_all` returns, with the
/// same filter, limit and starting point.
pub async fn read_all_lenient_agrees_with_read_all<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    tick_positions(&store, 7).await?;
    ticks(&store, "other", 1, 3).await?;
    for (after, filter, limit) in [
        (GlobalPosition::START, EventFilter::all(), 100),
        (GlobalPosition::START, EventFilter::all(), 4),
        (
            GlobalPosition::START,
            EventFilter::all().with_stream_prefix("other"),
            100,
        ),
        (
            GlobalPosition::START,
            EventFilter::all().with_event_types(["Nothing"]),
            100,
        ),
    ] {
        let strict = store.read_all(after, &filter, limit).await?;
        let lenient = store.read_all_lenient(after, &filter, limit).await?;
        let lenient: Vec<StoredEvent> = lenient.into_iter().collect::<Result<_, _>>()?;
        ensure_eq!(
            lenient,
            strict,
            "read_all_lenient after {after} with {filter:?}, limit {limit}"
        );
        if let Some(middle) = strict.get(strict.len() / 2) {
            let rest = store.read_all(middle.position(), &filter, limit).await?;
            let lenient = store
                .read_all_lenient(middle.position(), &filter, limit)
                .await?;
            ensure_eq!(
                lenient.len(),
                rest.len(),
                "read_all_lenient after {}",
                middle.position()
            );
        }
    }
    Ok(())
}

/// Under `ErrorPolicy::Skip` a row the store cannot decode is skipped and
/// recorded with its position and event id; the runner carries on.
pub async fn undecodable_row_is_skipped_under_skip_policy<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let positions = tick_positions(&store, 6).await?;
    let store = Poisoned {
        inner: store,
        bad: Arc::from([positions[2]]),
    };
    let recorder = Recorder::new("undecodable-skip");
    let handle = ProjectionRunner::new(
        store.clone(),
        recorder.clone(),
        config("a").error_policy(ErrorPolicy::Skip),
    )
    .start();
    ensure!(
        handle.wait_for_position(positions[5], WAIT).await,
        "did not get past the undecodable row: {:?}",
        handle.health()
    );
    ensure_eq!(
        recorder.seen(),
        vec![1, 2, 4, 5, 6],
        "every other event applied once"
    );
    let skipped = handle.health().skipped;
    ensure_eq!(skipped.len(), 1, "one skipped row recorded: {skipped:?}");
    ensure_eq!(
        skipped[0].position,
        positions[2],
        "the skipped row's position"
    );
    ensure_eq!(
        skipped[0].cause,
        SkipCause::Undecodable,
        "why it was skipped"
    );
    ensure!(skipped[0].event_id.is_some(), "its event id is recorded");
    ensure!(
        skipped[0].error.contains("metadata does not decode"),
        "the reason is kept: {}",
        skipped[0].error
    );
    handle.shutdown().await?;
    Ok(())
}

/// Under `ErrorPolicy::Stop` (and a retrying policy that falls back to
/// stopping) a row the store cannot decode stops the runner before it, with
/// an error that names the row and the way past it.
pub async fn undecodable_row_stops_runner_under_stop_policy<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let positions = tick_positions(&store, 6).await?;
    let store = Poisoned {
        inner: store,
        bad: Arc::from([positions[3]]),
    };
    let policy = ErrorPolicy::retry_then_stop(3)
        .with_backoff(Duration::from_millis(10), Duration::from_millis(20));
    let recorder = Recorder::new("undecodable-stop");
    let handle = ProjectionRunner::new(
        store.clone(),
        recorder.clone(),
        config("a").error_policy(policy),
    )
    .start();
    let failed = async {
        while !matches!(handle.health().status, ProjectionStatus::Failed { .. }) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    ensure!(
        tokio::time::timeout(WAIT, failed).await.is_ok(),
        "the runner did not stop: {:?}",
        handle.health()
    );
    let health = handle.health();
    let expected = positions[3].to_string();
    ensure!(
        matches!(&health.status, ProjectionStatus::Failed { error }
            if error.contains(&expected) && error.contains("skip_positions")),
        "the error names position {expected} and the way past it: {:?}",
        health.status
    );
    ensure_eq!(recorder.seen(), vec![1, 2, 3], "applied up to the row");
    let saved = store.load_checkpoint("undecodable-stop").await?;
    ensure_eq!(
        saved,
        Some(positions[2]),
        "the checkpoint stays before the row"
    );
    ensure!(
        handle.shutdown().await.is_err(),
        "shutdown reports the error"
    );
    Ok(())
}

/// Positions an operator lists are passed over without being applied, even
/// under `ErrorPolicy::Stop`, whether the event decodes or not; each is
/// recorded, and the list is shown in health.
pub async fn listed_positions_are_skipped_and_recorded<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let positions = tick_positions(&store, 6).await?;
    let store = Poisoned {
        inner: store,
        bad: Arc::from([positions[4]]),
    };
    // Tick 3 always fails to apply and the row of tick 5 does not decode:
    // under Stop, either would halt the runner unless listed.
    let recorder = Recorder::new("listed").failing(3, u32::MAX);
    let listed = [positions[2], positions[4]];
    let handle = ProjectionRunner::new(
        store.clone(),
        recorder.clone(),
        config("a").skip_positions(listed),
    )
    .start();
    ensure!(
        handle.wait_for_position(positions[5], WAIT).await,
        "did not get past the listed events: {:?}",
        handle.health()
    );
    ensure_eq!(
        recorder.seen(),
        vec![1, 2, 4, 6],
        "the unlisted events applied"
    );
    let health = handle.health();
    ensure_eq!(health.skip_positions, listed.to_vec(), "the list is shown");
    let skipped: Vec<_> = health
        .skipped
        .iter()
        .map(|s| (s.position, s.cause))
        .collect();
    ensure_eq!(
        skipped,
        vec![
            (positions[2], SkipCause::Listed),
            (positions[4], SkipCause::Listed)
        ],
        "each listed event recorded as it was passed"
    );
    handle.shutdown().await?;
    Ok(())
}
