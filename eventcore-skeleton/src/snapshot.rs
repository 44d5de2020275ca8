//! Snapshots, one per stream and state type.

use eventcore::{
    StoreError, StreamId,
    store::{Snapshot, SnapshotStore},
};

use crate::{
    FileStore,
    entry::{Entry, SavedSnapshot},
};

impl SnapshotStore for FileStore {
    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<bool, StoreError> {
        self.change(|state| {
            let key = (
                snapshot.stream_id().clone(),
                snapshot.state_type().to_owned(),
            );
            // A slower writer never turns a snapshot of the same code back.
            if let Some(saved) = state.snapshots.get(&key)
                && saved.fingerprint() == snapshot.fingerprint()
                && saved.version() > snapshot.version()
            {
                return Ok((None, false));
            }
            Ok((Some(Entry::Snapshot(SavedSnapshot(snapshot))), true))
        })
    }

    async fn load_snapshot(
        &self,
        stream: &StreamId,
        state_type: &str,
    ) -> Result<Option<Snapshot>, StoreError> {
        let key = (stream.clone(), state_type.to_owned());
        Ok(self.read(|state| state.snapshots.get(&key).cloned()))
    }

    async fn drop_snapshots(&self, state_type: &str) -> Result<u64, StoreError> {
        self.change(|state| {
            let count = state
                .snapshots
                .keys()
                .filter(|(_, saved)| saved == state_type)
                .count() as u64;
            let entry = (count > 0).then(|| Entry::DropSnapshots {
                state_type: state_type.to_owned(),
            });
            Ok((entry, count))
        })
    }
}
