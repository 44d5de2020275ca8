//! Snapshots in the `snapshots` table, one per stream and state type.

use eventcore::{
    StoreError, StreamId, StreamVersion,
    store::{Snapshot, SnapshotStore},
};
use sqlx::Row;

use super::{to_i64, to_u64};
use crate::SqliteStore;

impl SnapshotStore for SqliteStore {
    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<bool, StoreError> {
        // Replaces the saved one unless that one has the same fingerprint
        // and a higher version: a slower writer never turns it back.
        let done = sqlx::query(
            "INSERT INTO snapshots (stream_id, state_type, version, fingerprint, state) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (stream_id, state_type) DO UPDATE SET \
                 version = excluded.version, fingerprint = excluded.fingerprint, \
                 state = excluded.state \
             WHERE NOT (snapshots.fingerprint = excluded.fingerprint \
                        AND snapshots.version > excluded.version)",
        )
        .bind(snapshot.stream_id().as_str())
        .bind(snapshot.state_type())
        .bind(to_i64("StreamVersion", snapshot.version().value())?)
        .bind(snapshot.fingerprint())
        .bind(snapshot.state().to_string())
        .execute(&self.shared.writer)
        .await
        .map_err(self.shared.errors.on("save_snapshot"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn load_snapshot(
        &self,
        stream: &StreamId,
        state_type: &str,
    ) -> Result<Option<Snapshot>, StoreError> {
        let map = self.shared.errors.on("load_snapshot");
        let row = sqlx::query(
            "SELECT version, fingerprint, state FROM snapshots \
             WHERE stream_id = ?1 AND state_type = ?2",
        )
        .bind(stream.as_str())
        .bind(state_type)
        .fetch_optional(&self.shared.readers)
        .await
        .map_err(&map)?;
        let Some(row) = row else { return Ok(None) };
        let corrupt = |what: String| StoreError::Corrupt {
            detail: format!("the {state_type} snapshot of {stream}: {what}"),
        };
        let version: i64 = row.try_get("version").map_err(&map)?;
        let fingerprint: String = row.try_get("fingerprint").map_err(&map)?;
        let state: String = row.try_get("state").map_err(&map)?;
        let state = serde_json::from_str(&state).map_err(|e| corrupt(e.to_string()))?;
        let version = StreamVersion::new(to_u64("a snapshot's version", version)?);
        Snapshot::new(stream.clone(), state_type, version, fingerprint, state)
            .map(Some)
            .map_err(|e| corrupt(e.to_string()))
    }

    async fn drop_snapshots(&self, state_type: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM snapshots WHERE state_type = ?1")
            .bind(state_type)
            .execute(&self.shared.writer)
            .await
            .map_err(self.shared.errors.on("drop_snapshots"))?;
        Ok(done.rows_affected())
    }
}
