//! The projection runner: one task per projection that keeps a lease,
//! catches up from the checkpoint, follows live notifications and applies
//! batches under the error policy.
//!
//! - [`config`]: the settings and the store retry budget;
//! - [`handle`]: the caller's controls and the published health;
//! - `task`: the loop itself; `lease`: acquiring, renewing and losing the lease.

mod config;
mod handle;
mod lease;
mod task;

pub use config::{RunnerConfig, StoreRetryPolicy};
pub use handle::{ProjectionHandle, ProjectionWatch};

use super::{AtLeastOnce, CheckpointedProjection, Projection};
use crate::store::{CheckpointStore, EventStore, LeaseStore};

/// Drives one projection: catch-up from the checkpoint, then live.
///
/// See the [module docs](super) for an example.
pub struct ProjectionRunner<S, P> {
    store: S,
    projection: P,
    config: RunnerConfig,
}

impl<S, P> ProjectionRunner<S, AtLeastOnce<P, S>>
where
    S: EventStore + LeaseStore + CheckpointStore + Clone + 'static,
    P: Projection,
{
    /// A runner for a plain [`Projection`], with its checkpoint in `store`
    /// (at-least-once delivery).
    pub fn new(store: S, projection: P, config: RunnerConfig) -> Self {
        let projection = AtLeastOnce::new(projection, store.clone());
        Self {
            store,
            projection,
            config,
        }
    }
}

impl<S, P> ProjectionRunner<S, P>
where
    S: EventStore + LeaseStore + 'static,
    P: CheckpointedProjection,
{
    /// A runner for a projection that manages its own checkpoint, e.g. in the
    /// same transaction as its read model.
    pub const fn with_checkpointed(store: S, projection: P, config: RunnerConfig) -> Self {
        Self {
            store,
            projection,
            config,
        }
    }

    /// Spawns the runner on the current Tokio runtime.
    #[must_use]
    pub fn start(self) -> ProjectionHandle {
        task::spawn(self.store, self.projection, self.config)
    }
}
