//! What a reaction issues its commands through.

use serde_json::Value;
use uuid::Uuid;

use crate::{
    command::CommandLogic,
    error::{CommandError, StoreError},
    executor::{CommandExecutor, Executed, ExecutionOptions},
    serialization::{EventSerializer, JsonSerializer},
    store::{EventStore, ScheduleStore, ScheduledMessage, Settled},
    types::{
        CorrelationId, EventMetadataBuilder, IdempotencyKey, RecordedEvent, Timestamp,
        ValidationError,
    },
};

/// The UUID namespace of the keys of reactions to events.
const REACTIONS: Uuid = Uuid::from_u128(0x2a7e_91c4_0b3d_4f58_8e16_c5a9_74d0_3b62);

/// The UUID namespace of the keys of scheduled messages' handlers.
const FIRINGS: Uuid = Uuid::from_u128(0x6c0f_d3a1_9e25_47b8_a4d7_2f81_5b6e_c093);

/// Issues the commands of one reaction: the `n`-th command gets the
/// idempotency key derived from the process's name, the triggering event's
/// id and `n`, and metadata that names the event as its cause and carries
/// its correlation id.
///
/// Handed to [`ProcessManager::react`](super::ProcessManager::react), and,
/// for a message that fell due, to
/// [`ScheduleHandler::fire`](super::ScheduleHandler::fire) (keys derived from
/// the message's id, metadata with its correlation id).
#[derive(Debug)]
pub struct Commands<'a, S, Ser = JsonSerializer> {
    executor: &'a CommandExecutor<S, Ser>,
    reaction: IdempotencyKey,
    metadata: EventMetadataBuilder,
    correlation: Option<CorrelationId>,
    /// When the trigger happened: the event's timestamp, or the message's
    /// due time.
    triggered_at: Timestamp,
    issued: u64,
}

impl<'a, S, Ser> Commands<'a, S, Ser> {
    /// The reaction of the process named `process` to `event`.
    pub(crate) fn new<E>(
        executor: &'a CommandExecutor<S, Ser>,
        process: &str,
        event: &RecordedEvent<E>,
    ) -> Self {
        let event_id: Uuid = event.metadata().event_id().into();
        Self {
            executor,
            reaction: reaction_key(&REACTIONS, process, event_id.as_bytes()),
            metadata: EventMetadataBuilder::default().caused_by(event),
            correlation: Some(event.metadata().correlation_id()),
            triggered_at: event.metadata().timestamp(),
            issued: 0,
        }
    }

    /// The firing of `message` by the scheduler of its queue.
    pub(crate) fn for_message(
        executor: &'a CommandExecutor<S, Ser>,
        message: &ScheduledMessage,
    ) -> Self {
        let mut metadata = EventMetadataBuilder::default();
        if let Some(correlation) = message.correlation_id() {
            metadata = metadata.correlation_id(correlation);
        }
        Self {
            executor,
            reaction: reaction_key(&FIRINGS, message.queue(), message.id().as_str().as_bytes()),
            metadata,
            correlation: message.correlation_id(),
            triggered_at: message.due_at(),
            issued: 0,
        }
    }

    /// The idempotency key the next command will carry. Also a stable,
    /// unique id for anything else the reaction hands on (a message to
    /// another system, say), derived the same way.
    #[must_use]
    pub fn next_key(&self) -> IdempotencyKey {
        IdempotencyKey::derived(&self.reaction, self.issued)
    }

    /// When the trigger happened: the triggering event's timestamp, or the
    /// scheduled message's due time. The same on every delivery, unlike
    /// the clock.
    #[must_use]
    pub const fn triggered_at(&self) -> Timestamp {
        self.triggered_at
    }

    /// How many commands this reaction has issued so far.
    #[must_use]
    pub const fn issued(&self) -> u64 {
        self.issued
    }

    /// The executor the commands run on (for its store, say).
    #[must_use]
    pub const fn executor(&self) -> &'a CommandExecutor<S, Ser> {
        self.executor
    }
}

