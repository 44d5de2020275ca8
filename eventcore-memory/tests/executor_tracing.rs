//! Every execution runs in a tracing span `eventcore.execute` carrying the
//! command name, the declared streams, the correlation id, the attempts,
//! the outcome and the error; every store operation in `eventcore.store`
//! (store, operation, error); every projection batch in
//! `eventcore.projection.batch` (projection, positions, events).

#![cfg(test)]

mod bank;

use std::{
    collections::HashMap,
    fmt::Debug,
    sync::{Arc, Mutex},
};

use bank::{account, open, transfer};
use eventcore::{
    CommandExecutor, CorrelationId, EventMetadata, ExecutionOptions, IdempotencyKey, RetryPolicy,
};
use eventcore_memory::MemoryStore;
use eventcore_testing::chaos::ConflictingStore;
use tracing::{
    Subscriber,
    field::{Field, Visit},
    span,
};
use tracing_subscriber::{
    Layer,
    layer::{Context, SubscriberExt},
    registry::LookupSpan,
};

/// Records the name and fields of every span, including fields recorded
/// after the span was created.
#[derive(Clone, Default)]
struct SpanRecorder {
    spans: Arc<Mutex<HashMap<u64, RecordedSpan>>>,
}

/// A span's name and its fields in recording order.
type RecordedSpan = (String, Vec<(String, String)>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SpanRecorder {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, _: Context<'_, S>) {
        let mut fields = Vec::new();
        attrs.record(&mut Fields(&mut fields));
        let name = attrs.metadata().name().to_owned();
        self.spans
            .lock()
            .unwrap()
            .insert(id.into_u64(), (name, fields));
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, _: Context<'_, S>) {
        if let Some((_, fields)) = self.spans.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
}

impl SpanRecorder {
    /// The fields of every `eventcore.execute` span; a field recorded
    /// several times keeps its last value.
    fn executions(&self) -> Vec<HashMap<String, String>> {
        self.named("eventcore.execute")
    }

    /// The fields of every span called `name`.
    fn named(&self, name: &str) -> Vec<HashMap<String, String>> {
        self.spans
            .lock()
            .unwrap()
            .values()
            .filter(|(span, _)| span == name)
            .map(|(_, fields)| fields.iter().cloned().collect())
            .collect()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_execution_has_a_span_with_command_streams_correlation_and_attempts() {
    let recorder = SpanRecorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    // Two forced conflicts: the span must report the third attempt.
    let store = ConflictingStore::new(MemoryStore::new(), 2);
    let executor = CommandExecutor::new(store).retry_policy(
        RetryPolicy::new()
            .with_max_attempts(5)
            .max_delay(std::time::Duration::from_millis(1)),
    );
    executor.execute(open(&account("alice"), 10)).await.unwrap();
    // No forced conflicts left: bob opens at the first attempt.
    executor.execute(open(&account("bob"), 0)).await.unwrap();
    let correlation = CorrelationId::new();
    executor
        .execute_with(
            transfer(&account("alice"), &account("bob"), 4),
            EventMetadata::builder().correlation_id(correlation),
        )
        .await
        .unwrap();

    let spans = recorder.executions();
    assert_eq!(spans.len(), 3, "one span per execution: {spans:?}");
    let deposit = spans
        .iter()
        .find(|s| {
            s.get("command").is_some_and(|c| c.contains("OpenAccount"))
                && s["streams"].contains("account-alice")
        })
        .expect("a span for alice's opening");
    assert!(deposit["streams"].contains("account-alice"), "{deposit:?}");
    assert_eq!(
        deposit["attempts"], "3",
        "two forced conflicts, then success"
    );
    assert!(!deposit["correlation_id"].is_empty());

    let transfer = spans
        .iter()
        .find(|s| {
            s.get("command")
                .is_some_and(|c| c.contains("TransferMoney"))
        })
        .expect("a span for the transfer");
    assert!(
        transfer["streams"].contains("account-alice")
            && transfer["streams"].contains("account-bob"),
        "{transfer:?}"
    );
    assert_eq!(transfer["correlation_id"], correlation.to_string());
    assert_eq!(transfer["attempts"], "1");
}

#[tokio::test(flavor = "current_thread")]
async fn a_keyed_execution_names_its_key_and_whether_it_replayed() {
    let recorder = SpanRecorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let executor = CommandExecutor::new(MemoryStore::new());
    executor.execute(open(&account("carol"), 0)).await.unwrap();
    let key = IdempotencyKey::try_new("deposit-carol-1").unwrap();
    for _ in 0..2 {
        let options = ExecutionOptions::new().idempotency_key(key.clone());
        executor
            .execute_with_options(open(&account("dave"), 5), options)
            .await
            .unwrap();
    }

    // The recorder keeps spans by id, in no particular order.
    let spans = recorder.executions();
    assert_eq!(spans.len(), 3, "one span per execution: {spans:?}");
    let (keyed, plain): (Vec<_>, Vec<_>) = spans
        .iter()
        .partition(|s| s.contains_key("idempotency_key"));
    assert_eq!(plain.len(), 1, "{spans:?}");
    assert!(plain[0]["streams"].contains("account-carol"), "{plain:?}");
    assert_eq!(plain[0]["replayed"], "false", "{plain:?}");
    let mut replayed: Vec<&str> = keyed
        .iter()
        .map(|span| {
            assert_eq!(span["idempotency_key"], "deposit-carol-1", "{span:?}");
            span["replayed"].as_str()
        })
        .collect();
    replayed.sort_unstable();
    assert_eq!(replayed, ["false", "true"], "{keyed:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn outcomes_and_errors_are_recorded_on_the_execution_span() {
    let recorder = SpanRecorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let executor = CommandExecutor::new(MemoryStore::new());
    executor.execute(open(&account("erin"), 3)).await.unwrap();
    executor.execute(open(&account("fred"), 0)).await.unwrap();
    executor
        .execute(transfer(&account("erin"), &account("fred"), 5))
        .await
        .unwrap_err();

    let spans = recorder.executions();
    let rejected = spans
        .iter()
        .find(|s| s["command"].contains("TransferMoney"))
        .expect("a span for the transfer");
    assert_eq!(rejected["outcome"], "rejected", "{rejected:?}");
    assert!(rejected["error"].contains("rejected"), "{rejected:?}");
    let opened: Vec<_> = spans
        .iter()
        .filter(|s| s["command"].contains("OpenAccount"))
        .collect();
    assert_eq!(opened.len(), 2);
    for span in opened {
        assert_eq!(span["outcome"], "ok", "{span:?}");
        assert!(!span.contains_key("error"), "{span:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn store_operations_have_spans_naming_the_store_the_operation_and_the_error() {
    use eventcore::store::{AppendBatch, EventStore, ExpectedVersion};

    let recorder = SpanRecorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    executor.execute(open(&account("gina"), 1)).await.unwrap();
    // A stale expected version: the append fails with a conflict.
    let (writes, _) = bank::rival_deposit(&account("gina"), 1).into_parts();
    let (stream, _, events) = writes.into_iter().next().unwrap().into_parts();
    let stale = AppendBatch::single(
        stream,
        ExpectedVersion::Exact(eventcore::StreamVersion::INITIAL),
        events,
    );
    store.append(stale).await.unwrap_err();

    let spans = recorder.named("eventcore.store");
    let appends: Vec<_> = spans
        .iter()
        .filter(|s| s["operation"] == "append")
        .collect();
    assert_eq!(appends.len(), 2, "{spans:?}");
    assert!(
        appends.iter().all(|s| s["store"] == "memory"),
        "{appends:?}"
    );
    let failed: Vec<_> = appends.iter().filter(|s| s.contains_key("error")).collect();
    assert_eq!(failed.len(), 1, "{appends:?}");
    assert!(failed[0]["error"].contains("version"), "{failed:?}");
    // The execution's read is a store operation too.
    assert!(
        spans.iter().any(|s| s["operation"] == "read_streams_after"),
        "{spans:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn projection_batches_have_spans_naming_the_projection_and_the_batch() {
    use eventcore::projection::{ProjectionRunner, RunnerConfig};
    use eventcore_examples::banking::BalanceProjection;

    let recorder = SpanRecorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    for name in ["hal", "ida", "jon"] {
        executor.execute(open(&account(name), 1)).await.unwrap();
    }
    let runner =
        ProjectionRunner::new(store, BalanceProjection::new(), RunnerConfig::default()).start();
    assert!(
        runner
            .wait_for_position(
                eventcore::GlobalPosition::new(3),
                std::time::Duration::from_secs(5)
            )
            .await
    );
    runner.shutdown().await.unwrap();

    let batches = recorder.named("eventcore.projection.batch");
    let first = batches
        .iter()
        .find(|s| s["after"] == "0")
        .unwrap_or_else(|| panic!("no batch from the start: {batches:?}"));
    assert_eq!(first["projection"], BalanceProjection::NAME);
    assert_eq!(first["events"], "3", "{first:?}");
    assert_eq!(first["checkpoint"], "3", "{first:?}");
}
