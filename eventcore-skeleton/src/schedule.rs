//! Scheduled messages: kept by id, with the pending ones indexed by queue
//! and due time (see [`State`](crate::state::State)).

use std::collections::BTreeSet;

use eventcore::{
    IdempotencyKey, StoreError, Timestamp,
    store::{ScheduleStore, ScheduledMessage, Settled},
};

use crate::{
    FileStore,
    entry::{Entry, Message},
};

impl ScheduleStore for FileStore {
    async fn schedule(&self, message: ScheduledMessage) -> Result<bool, StoreError> {
        self.change(|state| {
            // An id is scheduled once, pending or settled.
            if state.messages.contains_key(message.id()) {
                return Ok((None, false));
            }
            Ok((Some(Entry::Schedule(Message(message))), true))
        })
    }

    async fn due_messages(
        &self,
        queue: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ScheduledMessage>, StoreError> {
        Ok(self.read(|state| {
            let Some(pending) = state.pending.get(queue) else {
                return Vec::new();
            };
            pending
                .iter()
                .take_while(|(due, _)| *due <= now)
                .take(limit)
                .filter_map(|(_, id)| state.messages.get(id))
                .map(|(message, _)| message.clone())
                .collect()
        }))
    }

    async fn next_due(&self, queue: &str) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.read(|state| {
            state
                .pending
                .get(queue)
                .and_then(BTreeSet::first)
                .map(|(due, _)| *due)
        }))
    }

    async fn settle(&self, id: &IdempotencyKey, how: Settled) -> Result<bool, StoreError> {
        self.change(|state| {
            let pending = state
                .messages
                .get(id)
                .is_some_and(|(_, settled)| settled.is_none());
            let entry = pending.then(|| Entry::Settle {
                id: id.clone(),
                fired: how == Settled::Fired,
                at: Timestamp::now(),
            });
            Ok((entry, pending))
        })
    }

    async fn purge_settled(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.change(|state| {
            let count = state
                .messages
                .values()
                .filter(|(_, settled)| settled.is_some_and(|(_, at)| at < before))
                .count() as u64;
            Ok(((count > 0).then_some(Entry::PurgeSettled { before }), count))
        })
    }
}