impl<S: EventStore, Ser: EventSerializer> Commands<'_, S, Ser> {
    /// Executes `command` as the reaction's next command. Its result is the
    /// reaction's to handle: a rejection (`Err(CommandError::Rejected(_))`)
    /// is an outcome to answer, not a failure of the runner.
    ///
    /// When the event is delivered again, the same command at the same
    /// index replays what it wrote the first time
    /// ([`Executed::replayed`]); a rejection was not recorded, so the
    /// command is decided again.
    pub async fn execute<C: CommandLogic>(
        &mut self,
        command: C,
    ) -> Result<Executed<C::Event>, CommandError<C::Error>> {
        let options = self.next_options();
        self.executor.execute_with_options(command, options).await
    }

    /// [`execute`](Self::execute) with a deadline (see
    /// [`ExecutionOptions::deadline`]); the key and metadata are the
    /// reaction's.
    pub async fn execute_before<C: CommandLogic>(
        &mut self,
        command: C,
        deadline: std::time::Instant,
    ) -> Result<Executed<C::Event>, CommandError<C::Error>> {
        let options = self.next_options().deadline(deadline);
        self.executor.execute_with_options(command, options).await
    }

    /// Schedules `payload` for the scheduler of `queue` at `due_at`, as the
    /// reaction's next step: the message's id is the key the next command
    /// would have had, so the same event answered again schedules nothing
    /// new (and a message already fired or cancelled is not revived).
    /// Returns the id, which [`cancel`](Self::cancel) takes.
    pub async fn schedule(
        &mut self,
        queue: &str,
        due_at: Timestamp,
        payload: Value,
    ) -> Result<IdempotencyKey, StoreError>
    where
        S: ScheduleStore,
    {
        let id = self.next_key();
        let mut message = ScheduledMessage::new(id.clone(), queue, due_at, payload)?;
        if let Some(correlation) = self.correlation {
            message = message.correlated(correlation);
        }
        self.executor.store().schedule(message).await?;
        self.issued += 1;
        Ok(id)
    }

    /// [`schedule`](Self::schedule)s `payload` `delay` after the trigger
    /// happened ([`triggered_at`](Self::triggered_at)), so the due time is
    /// the same however late or often the trigger is delivered.
    pub async fn schedule_after(
        &mut self,
        queue: &str,
        delay: std::time::Duration,
        payload: Value,
    ) -> Result<IdempotencyKey, StoreError>
    where
        S: ScheduleStore,
    {
        let at = self.triggered_at.into_inner();
        let due = chrono::Duration::from_std(delay)
            .ok()
            .and_then(|delay| at.checked_add_signed(delay))
            .ok_or_else(|| {
                ValidationError::invalid(
                    "schedule delay",
                    format!("{delay:?}"),
                    "must keep the due time within the calendar",
                )
            })?;
        self.schedule(queue, Timestamp::new(due), payload).await
    }

    /// Cancels the pending message `id`; returns whether it was pending
    /// (a message that already fired is not undone).
    pub async fn cancel(&self, id: &IdempotencyKey) -> Result<bool, StoreError>
    where
        S: ScheduleStore,
    {
        self.executor.store().settle(id, Settled::Cancelled).await
    }

    fn next_options(&mut self) -> ExecutionOptions {
        let key = self.next_key();
        self.issued += 1;
        ExecutionOptions::new()
            .metadata(self.metadata.clone())
            .idempotency_key(key)
    }
}

/// The parent of a reaction's keys: the process's (or queue's) name and
/// what triggered it, as a UUID version 5 in `namespace` (so any name fits
/// the key's length limit).
fn reaction_key(namespace: &Uuid, process: &str, trigger: &[u8]) -> IdempotencyKey {
    let mut name = Vec::with_capacity(process.len() + 1 + trigger.len());
    name.extend_from_slice(process.as_bytes());
    name.push(0);
    name.extend_from_slice(trigger);
    IdempotencyKey::from(Uuid::new_v5(namespace, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_process_trigger_and_index() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let key = |process, event: Uuid, index| {
            IdempotencyKey::derived(&reaction_key(&REACTIONS, process, event.as_bytes()), index)
        };
        assert_eq!(key("p", a, 0), key("p", a, 0));
        assert_ne!(key("p", a, 0), key("p", a, 1));
        assert_ne!(key("p", a, 0), key("p", b, 0));
        assert_ne!(key("p", a, 0), key("q", a, 0));
        // The separator keeps a name from running into the trigger.
        assert_ne!(
            reaction_key(&REACTIONS, "p", b"\x01a"),
            reaction_key(&REACTIONS, "p\x01", b"a")
        );
        // An event and a message with the same bytes are different triggers.
        assert_ne!(
            reaction_key(&REACTIONS, "p", a.as_bytes()),
            reaction_key(&FIRINGS, "p", a.as_bytes())
        );
    }
}
