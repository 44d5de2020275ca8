//! What a reaction issues its commands through.

use uuid::Uuid;

use crate::{
    command::CommandLogic,
    error::CommandError,
    executor::{CommandExecutor, Executed, ExecutionOptions},
    serialization::{EventSerializer, JsonSerializer},
    store::EventStore,
    types::{EventMetadataBuilder, IdempotencyKey, RecordedEvent},
};

/// The UUID namespace of reaction keys.
const REACTIONS: Uuid = Uuid::from_u128(0x2a7e_91c4_0b3d_4f58_8e16_c5a9_74d0_3b62);

/// Issues the commands of one reaction: the `n`-th command gets the
/// idempotency key derived from the process's name, the triggering event's
/// id and `n`, and metadata that names the event as its cause and carries
/// its correlation id.
///
/// Handed to [`ProcessManager::react`](super::ProcessManager::react).
#[derive(Debug)]
pub struct Commands<'a, S, Ser = JsonSerializer> {
    executor: &'a CommandExecutor<S, Ser>,
    reaction: IdempotencyKey,
    metadata: EventMetadataBuilder,
    issued: u64,
}

impl<'a, S, Ser> Commands<'a, S, Ser> {
    /// The reaction of the process named `process` to `event`.
    pub(crate) fn new<E>(
        executor: &'a CommandExecutor<S, Ser>,
        process: &str,
        event: &RecordedEvent<E>,
    ) -> Self {
        Self {
            executor,
            reaction: reaction_key(process, event.metadata().event_id().into()),
            metadata: EventMetadataBuilder::default().caused_by(event),
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

    fn next_options(&mut self) -> ExecutionOptions {
        let key = self.next_key();
        self.issued += 1;
        ExecutionOptions::new()
            .metadata(self.metadata.clone())
            .idempotency_key(key)
    }
}

/// The parent of a reaction's keys: the process's name and the triggering
/// event's id, as a UUID version 5 (so any name fits the key's length
/// limit).
fn reaction_key(process: &str, event: Uuid) -> IdempotencyKey {
    let mut name = Vec::with_capacity(process.len() + 17);
    name.extend_from_slice(process.as_bytes());
    name.push(0);
    name.extend_from_slice(event.as_bytes());
    IdempotencyKey::from(Uuid::new_v5(&REACTIONS, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_process_event_and_index() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let key =
            |process, event, index| IdempotencyKey::derived(&reaction_key(process, event), index);
        assert_eq!(key("p", a, 0), key("p", a, 0));
        assert_ne!(key("p", a, 0), key("p", a, 1));
        assert_ne!(key("p", a, 0), key("p", b, 0));
        assert_ne!(key("p", a, 0), key("q", a, 0));
        // The separator keeps a name from running into the event id.
        assert_ne!(reaction_key("p", a), reaction_key("p\u{1}", a));
    }
}
