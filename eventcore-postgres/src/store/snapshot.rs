//! Snapshots in the `snapshots` table.

use eventcore::{
    StoreError, StreamId, StreamVersion,
    store::{Snapshot, SnapshotStore},
};
use sqlx::Row;

use super::{PostgresStore, rows::to_version};

impl SnapshotStore for PostgresStore {
    #[tracing::instrument(
        name = "eventcore_postgres.save_snapshot",
        skip_all,
        fields(stream = %snapshot.stream_id(), state_type = snapshot.state_type())
    )]
    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<bool, StoreError> {
        const OPERATION: &str = "save_snapshot";
        let version = i64::try_from(snapshot.version().value()).map_err(|_| {
            eventcore::ValidationError::invalid(
                "Snapshot",
                snapshot.version(),
                "the version must be at most i64::MAX",
            )
        })?;
        let done = sqlx::query(&self.shared.sql.save_snapshot)
            .bind(snapshot.stream_id().as_str())
            .bind(snapshot.state_type())
            .bind(version)
            .bind(snapshot.fingerprint())
            .bind(snapshot.state().to_string())
            .execute(self.shared.pool_for(OPERATION).await?)
            .await
            .map_err(self.shared.errors.on(OPERATION))?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(
        name = "eventcore_postgres.load_snapshot",
        skip_all,
        fields(stream = %stream, state_type)
    )]
    async fn load_snapshot(
        &self,
        stream: &StreamId,
        state_type: &str,
    ) -> Result<Option<Snapshot>, StoreError> {
        const OPERATION: &str = "load_snapshot";
        let map = self.shared.errors.on(OPERATION);
        let row = sqlx::query(&self.shared.sql.load_snapshot)
            .bind(stream.as_str())
            .bind(state_type)
            .fetch_optional(self.shared.pool_for(OPERATION).await?)
            .await
            .map_err(&map)?;
        let Some(row) = row else { return Ok(None) };
        let version: StreamVersion = to_version(stream, row.try_get("version").map_err(&map)?)?;
        let fingerprint: String = row.try_get("fingerprint").map_err(&map)?;
        let state: String = row.try_get("state").map_err(&map)?;
        let corrupt = |what: String| StoreError::Corrupt {
            detail: format!("snapshot of {stream} as {state_type}: {what}"),
        };
        let state = serde_json::from_str(&state).map_err(|e| corrupt(e.to_string()))?;
        Snapshot::new(stream.clone(), state_type, version, fingerprint, state)
            .map(Some)
            .map_err(|e| corrupt(e.to_string()))
    }

    #[tracing::instrument(
        name = "eventcore_postgres.drop_snapshots",
        skip_all,
        fields(state_type)
    )]
    async fn drop_snapshots(&self, state_type: &str) -> Result<u64, StoreError> {
        const OPERATION: &str = "drop_snapshots";
        let done = sqlx::query(&self.shared.sql.drop_snapshots)
            .bind(state_type)
            .execute(self.shared.pool_for(OPERATION).await?)
            .await
            .map_err(self.shared.errors.on(OPERATION))?;
        Ok(done.rows_affected())
    }
}
