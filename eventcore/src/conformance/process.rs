//! Process managers on the projection runner: every event answered with its
//! commands once, however often it is delivered, in every store.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use super::{
    idempotent_execution::{Count, Full},
    projections::{Tick, WAIT, config, ticks},
    support::{ConformanceStore, ScenarioResult, ensure, ensure_eq, stream},
};
use crate::{
    CommandError, CommandExecutor, EventSerializer, RecordedEvent, StreamId, ValidationError,
    process::{Commands, ProcessManager, ProcessProjection},
    projection::{ErrorPolicy, Fallback, ProjectionRunner, ProjectionStatus},
    store::{EventStore, ScheduleStore},
};

#[derive(Debug, thiserror::Error)]
enum Answer {
    #[error(transparent)]
    Command(#[from] CommandError<Full>),
    #[error("interrupted between the commands answering tick {0}")]
    Interrupted(u64),
    #[error(transparent)]
    Validation(#[from] ValidationError),
}

/// Answers tick `n` by counting once in `<name>-out-<n>`, then once in
/// `<name>-log`; with a stock stream, by taking the one unit of stock
/// instead, and counting in `<name>-out-<n>` to compensate when the stock
/// is gone. Can be interrupted once between its two commands.
struct Answering {
    name: &'static str,
    reactions: Arc<AtomicU32>,
    interrupt_on: Option<u64>,
    interruptions_left: Arc<AtomicU32>,
    stock: Option<StreamId>,
}

impl Answering {
    fn new(name: &'static str, reactions: &Arc<AtomicU32>) -> Self {
        Self {
            name,
            reactions: Arc::clone(reactions),
            interrupt_on: None,
            interruptions_left: Arc::default(),
            stock: None,
        }
    }

    fn out(&self, n: u64) -> Result<StreamId, ValidationError> {
        StreamId::try_new(format!("{}-out-{n}", self.name))
    }

    fn log(&self) -> Result<StreamId, ValidationError> {
        StreamId::try_new(format!("{}-log", self.name))
    }

    fn interrupted(&self, n: u64) -> bool {
        self.interrupt_on == Some(n)
            && self
                .interruptions_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                })
                .is_ok()
    }
}

impl ProcessManager for Answering {
    type Event = Tick;
    type Error = Answer;

    fn name(&self) -> &str {
        self.name
    }

    async fn react<S: EventStore + ScheduleStore, Ser: EventSerializer>(
        &mut self,
        event: &RecordedEvent<Tick>,
        commands: &mut Commands<'_, S, Ser>,
    ) -> Result<(), Answer> {
        self.reactions.fetch_add(1, Ordering::SeqCst);
        let n = event.payload().n();
        if let Some(stock) = &self.stock {
            match commands.execute(Count::new(stock, 1)).await {
                Ok(_) => {}
                Err(CommandError::Rejected(Full(_))) => {
                    commands.execute(Count::new(&self.out(n)?, 10)).await?;
                }
                Err(other) => return Err(other.into()),
            }
            return Ok(());
        }
        commands.execute(Count::new(&self.out(n)?, 10)).await?;
        if self.interrupted(n) {
            return Err(Answer::Interrupted(n));
        }
        commands.execute(Count::new(&self.log()?, 1_000)).await?;
        Ok(())
    }
}

/// Each tick's out stream holds one event and the log one per tick.
async fn answered_once<S: EventStore>(
    store: &S,
    process: &Answering,
    ticks: u64,
) -> ScenarioResult {
    for n in 1..=ticks {
        let out = process.out(n)?;
        ensure_eq!(
            store.stream_version(&out).await?.value(),
            1,
            "events in {out}"
        );
    }
    let log = process.log()?;
    ensure_eq!(
        store.stream_version(&log).await?.value(),
        ticks,
        "events in {log}"
    );
    Ok(())
}

