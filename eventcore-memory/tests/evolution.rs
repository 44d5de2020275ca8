//! Stored events a projection cannot read: a retired type is skipped on
//! purpose and silently; an unknown type goes to the error policy (stopped
//! by default, skipped and recorded in health under `Skip`); and the store
//! check finds both kinds before any code runs.

#![cfg(test)]

use std::{sync::Arc, time::Duration};

use eventcore::{
    Event, EventMetadata, GlobalPosition, RecordedEvent, SerializedEvent, StreamId, Upcasters,
    check_store,
    projection::{
        ErrorPolicy, Projection, ProjectionHandle, ProjectionRunner, ProjectionStatus,
        RunnerConfig, SkipCause,
    },
    store::{AppendBatch, EventFilter, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_memory::MemoryStore;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
#[event(upcasters = upcasters)]
enum Ledger {
    #[event(version = 2, alias = "Posted")]
    Booked { cents: u64 },
}

fn upcasters() -> Upcasters {
    Upcasters::new()
        .upcast("Booked", 1, Ok)
        .upcast_renamed("Entered", 1, "Booked", Ok)
        .retire("Audited")
}

/// Sums what it reads; reads every event of the ledger streams, or (when
/// `decodable_only`) the default: what `Ledger` decodes.
#[derive(Clone, Default)]
struct Sum {
    seen: Arc<Mutex<Vec<u64>>>,
    decodable_only: bool,
}

impl Projection for Sum {
    type Event = Ledger;
    type Error = std::convert::Infallible;

    fn name(&self) -> &'static str {
        "sum"
    }

    fn filter(&self) -> EventFilter {
        if self.decodable_only {
            EventFilter::decodable::<Ledger>()
        } else {
            EventFilter::all().with_stream_prefix("ledger-")
        }
    }

    async fn apply(&mut self, events: &[RecordedEvent<Ledger>]) -> Result<(), Self::Error> {
        let mut seen = self.seen.lock();
        for event in events {
            let Ledger::Booked { cents } = event.payload();
            seen.push(*cents);
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Self::Error> {
        self.seen.lock().clear();
        Ok(())
    }
}

/// Booked 1 (v1), Audited (retired), Posted 2 (alias, v2), Mystery
/// (unknown), Entered 3 (renamed by an upcaster).
async fn history() -> Result<(MemoryStore, GlobalPosition), Box<dyn std::error::Error>> {
    let store = MemoryStore::new();
    let events = [
        ("Booked", 1, r#"{"cents":1}"#),
        ("Audited", 1, r#"{"by":"x"}"#),
        ("Posted", 2, r#"{"cents":2}"#),
        ("Mystery", 1, "{}"),
        ("Entered", 1, r#"{"cents":3}"#),
    ]
    .into_iter()
    .map(|(event_type, version, payload)| {
        NewEvent::new(
            SerializedEvent::new(event_type, payload).with_schema_version(version),
            EventMetadata::new(),
        )
    })
    .collect();
    let written = store
        .append(AppendBatch::single(
            StreamId::try_new("ledger-1")?,
            ExpectedVersion::NO_STREAM,
            events,
        ))
        .await?;
    let last = written.events.last().map(|e| e.position).ok_or("written")?;
    Ok((store, last))
}

fn config() -> RunnerConfig {
    RunnerConfig::default().poll_interval(Duration::from_millis(10))
}

/// Starts `sum` on `store` and waits until it has processed `last`.
async fn caught_up(
    store: &MemoryStore,
    sum: &Sum,
    config: RunnerConfig,
    last: GlobalPosition,
) -> ProjectionHandle {
    let handle = ProjectionRunner::new(store.clone(), sum.clone(), config).start();
    assert!(
        handle
            .wait_for_position(last, Duration::from_secs(10))
            .await,
        "{:?}",
        handle.health()
    );
    handle
}

#[tokio::test]
async fn an_unknown_type_is_skipped_and_recorded_under_skip_and_a_retired_one_silently()
-> Result<(), Box<dyn std::error::Error>> {
    let (store, last) = history().await?;
    let sum = Sum::default();
    let handle = caught_up(&store, &sum, config().error_policy(ErrorPolicy::Skip), last).await;
    assert_eq!(*sum.seen.lock(), [1, 2, 3]);
    let skipped = handle.health().skipped;
    assert_eq!(
        skipped.len(),
        1,
        "only the unknown type is recorded: {skipped:?}"
    );
    assert_eq!(skipped[0].event_type, "Mystery");
    assert_eq!(skipped[0].cause, SkipCause::Failed);
    assert!(
        skipped[0].error.contains("unknown event type \"Mystery\"")
            && skipped[0].error.contains("Booked"),
        "{}",
        skipped[0].error
    );
    handle.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn the_default_filter_reads_aliases_and_upcast_names_and_leaves_out_other_types()
-> Result<(), Box<dyn std::error::Error>> {
    let (store, last) = history().await?;
    let sum = Sum {
        decodable_only: true,
        ..Sum::default()
    };
    let handle = caught_up(&store, &sum, config(), last).await;
    assert_eq!(*sum.seen.lock(), [1, 2, 3]);
    assert!(handle.health().skipped.is_empty());
    handle.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn an_unknown_type_stops_a_projection_by_default_after_the_events_before_it()
-> Result<(), Box<dyn std::error::Error>> {
    let (store, _) = history().await?;
    let sum = Sum::default();
    let handle = ProjectionRunner::new(store.clone(), sum.clone(), config()).start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let error = loop {
        if let ProjectionStatus::Failed { error } = handle.health().status {
            break error;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            handle.health()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(error.contains("\"Mystery\""), "{error}");
    assert_eq!(*sum.seen.lock(), [1, 2], "the events before it are applied");
    assert!(
        handle.shutdown().await.is_err(),
        "shutdown reports the stop"
    );
    Ok(())
}

#[tokio::test]
async fn the_store_check_counts_retired_events_and_reports_unknown_ones_up_to_a_bound()
-> Result<(), Box<dyn std::error::Error>> {
    let (store, last) = history().await?;
    let all =
        check_store::<Ledger, _>(&store, &EventFilter::all(), GlobalPosition::START, None).await?;
    assert_eq!((all.scanned, all.retired), (5, 1));
    assert_eq!(all.last_position, last);
    assert_eq!(all.unreadable.len(), 1);
    let mystery = &all.unreadable[0];
    assert_eq!(
        (
            mystery.event_type.as_str(),
            mystery.schema_version,
            mystery.count
        ),
        ("Mystery", 1, 1)
    );
    assert_eq!(mystery.first_stream, "ledger-1");
    assert!(mystery.reason.contains("known types"), "{}", mystery.reason);

    let events = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10)
        .await?;
    let before_mystery = events[2].position();
    let early = check_store::<Ledger, _>(
        &store,
        &EventFilter::all(),
        GlobalPosition::START,
        Some(before_mystery),
    )
    .await?;
    assert!(early.is_ok(), "{early:?}");
    assert_eq!(early.scanned, 3);
    Ok(())
}
