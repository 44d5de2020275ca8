use std::future::{Future, ready};

use eventcore::{StoreError, store::AppendBatch};

use super::{
    Countdown,
    interpose::{AppendFault, Interpose},
};

/// Wraps a store and forces the first `n` appends to fail with a
/// [`StoreError::VersionConflict`](eventcore::StoreError::VersionConflict),
/// deterministically, writing nothing. Use it to test retry behaviour.
/// Everything else passes through untouched.
///
/// ```
/// use eventcore_testing::chaos::ConflictingStore;
/// use eventcore_memory::MemoryStore;
///
/// let store = ConflictingStore::new(MemoryStore::new(), 2);
/// assert_eq!(store.remaining(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct ConflictingStore<S> {
    pub(super) inner: S,
    remaining: Countdown,
}

impl<S> ConflictingStore<S> {
    /// Wraps `inner`; its first `n` appends conflict.
    pub fn new(inner: S, n: u64) -> Self {
        Self {
            inner,
            remaining: Countdown::new(n),
        }
    }

    /// How many forced conflicts are left.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.remaining.left()
    }

    /// The wrapped store.
    pub const fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: Send + Sync> Interpose for ConflictingStore<S> {
    fn before_append(
        &self,
        _: &AppendBatch,
    ) -> impl Future<Output = Result<AppendFault, StoreError>> + Send {
        let forced = self.remaining.take();
        ready(Ok(if forced {
            AppendFault::Conflict
        } else {
            AppendFault::Pass
        }))
    }
}
