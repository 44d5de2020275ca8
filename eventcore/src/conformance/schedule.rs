//! Scheduled messages at the port: kept until settled, due in order,
//! scheduled and settled once, in every store.

use chrono::TimeDelta;
use serde_json::{Value, json};

use super::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq};
use crate::{
    CorrelationId, IdempotencyKey, Timestamp, ValidationError,
    store::{ScheduledMessage, Settled},
};

pub(super) fn at(offset_ms: i64) -> Timestamp {
    Timestamp::new(Timestamp::now().into_inner() + TimeDelta::milliseconds(offset_ms))
}

pub(super) fn message(
    id: &str,
    queue: &str,
    due: Timestamp,
    payload: Value,
) -> Result<ScheduledMessage, ValidationError> {
    ScheduledMessage::new(IdempotencyKey::try_new(id)?, queue, due, payload)
}

fn ids(messages: &[ScheduledMessage]) -> Vec<String> {
    messages.iter().map(|m| m.id().to_string()).collect()
}

/// Due messages come back earliest first, ties by id in byte order, only
/// from their own queue and only once due, with payload, due time and
/// correlation id as scheduled; `next_due` is the earliest pending.
pub async fn scheduled_messages_fall_due_in_order<S: ConformanceStore>(store: S) -> ScenarioResult {
    let now = Timestamp::now();
    let earlier = at(-2_000);
    let tie = at(-1_000);
    let correlation = CorrelationId::new();
    let first = message("first", "q", earlier, json!({ "n": [1, "é"] }))?.correlated(correlation);
    let scheduled = [
        first.clone(),
        // Same due time: byte order puts "B-tie" (0x42) before "a-tie".
        message("a-tie", "q", tie, json!(2))?,
        message("B-tie", "q", tie, json!(3))?,
        message("later", "q", at(3_600_000), json!(4))?,
        message("elsewhere", "other", at(-3_000), json!(5))?,
    ];
    for m in &scheduled {
        ensure!(store.schedule(m.clone()).await?, "{} was not added", m.id());
    }
    let due = store.due_messages("q", now, 10).await?;
    ensure_eq!(ids(&due), ["first", "B-tie", "a-tie"], "due in order");
    ensure_eq!(due[0], first, "the first message as scheduled");
    ensure_eq!(
        ids(&store.due_messages("q", now, 1).await?),
        ["first"],
        "limit 1"
    );
    ensure_eq!(
        ids(&store.due_messages("other", now, 10).await?),
        ["elsewhere"],
        "the other queue"
    );
    ensure!(
        store.due_messages("none", now, 10).await?.is_empty(),
        "an unknown queue has due messages"
    );
    ensure_eq!(store.next_due("q").await?, Some(first.due_at()), "next due");
    ensure_eq!(
        store.next_due("none").await?,
        None,
        "next due of an unknown queue"
    );
    Ok(())
}

/// A message's id is scheduled once: scheduling it again, pending or
/// settled, adds nothing and changes nothing; settling is once; a
/// cancelled message never falls due; a purge deletes settled messages
/// only, after which their ids are free.
pub async fn a_message_is_scheduled_and_settled_once<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let now = at(1);
    let one = message("once", "q", at(-10), json!("first"))?;
    ensure!(store.schedule(one.clone()).await?, "first schedule");
    let again = message("once", "q", at(-5), json!("second"))?;
    ensure!(!store.schedule(again).await?, "the same id was added twice");
    ensure_eq!(
        store.due_messages("q", now, 10).await?,
        vec![one.clone()],
        "the first scheduling stands"
    );

    ensure!(
        store.settle(one.id(), Settled::Fired).await?,
        "settling a pending message"
    );
    ensure!(
        !store.settle(one.id(), Settled::Fired).await?,
        "settling twice"
    );
    ensure!(
        !store.schedule(one.clone()).await?,
        "rescheduling a fired message"
    );
    ensure!(
        store.due_messages("q", now, 10).await?.is_empty(),
        "a fired message is due"
    );
    let unknown = IdempotencyKey::try_new("never-scheduled")?;
    ensure!(
        !store.settle(&unknown, Settled::Fired).await?,
        "settling an unknown id"
    );

    let cancelled = message("cancelled", "q", at(-10), json!(null))?;
    store.schedule(cancelled.clone()).await?;
    ensure!(
        store.settle(cancelled.id(), Settled::Cancelled).await?,
        "cancelling a pending message"
    );
    ensure!(
        store.due_messages("q", now, 10).await?.is_empty(),
        "a cancelled message is due"
    );
    let pending = message("pending", "q", at(60_000), json!(null))?;
    store.schedule(pending.clone()).await?;

    ensure_eq!(
        store.purge_settled(at(-60_000)).await?,
        0,
        "purged before anything settled"
    );
    ensure_eq!(store.purge_settled(at(60_000)).await?, 2, "purged");
    ensure_eq!(store.purge_settled(at(60_000)).await?, 0, "purged twice");
    ensure_eq!(
        store.next_due("q").await?,
        Some(pending.due_at()),
        "the pending one stays"
    );
    ensure!(store.schedule(one).await?, "a purged id is free again");
    Ok(())
}
