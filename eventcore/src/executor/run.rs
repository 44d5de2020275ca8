//! One execution: declare the streams, then run attempts until one settles
//! the command, the retry policy says stop, or the deadline passes.

use std::sync::atomic::{AtomicBool, Ordering};

use tracing::Instrument;

use super::{
    attempt::{AttemptError, attempt},
    cache::ExecutionCache,
    executed::Executed,
    execution::{Execution, Settings},
    options::ExecutionOptions,
    plan::Source,
};
use crate::{
    command::{CommandLogic, StreamDeclarations},
    error::{CommandError, StoreError},
    serialization::EventSerializer,
    store::EventStore,
};

pub(super) async fn run<S, Ser, C>(
    store: &S,
    settings: &Settings<Ser>,
    command: C,
    options: &ExecutionOptions,
) -> Result<Executed<C::Event>, CommandError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    let (correlation_id, metadata) = options.metadata.for_execution();
    let mut declarations = StreamDeclarations::default();
    command.declare_streams(&mut declarations);
    let declared = declarations.into_ids();
    let span = tracing::info_span!(
        "eventcore.execute",
        command = C::NAME,
        streams = ?declared,
        correlation_id = %correlation_id,
        attempts = tracing::field::Empty,
    );
    let execution = Execution {
        store,
        settings,
        command: &command,
        declared: &declared,
        metadata: &metadata,
        deadline: options.deadline.map(tokio::time::Instant::from_std),
        appending: AtomicBool::new(false),
    };
    retry(&execution).instrument(span).await
}

/// Runs attempts until one settles the command or the [`RetryPolicy`](crate::RetryPolicy) says
/// stop.
async fn retry<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
) -> Result<Executed<C::Event>, CommandError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    let limit = execution.settings.retry.max_attempts();
    let mut cache = ExecutionCache::new(execution.settings.cache.as_deref());
    let mut attempts: u32 = 0;
    let mut source = Source::Cache;
    // The conflict being retried, for an error at the deadline.
    let mut last: Option<StoreError> = None;
    loop {
        // Every append counts against the limit, one on cached state
        // included. The last attempt allowed always reads the store, so a
        // stale cache alone never exhausts the policy.
        if source == Source::Cache
            && (limit.saturating_sub(attempts) < 2 || !cache.worth_deciding_on::<C::Event>())
        {
            source = Source::Store;
        }
        let outcome = match execution.deadline {
            None => attempt(execution, cache.streams(), source).await,
            Some(deadline) => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(CommandError::DeadlineExceeded { attempts, last });
                }
                let attempted = attempt(execution, cache.streams(), source);
                match tokio::time::timeout_at(deadline, attempted).await {
                    Ok(outcome) => outcome,
                    Err(_) => return Err(abandoned(execution, attempts, last)),
                }
            }
        };
        if !matches!(outcome, Err(AttemptError::Unconfirmed)) {
            attempts += 1;
            tracing::Span::current().record("attempts", attempts);
        }
        let conflict = match outcome {
            Ok(events) => {
                tracing::debug!(events = events.len(), ?source, "command executed");
                return Ok(Executed { events, attempts });
            }
            Err(AttemptError::Unconfirmed) => {
                source = Source::Store;
                continue;
            }
            Err(AttemptError::Conflict(conflict)) => conflict,
            Err(AttemptError::Failed(error)) => return Err(error),
        };
        if attempts >= limit {
            tracing::warn!(error = %conflict, "retries exhausted");
            return Err(CommandError::RetriesExhausted {
                attempts,
                last: conflict,
            });
        }
        if source == Source::Cache {
            // The cache was behind: decide again on fresh state, at once.
            source = Source::Store;
            last = Some(conflict);
            continue;
        }
        cache.beaten_by(&conflict);
        let delay = execution.settings.retry.delay_before_retry(attempts);
        if execution
            .deadline
            .is_some_and(|deadline| tokio::time::Instant::now() + delay >= deadline)
        {
            tracing::warn!(error = %conflict, ?delay, "the deadline passes before the retry");
            return Err(CommandError::DeadlineExceeded {
                attempts,
                last: Some(conflict),
            });
        }
        tracing::debug!(error = %conflict, ?delay, "version conflict; retrying");
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        last = Some(conflict);
        source = Source::Cache;
    }
}

/// The error for an attempt abandoned at the deadline: an append in flight
/// (counted as an attempt) leaves the outcome unknown.
fn abandoned<S, Ser, C, E>(
    execution: &Execution<'_, S, Ser, C>,
    attempts: u32,
    last: Option<StoreError>,
) -> CommandError<E> {
    if execution.appending.load(Ordering::SeqCst) {
        let attempts = attempts + 1;
        tracing::Span::current().record("attempts", attempts);
        tracing::warn!(
            attempts,
            "the deadline passed while an append was in flight"
        );
        CommandError::OutcomeUnknown { attempts }
    } else {
        tracing::warn!(attempts, "the deadline passed before anything was written");
        CommandError::DeadlineExceeded { attempts, last }
    }
}
