//! One execution: declare the streams, then run attempts until one settles
//! the command, the retry policy says stop, or the deadline passes.

use std::{
    sync::atomic::{AtomicBool, AtomicU32, Ordering},
    time::Instant,
};

use tracing::Instrument;

use super::{
    attempt::{AttemptError, Attempted, attempt},
    cache::ExecutionCache,
    executed::Executed,
    execution::{Execution, Settings},
    options::{ExecutionOptions, fingerprint},
    plan::Source,
    replay::replay,
};
use crate::{
    command::{CommandLogic, StreamDeclarations},
    error::{CommandError, StoreError},
    metrics::Outcome,
    serialization::EventSerializer,
    store::{EventStore, IdempotencyClaim},
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
        idempotency_key = tracing::field::Empty,
        attempts = tracing::field::Empty,
        replayed = tracing::field::Empty,
        outcome = tracing::field::Empty,
        error = tracing::field::Empty,
    );
    let claim = options.idempotency_key.as_ref().map(|key| {
        span.record("idempotency_key", key.as_str());
        let claim = IdempotencyClaim::new(
            key.clone(),
            C::NAME,
            fingerprint(C::NAME, &declared, options.request),
        );
        match settings.idempotency_retention {
            Some(retention) => claim.retained_for(retention),
            None => claim,
        }
    });
    let execution = Execution {
        store,
        settings,
        command: &command,
        declared: &declared,
        metadata: &metadata,
        deadline: options.deadline.map(tokio::time::Instant::from_std),
        appending: AtomicBool::new(false),
        attempts: AtomicU32::new(0),
        claim,
    };
    let started = Instant::now();
    let result = retry(&execution).instrument(span.clone()).await;
    let outcome = match &result {
        Ok(executed) if executed.replayed => Outcome::Replayed,
        Ok(_) => Outcome::Ok,
        Err(CommandError::Rejected(_)) => Outcome::Rejected,
        Err(CommandError::RetriesExhausted { .. }) => Outcome::ConflictExhausted,
        Err(CommandError::DeadlineExceeded { .. } | CommandError::OutcomeUnknown { .. }) => {
            Outcome::Deadline
        }
        Err(_) => Outcome::Error,
    };
    span.record("outcome", outcome.label());
    if let Err(error) = &result {
        span.record("error", tracing::field::display(error));
    }
    let attempts = match &result {
        Ok(executed) => executed.attempts,
        Err(_) => execution.attempts.load(Ordering::Relaxed),
    };
    settings
        .metrics
        .execution(C::NAME, outcome, started, attempts);
    result
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
    // An idempotent execution decides on the cache like any other: its
    // append carries the claim, so a key already recorded refuses the
    // append, and the store read that follows finds the record.
    let mut source = Source::Cache;
    let mut key_raced = false;
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
                tokio::time::timeout_at(deadline, attempted)
                    .await
                    .map_err(|_| abandoned(execution, attempts, last.take()))?
            }
        };
        if !matches!(outcome, Err(AttemptError::Unconfirmed)) {
            attempts += 1;
            execution.attempts.store(attempts, Ordering::Relaxed);
            tracing::Span::current().record("attempts", attempts);
        }
        let conflict = match outcome {
            Ok(Attempted { events, replayed }) => {
                if replayed {
                    // The lookup is not an append.
                    attempts -= 1;
                    tracing::Span::current().record("attempts", attempts);
                }
                tracing::Span::current().record("replayed", replayed);
                tracing::debug!(events = events.len(), ?source, replayed, "command executed");
                return Ok(Executed {
                    events,
                    attempts,
                    replayed,
                });
            }
            Err(AttemptError::Unconfirmed) => {
                source = Source::Store;
                continue;
            }
            // Another execution recorded the key after this one looked it
            // up: the next read finds its record. A store that refuses the
            // key again without showing its record is not believed twice.
            Err(AttemptError::KeyRecorded(recorded)) => {
                if key_raced {
                    return Err(recorded.into());
                }
                key_raced = true;
                source = Source::Store;
                continue;
            }
            Err(AttemptError::Conflict(conflict)) => {
                execution.settings.metrics.conflict(C::NAME);
                conflict
            }
            Err(AttemptError::Failed(error)) => return Err(error),
        };
        if attempts >= limit {
            return exhausted(execution, attempts, conflict).await;
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

/// The end of an execution whose retries are exhausted. The last conflict
/// may have been a concurrent execution with the same key: its record
/// settles this one.
async fn exhausted<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    attempts: u32,
    conflict: StoreError,
) -> Result<Executed<C::Event>, CommandError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    if let Some(claim) = &execution.claim
        && let Some(record) = execution.store.idempotency_record(claim.key()).await?
    {
        let events = replay(execution, record)?;
        tracing::Span::current().record("replayed", true);
        return Ok(Executed {
            events,
            attempts,
            replayed: true,
        });
    }
    tracing::warn!(error = %conflict, "retries exhausted");
    Err(CommandError::RetriesExhausted {
        attempts,
        last: conflict,
    })
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
        CommandError::OutcomeUnknown {
            attempts,
            idempotency_key: execution.claim.as_ref().map(|c| c.key().clone()),
        }
    } else {
        tracing::warn!(attempts, "the deadline passed before anything was written");
        CommandError::DeadlineExceeded { attempts, last }
    }
}
