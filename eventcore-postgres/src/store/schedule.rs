//! Scheduled messages in the `scheduled_messages` table.

use chrono::{DateTime, Utc};
use eventcore::{
    CorrelationId, IdempotencyKey, StoreError, Timestamp,
    store::{ScheduleStore, ScheduledMessage, Settled},
};
use sqlx::{Row, postgres::PgRow};
use uuid::Uuid;

use super::PostgresStore;

/// A stored message, or `Corrupt` naming what is wrong with the row.
fn message_of(
    row: &PgRow,
    map: impl Fn(sqlx::Error) -> StoreError,
) -> Result<ScheduledMessage, StoreError> {
    let id: String = row.try_get("id").map_err(&map)?;
    let corrupt = |what: &str| StoreError::Corrupt {
        detail: format!("scheduled message {id:?}: {what}"),
    };
    let queue: String = row.try_get("queue").map_err(&map)?;
    let due_at: DateTime<Utc> = row.try_get("due_at").map_err(&map)?;
    let payload: String = row.try_get("payload").map_err(&map)?;
    let correlation: Option<Uuid> = row.try_get("correlation_id").map_err(&map)?;
    let key = IdempotencyKey::try_new(&id).map_err(|e| corrupt(&e.to_string()))?;
    let payload = serde_json::from_str(&payload).map_err(|e| corrupt(&e.to_string()))?;
    let message = ScheduledMessage::new(key, queue, Timestamp::from(due_at), payload)
        .map_err(|e| corrupt(&e.to_string()))?;
    Ok(match correlation {
        Some(id) => message.correlated(CorrelationId::from(id)),
        None => message,
    })
}

impl ScheduleStore for PostgresStore {
    #[tracing::instrument(name = "eventcore_postgres.schedule", skip_all, fields(id = %message.id()))]
    async fn schedule(&self, message: ScheduledMessage) -> Result<bool, StoreError> {
        const OPERATION: &str = "schedule";
        let done = sqlx::query(&self.shared.sql.schedule_message)
            .bind(message.id().as_str())
            .bind(message.queue())
            .bind(message.due_at().into_inner())
            .bind(message.payload().to_string())
            .bind(message.correlation_id().map(|c| *c.as_uuid()))
            .execute(self.shared.pool_for(OPERATION).await?)
            .await
            .map_err(self.shared.errors.on(OPERATION))?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(
        name = "eventcore_postgres.due_messages",
        skip_all,
        fields(queue, limit)
    )]
    async fn due_messages(
        &self,
        queue: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ScheduledMessage>, StoreError> {
        const OPERATION: &str = "due_messages";
        let map = self.shared.errors.on(OPERATION);
        let rows = sqlx::query(&self.shared.sql.due_messages)
            .bind(queue)
            .bind(now.into_inner())
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(self.shared.pool_for(OPERATION).await?)
            .await
            .map_err(&map)?;
        rows.iter().map(|row| message_of(row, &map)).collect()
    }

    #[tracing::instrument(name = "eventcore_postgres.next_due", skip_all, fields(queue))]
    async fn next_due(&self, queue: &str) -> Result<Option<Timestamp>, StoreError> {
        const OPERATION: &str = "next_due";
        let due: Option<DateTime<Utc>> = sqlx::query_scalar(&self.shared.sql.next_due)
            .bind(queue)
            .fetch_one(self.shared.pool_for(OPERATION).await?)
            .await
            .map_err(self.shared.errors.on(OPERATION))?;
        Ok(due.map(Timestamp::from))
    }

    #[tracing::instrument(name = "eventcore_postgres.settle", skip_all, fields(id = %id, how = how.as_str()))]
    async fn settle(&self, id: &IdempotencyKey, how: Settled) -> Result<bool, StoreError> {
        const OPERATION: &str = "settle";
        let done = sqlx::query(&self.shared.sql.settle_message)
            .bind(id.as_str())
            .bind(how.as_str())
            .execute(self.shared.pool_for(OPERATION).await?)
            .await
            .map_err(self.shared.errors.on(OPERATION))?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(name = "eventcore_postgres.purge_settled", skip_all)]
    async fn purge_settled(&self, before: Timestamp) -> Result<u64, StoreError> {
        const OPERATION: &str = "purge_settled";
        let done = sqlx::query(&self.shared.sql.purge_settled_messages)
            .bind(before.into_inner())
            .execute(self.shared.pool_for(OPERATION).await?)
            .await
            .map_err(self.shared.errors.on(OPERATION))?;
        Ok(done.rows_affected())
    }
}
