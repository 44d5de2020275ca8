//! Turning a failed or refused append into the right typed error.

use eventcore::{
    StoreError, StreamId, StreamVersion,
    store::{AppendBatch, ExpectedVersion},
};
use sqlx::Row;

use crate::{
    error::{
        IN_FAILED_SQL_TRANSACTION, INVALID_TRANSACTION_TERMINATION, UNIQUE_VIOLATION, constraint,
        sqlstate,
    },
    store::{rows::to_version, shared::Shared},
};

/// The SQLSTATE the keyed append procedure raises for a recorded key.
const KEY_RECORDED: &str = "EC003";

/// Turns a failed append call into the right typed error.
pub(super) async fn append_failed(
    shared: &Shared,
    batch: &AppendBatch,
    error: sqlx::Error,
) -> StoreError {
    match sqlstate(&error).as_deref() {
        // Defensive: the append procedure locks before writing, so two
        // writers cannot both pass a check, but if the unique keys ever
        // catch a race, report it as the conflict it is.
        Some(UNIQUE_VIOLATION)
            if matches!(
                constraint(&error),
                Some("events_stream_version_key" | "streams_pkey" | "events_pkey")
            ) =>
        {
            match reread_conflict(shared, batch).await {
                Ok(conflict) => conflict,
                Err(other) => other,
            }
        }
        // Raised by the keyed append procedure: the key is recorded.
        Some(KEY_RECORDED) => match batch.idempotency() {
            Some(claim) => StoreError::IdempotencyKeyRecorded {
                key: claim.key().clone(),
            },
            None => shared.errors.translate("append", error),
        },
        // invalid_transaction_termination: the committing append ran
        // inside a transaction block; in_failed_sql_transaction: inside
        // one that had already failed. Either way someone left the
        // pooled connection inside a transaction.
        Some(INVALID_TRANSACTION_TERMINATION | IN_FAILED_SQL_TRANSACTION) => {
            StoreError::StrayTransaction {
                operation: "append",
            }
        }
        // invalid_text_representation / untranslatable_character: a
        // payload PostgreSQL's jsonb does not accept.
        Some("22P02" | "22P05" | "22025") => {
            invalid_payload(batch).unwrap_or_else(|| shared.errors.translate("append", error))
        }
        _ => shared.errors.translate("append", error),
    }
}

/// Re-reads the participants' versions to describe a conflict the
/// database caught through a unique key.
async fn reread_conflict(shared: &Shared, batch: &AppendBatch) -> Result<StoreError, StoreError> {
    let map = shared.errors.on("append");
    let ids: Vec<&str> = batch
        .writes()
        .iter()
        .map(|w| w.stream_id().as_str())
        .collect();
    let rows = sqlx::query(&shared.sql.stream_versions)
        .bind(&ids)
        .fetch_all(&shared.pool)
        .await
        .map_err(&map)?;
    let actual_of = |id: &StreamId| -> Result<StreamVersion, StoreError> {
        for row in &rows {
            let stream: &str = row.try_get("stream_id").map_err(&map)?;
            if stream == id.as_str() {
                return to_version(id, row.try_get("version").map_err(&map)?);
            }
        }
        Ok(StreamVersion::INITIAL)
    };
    let mut fallback = None;
    for write in batch.writes() {
        let actual = actual_of(write.stream_id())?;
        match write.expected() {
            ExpectedVersion::Exact(expected) if expected != actual => {
                return Ok(StoreError::VersionConflict {
                    stream: write.stream_id().clone(),
                    expected,
                    actual,
                });
            }
            ExpectedVersion::Exact(expected)
                if fallback.is_none() && !write.events().is_empty() =>
            {
                fallback = Some((write.stream_id().clone(), expected, actual));
            }
            _ => {}
        }
    }
    Ok(match fallback {
        Some((stream, expected, actual)) => StoreError::VersionConflict {
            stream,
            expected,
            actual,
        },
        None => StoreError::Corrupt {
            detail: "append hit a unique key although every expected version still holds"
                .to_owned(),
        },
    })
}

/// The conflict the append procedure reported on participant `index`
/// (1-based), whose version was `actual`.
pub(super) fn conflict_error(batch: &AppendBatch, index: i32, actual: i64) -> StoreError {
    let write = usize::try_from(index)
        .ok()
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| batch.writes().get(i));
    match write {
        Some(write) => {
            let actual = match to_version(write.stream_id(), actual) {
                Ok(v) => v,
                Err(e) => return e,
            };
            StoreError::VersionConflict {
                stream: write.stream_id().clone(),
                expected: match write.expected() {
                    ExpectedVersion::Exact(v) => v,
                    ExpectedVersion::Any => actual,
                },
                actual,
            }
        }
        None => StoreError::Corrupt {
            detail: format!(
                "append reported a conflict on participant {index}, which the batch does not have"
            ),
        },
    }
}

/// The shared payload rule's error for the batch, if it breaks it. Appends
/// check it before sending; this names the event should the database still
/// refuse a payload.
fn invalid_payload(batch: &AppendBatch) -> Option<StoreError> {
    batch.check_payloads().err().map(Into::into)
}
