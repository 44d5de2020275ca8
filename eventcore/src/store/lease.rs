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
    /// its lease cannot move the checkpoint. The fence is checked first.
    fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