/// Every tick is answered by its commands once; a rebuild delivers every
/// tick again, and the commands replay instead of writing again. The
/// events written name the tick as their cause and carry its correlation
/// id.
pub async fn a_process_answers_each_event_once_however_often_delivered<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let reactions = Arc::default();
    let process = Answering::new("pm-once", &reactions);
    let probe = Answering::new("pm-once", &reactions);
    let executor = CommandExecutor::new(store.clone());
    let handle = ProjectionRunner::new(
        store.clone(),
        ProcessProjection::new(process, executor),
        config("pm-once"),
    )
    .start();
    let last = ticks(&store, "pm-once-in", 1, 5).await?;
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "the process did not answer the ticks: {:?}",
        handle.health()
    );
    answered_once(&store, &probe, 5).await?;

    let read = store.read_streams(&[stream("pm-once-in")?]).await?;
    let third = &read.streams()[0].events()[2];
    let out = store.read_streams(&[probe.out(3)?]).await?;
    let answer = out.streams()[0].events()[0].metadata();
    ensure_eq!(
        answer.causation_id(),
        Some(third.metadata().event_id().into()),
        "causation of the answer to tick 3"
    );
    ensure_eq!(
        answer.correlation_id(),
        third.metadata().correlation_id(),
        "correlation of the answer to tick 3"
    );

    handle.rebuild().await;
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "the rebuild did not finish: {:?}",
        handle.health()
    );
    ensure_eq!(
        reactions.load(Ordering::SeqCst),
        10,
        "reactions (each tick twice)"
    );
    answered_once(&store, &probe, 5).await?;
    handle.shutdown().await?;
    Ok(())
}

/// A reaction that fails after its first command (as a crash between the
/// execution and the checkpoint would) is retried under the error policy:
/// the first command replays, the second is written, each once.
pub async fn an_interrupted_reaction_is_retried_without_writing_twice<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let reactions = Arc::default();
    let mut process = Answering::new("pm-retry", &reactions);
    process.interrupt_on = Some(2);
    process.interruptions_left = Arc::new(AtomicU32::new(2));
    let probe = Answering::new("pm-retry", &reactions);
    let retry = ErrorPolicy::Retry {
        attempts: 5,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        then: Fallback::Stop,
    };
    let handle = ProjectionRunner::new(
        store.clone(),
        ProcessProjection::new(process, CommandExecutor::new(store.clone())),
        config("pm-retry").error_policy(retry),
    )
    .start();
    let last = ticks(&store, "pm-retry-in", 1, 3).await?;
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "the process did not get past the interruptions: {:?}",
        handle.health()
    );
    answered_once(&store, &probe, 3).await?;
    ensure!(
        reactions.load(Ordering::SeqCst) >= 5,
        "tick 2 was not answered again after its interruptions"
    );
    ensure!(
        handle.health().skipped.is_empty(),
        "skipped: {:?}",
        handle.health().skipped
    );
    handle.shutdown().await?;
    Ok(())
}

/// A command the domain rejects is the reaction's to answer: the process
/// compensates, and the runner carries on live, with nothing skipped.
pub async fn a_rejected_command_is_an_outcome_the_process_answers<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let reactions = Arc::default();
    let mut process = Answering::new("pm-stock", &reactions);
    let stock = stream("pm-stock-units")?;
    process.stock = Some(stock.clone());
    let probe = Answering::new("pm-stock", &reactions);
    let handle = ProjectionRunner::new(
        store.clone(),
        ProcessProjection::new(process, CommandExecutor::new(store.clone())),
        config("pm-stock"),
    )
    .start();
    let last = ticks(&store, "pm-stock-in", 1, 3).await?;
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "the process did not answer the ticks: {:?}",
        handle.health()
    );
    ensure_eq!(
        store.stream_version(&stock).await?.value(),
        1,
        "units taken"
    );
    ensure_eq!(
        store.stream_version(&probe.out(1)?).await?.value(),
        0,
        "compensations for tick 1, which got the unit"
    );
    for n in 2..=3 {
        ensure_eq!(
            store.stream_version(&probe.out(n)?).await?.value(),
            1,
            "compensations for tick {n}"
        );
    }
    let health = handle.health();
    ensure!(
        health.skipped.is_empty() && matches!(health.status, ProjectionStatus::Live),
        "a rejection disturbed the runner: {health:?}"
    );
    handle.shutdown().await?;
    Ok(())
}
