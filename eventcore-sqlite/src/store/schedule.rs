//! Scheduled messages in the `scheduled_messages` table. Due times are
//! microseconds since the Unix epoch, as `ScheduledMessage` keeps them.

use eventcore::{
    CorrelationId, IdempotencyKey, StoreError, Timestamp,
    store::{ScheduleStore, ScheduledMessage, Settled},
};
use sqlx::{Row, sqlite::SqliteRow};
use uuid::Uuid;

use super::{from_micros, micros, now_micros};
use crate::SqliteStore;

/// A stored message, or `Corrupt` naming what is wrong with the row.
fn message_of(
    row: &SqliteRow,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<ScheduledMessage, StoreError> {
    let id: String = row.try_get("id").map_err(map)?;
    let corrupt = |what: &str| StoreError::Corrupt {
        detail: format!("scheduled message {id:?}: {what}"),
    };
    let queue: String = row.try_get("queue").map_err(map)?;
    let due_at = from_micros(
        &format!("scheduled message {id:?}"),
        row.try_get("due_us").map_err(map)?,
    )?;
    let payload: String = row.try_get("payload").map_err(map)?;
    let correlation: Option<Uuid> = row.try_get("correlation_id").map_err(map)?;
    let key = IdempotencyKey::try_new(&id).map_err(|e| corrupt(&e.to_string()))?;
    let payload = serde_json::from_str(&payload).map_err(|e| corrupt(&e.to_string()))?;
    let message =
        ScheduledMessage::new(key, queue, due_at, payload).map_err(|e| corrupt(&e.to_string()))?;
    Ok(match correlation {
        Some(id) => message.correlated(CorrelationId::from(id)),
        None => message,
    })
}

impl ScheduleStore for SqliteStore {
    async fn schedule(&self, message: ScheduledMessage) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO scheduled_messages (id, queue, due_us, payload, correlation_id) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(message.id().as_str())
        .bind(message.queue())
        .bind(micros(message.due_at()))
        .bind(message.payload().to_string())
        .bind(message.correlation_id().map(|c| *c.as_uuid()))
        .execute(&self.shared.writer)
        .await
        .map_err(self.shared.errors.on("schedule"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn due_messages(
        &self,
        queue: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ScheduledMessage>, StoreError> {
        let map = self.shared.errors.on("due_messages");
        let rows = sqlx::query(
            "SELECT id, queue, due_us, payload, correlation_id FROM scheduled_messages \
             WHERE queue = ?1 AND settled IS NULL AND due_us <= ?2 \
             ORDER BY due_us, id LIMIT ?3",
        )
        .bind(queue)
        .bind(micros(now))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.shared.readers)
        .await
        .map_err(&map)?;
        rows.iter().map(|row| message_of(row, &map)).collect()
    }

    async fn next_due(&self, queue: &str) -> Result<Option<Timestamp>, StoreError> {
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(due_us) FROM scheduled_messages WHERE queue = ?1 AND settled IS NULL",
        )
        .bind(queue)
        .fetch_one(&self.shared.readers)
        .await
        .map_err(self.shared.errors.on("next_due"))?;
        due.map(|us| from_micros(&format!("the queue {queue:?}"), us))
            .transpose()
    }

    async fn settle(&self, id: &IdempotencyKey, how: Settled) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE scheduled_messages SET settled = ?2, settled_us = ?3 \
             WHERE id = ?1 AND settled IS NULL",
        )
        .bind(id.as_str())
        .bind(how.as_str())
        .bind(now_micros())
        .execute(&self.shared.writer)
        .await
        .map_err(self.shared.errors.on("settle"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_settled(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM scheduled_messages WHERE settled IS NOT NULL AND settled_us < ?1",
        )
        .bind(micros(before))
        .execute(&self.shared.writer)
        .await
        .map_err(self.shared.errors.on("purge_settled"))?;
        Ok(done.rows_affected())
    }
}
