use std::{future::Future, time::Duration};

use crate::{
    error::StoreError,
    types::{GlobalPosition, Timestamp},
};

/// Proof of holding a named lease, with a fencing token.
///
/// Tokens increase every time the lease changes hands, so a store can refuse
/// writes from a holder whose lease was taken over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    name: String,
    holder: String,
    token: u64,
    expires_at: Timestamp,
}

impl Lease {
    /// Assembles a lease (adapters call this).
    #[must_use]
    pub const fn new(name: String, holder: String, token: u64, expires_at: Timestamp) -> Self {
        Self {
            name,
            holder,
            token,
            expires_at,
        }
    }

    /// The lease's name (usually a projection name).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Who holds it.
    #[must_use]
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The fencing token.
    #[must_use]
    pub const fn token(&self) -> u64 {
        self.token
    }

    /// When the lease lapses unless renewed.
    #[must_use]
    pub const fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// The error to return when this lease is found to be lost.
    #[must_use]
    pub fn lost(&self) -> StoreError {
        StoreError::LeaseLost {
            name: self.name.clone(),
            holder: self.holder.clone(),
            token: self.token,
        }
    }
}

/// What an operator asked of a projection's runners, wherever they run
/// (see [`LeaseStore::control_projection`]): whether they are paused, and
/// how many rebuilds were requested and how many done. A projection nobody
/// asked anything of has the default: running, no rebuild.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProjectionControl {
    /// Whether its runners are to stay paused.
    pub paused: bool,
    /// Rebuilds requested so far.
    pub rebuilds_requested: u64,
    /// Rebuilds a runner has done (reset the read model for) so far.
    pub rebuilds_done: u64,
}

impl ProjectionControl {
    /// A record as a store keeps it (adapters call this); `rebuilds_done`
    /// is capped at `rebuilds_requested`.
    #[must_use]
    pub const fn new(paused: bool, rebuilds_requested: u64, rebuilds_done: u64) -> Self {
        Self {
            paused,
            rebuilds_requested,
            rebuilds_done: if rebuilds_done < rebuilds_requested {
                rebuilds_done
            } else {
                rebuilds_requested
            },
        }
    }

    /// Whether a rebuild is requested and not done yet.
    #[must_use]
    pub const fn rebuild_pending(&self) -> bool {
        self.rebuilds_requested > self.rebuilds_done
    }
}

/// A request to a projection's runners, kept in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlRequest {
    /// Stay paused until resumed.
    Pause,
    /// Go on.
    Resume,
    /// Reset the read model and replay every event, once.
    Rebuild,
    /// A runner did the rebuilds up to this count (runners send it).
    RebuildsDone(u64),
}

/// Exclusive, expiring leases: one holder per name across processes.
pub trait LeaseStore: Send + Sync {
    /// Takes the lease `name` for `holder` for `ttl`, if it is free, expired,
    /// or already held by `holder`. Returns `None` while someone else holds
    /// it. A change of holder increases the fencing token.
    fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Lease>, StoreError>> + Send;

    /// Extends a lease still held. Fails with [`StoreError::LeaseLost`] if it
    /// expired or changed hands.
    fn renew_lease(
        &self,
        lease: &Lease,
        ttl: Duration,
    ) -> impl Future<Output = Result<Lease, StoreError>> + Send;

    /// Gives the lease up so another holder can take it at once. Releasing a
    /// lease no longer held is not an error.
    fn release_lease(&self, lease: &Lease) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Applies an operator's `request` to the projection `name`'s control
    /// record, atomically, and returns the record after it. Runners read it
    /// at least once per poll interval and obey: pause, resume, rebuild
    /// once per request. [`RebuildsDone`](ControlRequest::RebuildsDone)
    /// never lowers the count.
    fn control_projection(
        &self,
        name: &str,
        request: ControlRequest,
    ) -> impl Future<Output = Result<ProjectionControl, StoreError>> + Send;

    /// The projection `name`'s control record (the default if nothing was
    /// ever requested).
    fn projection_control(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<ProjectionControl, StoreError>> + Send;
}

impl ProjectionControl {
    /// The record after `request`: what every store applies.
    #[must_use]
    pub const fn after(mut self, request: ControlRequest) -> Self {
        match request {
            ControlRequest::Pause => self.paused = true,
            ControlRequest::Resume => self.paused = false,
            ControlRequest::Rebuild => self.rebuilds_requested += 1,
            ControlRequest::RebuildsDone(done) => {
                // Never lowered, never past what was requested.
                let done = if done < self.rebuilds_requested {
                    done
                } else {
                    self.rebuilds_requested
                };
                if done > self.rebuilds_done {
                    self.rebuilds_done = done;
                }
            }
        }
        self
    }
}

/// Durable projection checkpoints.
pub trait CheckpointStore: Send + Sync {
    /// The saved position for `name`, or `None` if it never saved one.
    fn load_checkpoint(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<GlobalPosition>, StoreError>> + Send;

    /// Moves the checkpoint `name` from `from` to `to`: a compare-and-set.
    ///
    /// The write is refused with [`StoreError::CheckpointMoved`] unless the
    /// checkpoint is still at `from` (a checkpoint never saved counts as
    /// [`GlobalPosition::START`]), so a batch replayed after a commit whose
    /// reply was lost cannot be recorded twice. With a `fence`, it is also
    /// refused with [`StoreError::LeaseLost`] unless that lease is still
    /// current (same holder, same token, not expired), so a runner that lost
    /// its lease cannot move the checkpoint. The fence is checked first,
    /// and must be the lease named `name` (a runner's lease and its
    /// checkpoint share the projection's name): a lease of another name is
    /// refused as lost. Expiry is judged by the store's clock (the
    /// database server's, or the process's wall clock for an embedded
    /// store).
    fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
