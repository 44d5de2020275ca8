//! The executor keeps the states it folds per stream and state type, and
//! folds only the events that are new since. For any interleaving of
//! commands on executors with their own caches (one small enough to evict),
//! writes that bypass them, concurrent commands that conflict and retry,
//! and snapshots, every command decides on exactly the state folded from
//! scratch at the versions it read.

#![cfg(test)]

use std::sync::{Arc, Mutex};

use eventcore::{
    Command, CommandExecutor, CommandLogic, CommandState, Event, Fold, RecordedEvent, RetryPolicy,
    SnapshotPolicy, StreamId,
};
use eventcore_memory::MemoryStore;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Ticked {
    Tick { n: u64 },
}

/// Every event folded, with its version: a fold that skips, repeats or
/// reorders an event shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Trace {
    seen: Vec<(u64, u64)>,
}

#[eventcore::fold]
impl Fold<Ticked> for Trace {
    fn fold(&mut self, event: &RecordedEvent<Ticked>) {
        let Ticked::Tick { n } = event.payload();
        self.seen.push((event.version().value(), *n));
    }
}

/// The same, but not `Clone`: folded from the start of the history.
#[derive(Debug, Default, PartialEq)]
struct PlainTrace {
    seen: Vec<(u64, u64)>,
}

impl Fold<Ticked> for PlainTrace {
    fn fold(&mut self, event: &RecordedEvent<Ticked>) {
        let Ticked::Tick { n } = event.payload();
        self.seen.push((event.version().value(), *n));
    }
}

/// What one attempt decided on: the traces of `a` (twice: kept and
/// plain) and of `b` (kept in snapshots too, unless it is `a`).
type Decided = (Vec<(u64, u64)>, Vec<(u64, u64)>, Vec<(u64, u64)>);

#[derive(Command)]
#[command(event = Ticked)]
struct Record {
    #[stream(state = Trace)]
    a: StreamId,
    #[stream(state = PlainTrace)]
    also_a: StreamId,
    #[stream(state = Trace, snapshot)]
    b: StreamId,
    n: u64,
    decided: Arc<Mutex<Vec<Decided>>>,
}

impl CommandLogic for Record {
    type Error = std::convert::Infallible;

    fn handle(
        &self,
        state: RecordState,
        streams: &mut RecordStreams<'_>,
    ) -> Result<(), Self::Error> {
        self.decided
            .lock()
            .unwrap()
            .push((state.a.seen, state.also_a.seen, state.b.seen));
        streams.a.emit(Ticked::Tick { n: self.n });
        if self.a != self.b {
            streams.b.emit(Ticked::Tick { n: self.n + 1 });
        }
        Ok(())
    }
}

/// The whole stream, folded from scratch through a hand-written state
/// (which the executor folds event by event, never from kept states).
#[derive(Command)]
#[command(event = Ticked)]
struct ReadWhole {
    #[stream]
    stream: StreamId,
    found: Arc<Mutex<Vec<(u64, u64)>>>,
}

impl CommandState for ReadWhole {
    type State = Vec<(u64, u64)>;

    fn initial_state(&self) -> Self::State {
        Vec::new()
    }

    fn apply(&self, state: &mut Self::State, event: &RecordedEvent<Ticked>) {
        let Ticked::Tick { n } = event.payload();
        state.push((event.version().value(), *n));
    }
}

impl CommandLogic for ReadWhole {
    type Error = std::convert::Infallible;

    fn handle(&self, state: Self::State, _: &mut ReadWholeStreams<'_>) -> Result<(), Self::Error> {
        *self.found.lock().unwrap() = state;
        Ok(())
    }
}

async fn whole(store: &MemoryStore, stream: &StreamId) -> Vec<(u64, u64)> {
    let found = Arc::new(Mutex::new(Vec::new()));
    let command = ReadWhole {
        stream: stream.clone(),
        found: Arc::clone(&found),
    };
    eventcore::execute(store, command).await.unwrap();
    found.lock().unwrap().clone()
}

fn stream(n: usize) -> StreamId {
    StreamId::try_new(format!("s-{n}")).unwrap()
}

#[derive(Clone, Debug)]
enum Op {
    /// A command on executor `executor` reading streams `a` and `b`.
    Execute { executor: usize, a: usize, b: usize },
    /// The same, three at once on different executors: they conflict.
    Race { a: usize, b: usize },
    /// An event appended to `a` by a command of a fresh executor.
    Bypass { a: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..3usize, 0..3usize).prop_map(|(executor, a, b)| Op::Execute { executor, a, b }),
        1 => (0..3usize, 0..3usize).prop_map(|(a, b)| Op::Race { a, b }),
        1 => (0..3usize).prop_map(|a| Op::Bypass { a }),
    ]
}

