//! Everything the store knows, in memory: the fold of the file's entries.
//!
//! [`State::apply`] is the only way anything here changes, both when the
//! file is replayed on open and after a new entry was made durable, so what
//! a reader sees after a restart is exactly what it saw before.

use std::{
    collections::{BTreeSet, HashMap},
    ops::Range,
};

use eventcore::{
    GlobalPosition, IdempotencyKey, StreamId, StreamVersion, Timestamp,
    store::{ProjectionControl, ScheduledMessage, Settled, Snapshot, StoredEvent},
};

use crate::entry::{Entry, EventLine, KeyLine, LeaseLine, Message, SavedSnapshot, settled};

/// The in-memory indexes, rebuilt from the file on open.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Every event in position order: the event at index `i` has position
    /// `i + 1` (positions are dense here, and never reused).
    pub(crate) events: Vec<StoredEvent>,
    /// For each stream, the indexes of its events in version order: its
    /// version is the length.
    pub(crate) streams: HashMap<StreamId, Vec<usize>>,
    /// Idempotency records, with the indexes of the events of their batch
    /// (one batch's events are consecutive).
    pub(crate) keys: HashMap<IdempotencyKey, (KeyLine, Range<usize>)>,
    pub(crate) checkpoints: HashMap<String, GlobalPosition>,
    pub(crate) leases: HashMap<String, LeaseLine>,
    pub(crate) controls: HashMap<String, ProjectionControl>,
    /// Every scheduled message, with how and when it was settled.
    pub(crate) messages: HashMap<IdempotencyKey, (ScheduledMessage, Option<(Settled, Timestamp)>)>,
    /// The pending messages of each queue, by due time, then id.
    pub(crate) pending: HashMap<String, BTreeSet<(Timestamp, IdempotencyKey)>>,
    /// One snapshot per stream and state type.
    pub(crate) snapshots: HashMap<(StreamId, String), Snapshot>,
}

impl State {
    /// The position of the newest event.
    pub(crate) fn head(&self) -> GlobalPosition {
        GlobalPosition::new(self.events.len() as u64)
    }

    /// A stream's current version (0 if it has no events).
    pub(crate) fn version(&self, stream: &StreamId) -> StreamVersion {
        StreamVersion::new(self.streams.get(stream).map_or(0, Vec::len) as u64)
    }

    /// Checks that an entry read from the file continues this state: an
    /// append's positions follow the head and its versions follow each
    /// stream's, with no gap and no repeat. A damaged or hand-edited file
    /// is refused, never half-loaded. Returns what is wrong.
    pub(crate) fn check_continues(&self, entry: &Entry) -> Result<(), String> {
        let Entry::Append { events, .. } = entry else {
            return Ok(());
        };
        let mut head = self.events.len() as u64;
        let mut versions: HashMap<&StreamId, u64> = HashMap::new();
        for event in events {
            head += 1;
            let version = versions
                .entry(&event.stream)
                .or_insert_with(|| self.version(&event.stream).value());
            *version += 1;
            if event.position.value() != head || event.version.value() != *version {
                return Err(format!(
                    "an event of {} is at position {} and version {}, where {head} and {version} \
                     were next",
                    event.stream, event.position, event.version
                ));
            }
        }
        Ok(())
    }

    /// Applies one entry: the single place where the state changes.
    pub(crate) fn apply(&mut self, entry: Entry) {
        match entry {
            Entry::Append { events, key } => self.apply_append(events, key),
            Entry::PurgeKeys { at } => self.keys.retain(|_, (line, _)| line.is_live(at)),
            Entry::Checkpoint { name, position } => {
                self.checkpoints.insert(name, position);
            }
            Entry::Lease(lease) => {
                self.leases.insert(lease.name.clone(), lease);
            }
            Entry::Control {
                name,
                paused,
                rebuilds_requested,
                rebuilds_done,
            } => {
                let control = ProjectionControl::new(paused, rebuilds_requested, rebuilds_done);
                self.controls.insert(name, control);
            }
            Entry::Schedule(Message(message)) => self.apply_schedule(message),
            Entry::Settle { id, fired, at } => self.apply_settle(&id, settled(fired), at),
            Entry::PurgeSettled { before } => self
                .messages
                .retain(|_, (_, settled)| settled.is_none_or(|(_, at)| at >= before)),
            Entry::Snapshot(SavedSnapshot(snapshot)) => {
                let key = (
                    snapshot.stream_id().clone(),
                    snapshot.state_type().to_owned(),
                );
                self.snapshots.insert(key, snapshot);
            }
            Entry::DropSnapshots { state_type } => {
                self.snapshots.retain(|(_, saved), _| *saved != state_type);
            }
        }
    }

    fn apply_append(&mut self, events: Vec<EventLine>, key: Option<KeyLine>) {
        let first = self.events.len();
        for event in events {
            let index = self.events.len();
            self.streams
                .entry(event.stream.clone())
                .or_default()
                .push(index);
            self.events.push(event.into_stored());
        }
        if let Some(key) = key {
            // Replaces an expired record of the same key, if any.
            self.keys
                .insert(key.key.clone(), (key, first..self.events.len()));
        }
    }

    fn apply_schedule(&mut self, message: ScheduledMessage) {
        self.pending
            .entry(message.queue().to_owned())
            .or_default()
            .insert((message.due_at(), message.id().clone()));
        self.messages.insert(message.id().clone(), (message, None));
    }

    fn apply_settle(&mut self, id: &IdempotencyKey, how: Settled, at: Timestamp) {
        let Some((message, settled)) = self.messages.get_mut(id) else {
            return;
        };
        *settled = Some((how, at));
        if let Some(pending) = self.pending.get_mut(message.queue()) {
            pending.remove(&(message.due_at(), message.id().clone()));
            if pending.is_empty() {
                self.pending.remove(message.queue());
            }
        }
    }
}
