//! Scheduled messages, kept by id with an index of the pending ones by
//! queue and due time.

use std::collections::{BTreeSet, HashMap};

use eventcore::{
    IdempotencyKey, StoreError, Timestamp,
    store::{ScheduleStore, ScheduledMessage, Settled},
};

use crate::MemoryStore;

/// Every message the store holds.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    messages: HashMap<IdempotencyKey, Entry, foldhash::fast::RandomState>,
    /// The pending messages of each queue, by due time, then id.
    pending: HashMap<String, BTreeSet<(Timestamp, IdempotencyKey)>, foldhash::fast::RandomState>,
}

#[derive(Debug)]
struct Entry {
    message: ScheduledMessage,
    /// How and when it was settled; `None` while pending.
    settled: Option<(Settled, Timestamp)>,
}

impl Schedule {
    fn pending_key(message: &ScheduledMessage) -> (Timestamp, IdempotencyKey) {
        (message.due_at(), message.id().clone())
    }
}

impl ScheduleStore for MemoryStore {
    async fn schedule(&self, message: ScheduledMessage) -> Result<bool, StoreError> {
        let mut schedule = self.shared.schedule.lock();
        if schedule.messages.contains_key(message.id()) {
            return Ok(false);
        }
        schedule
            .pending
            .entry(message.queue().to_owned())
            .or_default()
            .insert(Schedule::pending_key(&message));
        schedule.messages.insert(
            message.id().clone(),
            Entry {
                message,
                settled: None,
            },
        );
        Ok(true)
    }

    async fn due_messages(
        &self,
        queue: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ScheduledMessage>, StoreError> {
        let schedule = self.shared.schedule.lock();
        let Some(pending) = schedule.pending.get(queue) else {
            return Ok(Vec::new());
        };
        Ok(pending
            .iter()
            .take_while(|(due, _)| *due <= now)
            .take(limit)
            .filter_map(|(_, id)| schedule.messages.get(id))
            .map(|entry| entry.message.clone())
            .collect())
    }

    async fn next_due(&self, queue: &str) -> Result<Option<Timestamp>, StoreError> {
        let schedule = self.shared.schedule.lock();
        Ok(schedule
            .pending
            .get(queue)
            .and_then(BTreeSet::first)
            .map(|(due, _)| *due))
    }

    async fn settle(&self, id: &IdempotencyKey, how: Settled) -> Result<bool, StoreError> {
        let mut schedule = self.shared.schedule.lock();
        let Some(entry) = schedule.messages.get_mut(id) else {
            return Ok(false);
        };
        if entry.settled.is_some() {
            return Ok(false);
        }
        entry.settled = Some((how, Timestamp::now()));
        let (queue, key) = (
            entry.message.queue().to_owned(),
            Schedule::pending_key(&entry.message),
        );
        if let Some(pending) = schedule.pending.get_mut(&queue) {
            pending.remove(&key);
            if pending.is_empty() {
                schedule.pending.remove(&queue);
            }
        }
        Ok(true)
    }

    async fn purge_settled(&self, before: Timestamp) -> Result<u64, StoreError> {
        let mut schedule = self.shared.schedule.lock();
        let count = schedule.messages.len();
        schedule
            .messages
            .retain(|_, entry| entry.settled.is_none_or(|(_, at)| at >= before));
        Ok((count - schedule.messages.len()) as u64)
    }
}