/// Checks each decision against the streams as recorded: every trace must
/// be the stream's events up to the version it was read at (the version
/// before the command's own event).
async fn check(
    store: &MemoryStore,
    a: &StreamId,
    b: &StreamId,
    decided: &[Decided],
    written: &[RecordedEvent<Ticked>],
) {
    let (trace_a, plain_a, trace_b) = decided.last().unwrap().clone();
    let version_of = |id: &StreamId| {
        written
            .iter()
            .find(|e| e.stream_id() == id)
            .map(|e| e.version().value() - 1)
            .unwrap()
    };
    let up_to = |all: &[(u64, u64)], v: u64| -> Vec<(u64, u64)> {
        all.iter().copied().filter(|(at, _)| *at <= v).collect()
    };
    let expected_a = up_to(&whole(store, a).await, version_of(a));
    assert_eq!(trace_a, expected_a, "kept state of {a}");
    assert_eq!(plain_a, expected_a, "plain state of {a}");
    let expected_b = up_to(&whole(store, b).await, version_of(b));
    assert_eq!(trace_b, expected_b, "kept state of {b}");
}

async fn run(ops: Vec<Op>) {
    let store = MemoryStore::new();
    let retry = RetryPolicy::new().with_max_attempts(1_000);
    let executors = [
        CommandExecutor::new(store.clone()).retry_policy(retry),
        // Small enough to evict streams between commands.
        CommandExecutor::new(store.clone())
            .stream_cache(6)
            .retry_policy(retry),
        CommandExecutor::new(store.clone())
            .retry_policy(retry)
            .snapshots(SnapshotPolicy::every(3).unwrap()),
    ];
    let mut n = 0;
    let mut record = |a: usize, b: usize, decided: &Arc<Mutex<Vec<Decided>>>| {
        n += 10;
        Record {
            a: stream(a),
            also_a: stream(a),
            b: stream(b),
            n,
            decided: Arc::clone(decided),
        }
    };
    for op in ops {
        match op {
            Op::Execute { executor, a, b } => {
                let decided = Arc::new(Mutex::new(Vec::new()));
                let done = executors[executor]
                    .execute(record(a, b, &decided))
                    .await
                    .unwrap();
                let decided = decided.lock().unwrap().clone();
                check(&store, &stream(a), &stream(b), &decided, &done.events).await;
            }
            Op::Race { a, b } => {
                let decided: Vec<_> = (0..3).map(|_| Arc::new(Mutex::new(Vec::new()))).collect();
                let mut commands = decided.iter().map(|d| record(a, b, d));
                let (first, second, third) = (
                    commands.next().unwrap(),
                    commands.next().unwrap(),
                    commands.next().unwrap(),
                );
                let (first, second, third) = tokio::join!(
                    executors[0].execute(first),
                    executors[1].execute(second),
                    executors[2].execute(third),
                );
                let done = [first, second, third];
                for (done, decided) in done.into_iter().zip(&decided) {
                    let done = done.unwrap();
                    let decided = decided.lock().unwrap().clone();
                    check(&store, &stream(a), &stream(b), &decided, &done.events).await;
                }
            }
            Op::Bypass { a } => {
                let decided = Arc::new(Mutex::new(Vec::new()));
                CommandExecutor::new(store.clone())
                    .execute(record(a, a, &decided))
                    .await
                    .unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_command_decides_on_the_state_folded_from_scratch(ops in proptest::collection::vec(op(), 1..80)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops));
    }
}

/// Many commands on one stream from one executor: each decides on the
/// whole history (the kept state is extended, never restarted).
#[tokio::test]
async fn a_long_stream_folds_correctly_from_kept_states() {
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    for n in 1..=300 {
        let decided = Arc::new(Mutex::new(Vec::new()));
        let done = executor
            .execute(Record {
                a: stream(0),
                also_a: stream(0),
                b: stream(0),
                n,
                decided: Arc::clone(&decided),
            })
            .await
            .unwrap();
        let decided = decided.lock().unwrap().clone();
        check(&store, &stream(0), &stream(0), &decided, &done.events).await;
    }
    assert_eq!(whole(&store, &stream(0)).await.len(), 300);
}
