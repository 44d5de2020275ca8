//! Snapshots, one per stream and state type.

use std::collections::HashMap;

use eventcore::{
    StoreError, StreamId,
    store::{Snapshot, SnapshotStore},
};

use crate::MemoryStore;

/// The snapshots, by stream and state type.
#[derive(Debug, Default)]
pub(crate) struct Snapshots {
    by_stream: HashMap<(StreamId, String), Snapshot, foldhash::fast::RandomState>,
}

impl SnapshotStore for MemoryStore {
    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<bool, StoreError> {
        let mut snapshots = self.shared.snapshots.lock();
        let key = (
            snapshot.stream_id().clone(),
            snapshot.state_type().to_owned(),
        );
        if let Some(saved) = snapshots.by_stream.get(&key)
            && saved.fingerprint() == snapshot.fingerprint()
            && saved.version() > snapshot.version()
        {
            return Ok(false);
        }
        snapshots.by_stream.insert(key, snapshot);
        Ok(true)
    }

    async fn load_snapshot(
        &self,
        stream: &StreamId,
        state_type: &str,
    ) -> Result<Option<Snapshot>, StoreError> {
        let snapshots = self.shared.snapshots.lock();
        Ok(snapshots
            .by_stream
            .get(&(stream.clone(), state_type.to_owned()))
            .cloned())
    }

    async fn drop_snapshots(&self, state_type: &str) -> Result<u64, StoreError> {
        let mut snapshots = self.shared.snapshots.lock();
        let before = snapshots.by_stream.len();
        snapshots
            .by_stream
            .retain(|(_, saved_type), _| saved_type != state_type);
        Ok((before - snapshots.by_stream.len()) as u64)
    }
}
