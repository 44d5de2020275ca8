//! Running a scenario's store and command to completion, without a
//! runtime.

use std::{
    future::Future,
    pin::pin,
    task::{Context, Poll, Waker},
};

use eventcore::{
    Event, EventMetadata, EventSerializer, JsonSerializer, StreamId,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_memory::MemoryStore;

/// Appends typed events, one batch each, in order.
#[track_caller]
pub(super) fn store_typed<E: Event>(
    store: &MemoryStore,
    from: &str,
    events: impl IntoIterator<Item = (StreamId, E)>,
) {
    for (stream, event) in events {
        let encoded = match JsonSerializer.encode(&event) {
            Ok(encoded) => encoded,
            Err(e) => panic!("{from}: cannot encode {event:?}: {e}"),
        };
        let batch = AppendBatch::single(
            stream,
            ExpectedVersion::Any,
            vec![NewEvent::new(encoded, EventMetadata::new())],
        );
        if let Err(e) = run_to_completion(store.append(batch)) {
            panic!("{from}: the memory store refused {event:?}: {e}");
        }
    }
}

/// Drives a future that never truly waits: the memory store answers at
/// once, and the executor only sleeps between conflict retries, which a
/// store used by one command at a time never causes.
///
/// NOTE: no Tokio runtime on purpose, so `given(..).when(..)` works in a
/// plain `#[test]` and inside proptest.
#[track_caller]
pub(super) fn run_to_completion<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::yield_now();
    }
    panic!(
        "given/when/then: the command did not finish; it must not wait on anything but the store"
    )
}
