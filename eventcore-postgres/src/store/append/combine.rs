//! Group commit: appends that are ready at the same moment share one
//! transaction (see [`GroupCommit`](crate::GroupCommit)).
//!
//! Each append queues its batch and waits for its own outcome. While fewer
//! than `max_in_flight` groups are being committed, an append that queues
//! starts a flusher task, which takes everything queued (up to the group's
//! limits), commits it as one group, hands out the outcomes and goes on
//! while the queue is not empty. The flusher is a task of its own, so a
//! caller that stops waiting (a timeout, a dropped future) never takes its
//! companions' outcomes with it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use eventcore::{
    StoreError,
    store::{AppendBatch, AppendResult},
};
use tokio::sync::oneshot;

use crate::store::append::args::MAX_EVENTS_PER_APPEND;
use crate::store::append::commit::commit_batches;
use crate::store::combiner::{Combiner, Queue, Reply};
use crate::store::shared::Shared;

/// Appends `batch` as part of a group; `None` gives the batch back when no
/// Tokio runtime can run a flusher (the caller then appends it alone).
pub(super) async fn append_grouped(
    shared: &Arc<Shared>,
    combiner: &Combiner,
    batch: AppendBatch,
) -> Result<Result<AppendResult, StoreError>, AppendBatch> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Err(batch);
    };
    let (reply, outcome) = oneshot::channel();
    let start = {
        let mut queue = combiner.queue();
        queue.waiting.push_back((batch, reply));
        let start = queue.flushers < combiner.settings.in_flight_limit();
        if start {
            queue.flushers += 1;
        }
        start
    };
    if start {
        // The slot is taken before the task runs: a task dropped unpolled
        // (its runtime shutting down) still gives it back.
        runtime.spawn(flush(Flusher {
            shared: Arc::clone(shared),
            released: false,
        }));
    } else {
        combiner.arrived.notify_one();
    }
    Ok(outcome.await.unwrap_or_else(|_| {
        Err(StoreError::Unavailable {
            message: "append: the group commit task ended without an outcome (was the \
                      runtime shutting down?); the batch may or may not have committed"
                .to_owned(),
            source: None,
        })
    }))
}

/// A flusher's place among the `max_in_flight`; given back when the flusher
/// ends, however it ends (its queue empty, a panic, its runtime dropping
/// it).
struct Flusher {
    shared: Arc<Shared>,
    released: bool,
}

impl Drop for Flusher {
    fn drop(&mut self) {
        if !self.released
            && let Some(combiner) = &self.shared.combiner
        {
            let mut queue = combiner.queue();
            queue.flushers = queue.flushers.saturating_sub(1);
        }
    }
}

/// Commits groups while batches are queued.
async fn flush(mut flusher: Flusher) {
    let shared = Arc::clone(&flusher.shared);
    let Some(combiner) = shared.combiner.as_ref() else {
        return;
    };
    loop {
        let mut group = {
            let mut queue = combiner.queue();
            if queue.waiting.is_empty() {
                // Under the lock that appends queue under: an append that
                // queues after this sees the flusher gone and starts one.
                queue.flushers -= 1;
                flusher.released = true;
                return;
            }
            let mut group = Vec::new();
            take(&mut queue, &mut group, combiner.settings.batch_limit());
            group
        };
        linger(combiner, &mut group).await;
        // A caller that stopped waiting before its batch was sent never
        // sees it written later.
        group.retain(|(_, reply)| !reply.is_closed());
        if group.is_empty() {
            continue;
        }
        let (batches, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        let outcomes = commit_batches(&shared, batches).await;
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // A caller that stopped waiting no longer needs its outcome.
            drop(reply.send(outcome));
        }
    }
}

/// Moves queued batches into `group` while it stays within its limits; the
/// first batch always fits.
fn take(queue: &mut Queue, group: &mut Vec<(AppendBatch, Reply)>, max_batches: usize) {
    let mut events: usize = group.iter().map(|(b, _)| b.event_count()).sum();
    while group.len() < max_batches {
        let Some((next, _)) = queue.waiting.front() else {
            break;
        };
        let more = next.event_count();
        if !group.is_empty() && events + more > MAX_EVENTS_PER_APPEND {
            break;
        }
        events += more;
        if let Some(entry) = queue.waiting.pop_front() {
            group.push(entry);
        }
    }
}

/// Waits up to the configured time for more batches while the group is
/// not full.
async fn linger(combiner: &Combiner, group: &mut Vec<(AppendBatch, Reply)>) {
    let wait = combiner.settings.wait();
    let max_batches = combiner.settings.batch_limit();
    if wait.is_zero() {
        return;
    }
    let deadline = Instant::now() + wait;
    loop {
        take(&mut combiner.queue(), group, max_batches);
        let now = Instant::now();
        if group.len() >= max_batches || now >= deadline {
            return;
        }
        let left = deadline - now;
        if left >= Duration::from_millis(1) {
            // Timing out only ends the wait.
            drop(tokio::time::timeout(left, combiner.arrived.notified()).await);
        } else {
            tokio::task::yield_now().await;
        }
    }
}
