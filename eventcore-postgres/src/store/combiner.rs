//! The queue behind group commit (see [`GroupCommit`](crate::GroupCommit)):
//! what every clone of a store shares; `append::combine` runs it.

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard, PoisonError},
};

use eventcore::{
    StoreError,
    store::{AppendBatch, AppendResult},
};
use tokio::sync::{Notify, oneshot};

use crate::GroupCommit;

pub(crate) type Reply = oneshot::Sender<Result<AppendResult, StoreError>>;

/// The queue of batches waiting for a group.
#[derive(Debug)]
pub(crate) struct Combiner {
    pub(crate) settings: GroupCommit,
    queue: Mutex<Queue>,
    /// Woken when a batch is queued, for a group that waits for more.
    pub(crate) arrived: Notify,
}

#[derive(Debug, Default)]
pub(crate) struct Queue {
    pub(crate) waiting: VecDeque<(AppendBatch, Reply)>,
    pub(crate) flushers: usize,
}

impl Combiner {
    pub(crate) fn new(settings: GroupCommit) -> Option<Self> {
        settings.is_enabled().then(|| Self {
            settings,
            queue: Mutex::new(Queue::default()),
            arrived: Notify::new(),
        })
    }

    pub(crate) fn queue(&self) -> MutexGuard<'_, Queue> {
        // The queue's invariants hold between statements: a panic elsewhere
        // cannot leave it half-changed.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
