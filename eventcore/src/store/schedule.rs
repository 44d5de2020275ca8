//! Messages scheduled for later: what a process needs to say "if no
//! payment arrives within 15 minutes, cancel the order".
//!
//! A store keeps each message until its [`Scheduler`](crate::process::Scheduler)
//! fires it (or someone cancels it), so a timer survives restarts. A
//! message's id is also its idempotency: scheduling an id again, pending or
//! settled, changes nothing, so a process answering the same event twice
//! schedules one timer.

use std::future::Future;

use chrono::SubsecRound;
use serde_json::Value;

use crate::{
    error::StoreError,
    types::{CorrelationId, IdempotencyKey, NameKind, Timestamp, ValidationError, validate_name},
};

/// A message to fire at `due_at` on the scheduler of `queue`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledMessage {
    id: IdempotencyKey,
    queue: String,
    due_at: Timestamp,
    payload: Value,
    correlation_id: Option<CorrelationId>,
}

impl ScheduledMessage {
    /// A message for the scheduler of `queue` (a name following the
    /// [`IdempotencyKey`] rules: 1 to 128 characters, no control or invisible
    /// characters), due at `due_at`, carrying `payload` for its handler.
    /// `due_at` is kept to the microsecond, as every store keeps it.
    ///
    /// ```
    /// use eventcore::{IdempotencyKey, Timestamp, store::ScheduledMessage};
    ///
    /// let id = IdempotencyKey::try_new("order-7-payment-timeout")?;
    /// let due = Timestamp::now();
    /// let message = ScheduledMessage::new(id, "payment-timeouts", due, serde_json::json!({ "order": 7 }))?;
    /// assert_eq!(message.queue(), "payment-timeouts");
    /// assert!(ScheduledMessage::new(message.id().clone(), "", due, serde_json::Value::Null).is_err());
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    pub fn new(
        id: IdempotencyKey,
        queue: impl Into<String>,
        due_at: Timestamp,
        payload: Value,
    ) -> Result<Self, ValidationError> {
        let queue = queue.into();
        validate_name(&queue, NameKind::Queue)?;
        Ok(Self {
            id,
            queue,
            due_at: Timestamp::new(due_at.into_inner().trunc_subsecs(6)),
            payload,
            correlation_id: None,
        })
    }

    /// Carries `correlation_id` to the commands the message's handler
    /// issues.
    #[must_use]
    pub const fn correlated(mut self, correlation_id: CorrelationId) -> Self {
        self.correlation_id = Some(correlation_id);
        self
    }

    /// The message's id: unique in the store, and the parent of the
    /// idempotency keys of the commands its handler issues.
    #[must_use]
    pub const fn id(&self) -> &IdempotencyKey {
        &self.id
    }

    /// The scheduler that fires it.
    #[must_use]
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// When it is due.
    #[must_use]
    pub const fn due_at(&self) -> Timestamp {
        self.due_at
    }

    /// What the handler gets.
    #[must_use]
    pub const fn payload(&self) -> &Value {
        &self.payload
    }

    /// The correlation id the handler's commands carry, if any.
    #[must_use]
    pub const fn correlation_id(&self) -> Option<CorrelationId> {
        self.correlation_id
    }
}

/// How a message stopped being pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Settled {
    /// Its handler ran to completion.
    Fired,
    /// It was cancelled before it fired.
    Cancelled,
}

impl Settled {
    /// `"fired"` or `"cancelled"`, as stores write it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fired => "fired",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Durable scheduled messages: what a process needs to say "if no payment
/// arrives within 15 minutes, cancel the order".
///
/// A store keeps each message until its
/// [`Scheduler`](crate::process::Scheduler) fires it (or someone cancels
/// it), so a timer survives restarts. A message's id is also its
/// idempotency: scheduling an id again, pending or settled, changes
/// nothing, so a process answering the same event twice schedules one
/// timer.
///
/// A message is *pending* from [`schedule`](Self::schedule) until it is
/// settled, [fired](Self::settle) or cancelled; a settled message is kept
/// (so its id cannot be scheduled again) until
/// [`purge_settled`](Self::purge_settled) deletes it.
pub trait ScheduleStore: Send + Sync {
    /// Adds `message` as pending unless a message with its id exists,
    /// pending or settled. Returns whether it was added.
    fn schedule(
        &self,
        message: ScheduledMessage,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The pending messages of `queue` due at `now` or earlier, earliest
    /// first (ties by id), at most `limit`.
    fn due_messages(
        &self,
        queue: &str,
        now: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ScheduledMessage>, StoreError>> + Send;

    /// When the earliest pending message of `queue` is due, if any is
    /// pending.
    fn next_due(
        &self,
        queue: &str,
    ) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;

    /// Settles the pending message `id` as `how`. Returns whether it was
    /// pending: settling a message already settled (or never scheduled)
    /// changes nothing.
    fn settle(
        &self,
        id: &IdempotencyKey,
        how: Settled,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes the messages settled before `before`; returns how many.
    /// Their ids can then be scheduled again, so keep them for longer than
    /// an event that schedules one may be delivered again.
    fn purge_settled(
        &self,
        before: Timestamp,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
