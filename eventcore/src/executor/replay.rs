//! Answering an execution whose idempotency key is already recorded: the
//! events the first execution wrote, or a refusal when the key was first
//! used by another request.

use crate::{
    command::{Command, CommandLogic},
    error::{CommandError, StoreError},
    serialization::EventSerializer,
    store::IdempotencyRecord,
    types::RecordedEvent,
};

use super::execution::Execution;

type Events<C> = Vec<RecordedEvent<<C as Command>::Event>>;

/// The recorded events, decoded, if the record was made by the same
/// request as this execution's; [`CommandError::IdempotencyKeyReused`]
/// otherwise. Events of retired types are left out.
pub(super) fn replay<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    record: IdempotencyRecord,
) -> Result<Events<C>, CommandError<C::Error>>
where
    Ser: EventSerializer,
    C: CommandLogic,
{
    let Some(claim) = &execution.claim else {
        // Only keyed executions look records up.
        return Err(CommandError::Store(StoreError::Corrupt {
            detail: format!(
                "the store returned the record of idempotency key {} to an execution that did \
                 not ask for it",
                record.key
            ),
        }));
    };
    if record.command != claim.command() || record.fingerprint != claim.fingerprint() {
        tracing::warn!(
            key = %record.key,
            recorded_command = %record.command,
            "idempotency key reused by a different request"
        );
        return Err(CommandError::IdempotencyKeyReused {
            key: record.key,
            command: C::NAME,
            recorded_command: record.command,
        });
    }
    let mut events = Vec::with_capacity(record.events.len());
    for stored in &record.events {
        let payload = match execution.settings.serializer.decode(stored) {
            Ok(payload) => payload,
            Err(e) if e.is_retired() => continue,
            Err(e) => return Err(e.into()),
        };
        events.push(RecordedEvent::new(
            stored.stream_id().clone(),
            stored.version(),
            stored.position(),
            stored.metadata().clone(),
            payload,
        ));
    }
    tracing::debug!(key = %record.key, events = events.len(), "replayed a recorded execution");
    Ok(events)
}
