//! Keeping the projection's lease: acquire, renew every third of its
//! time-to-live, and notice when it is lost.

use std::time::{Duration, Instant};

use crate::{
    error::StoreError,
    store::{Lease, LeaseStore},
};

/// The lease as this runner knows it.
pub(super) struct LeaseKeeper {
    name: String,
    holder: String,
    lease: Option<Lease>,
    renew_at: Instant,
    /// The lease is ours until this instant: the time-to-live counted from
    /// when the grant or renewal was requested, so never later than the
    /// store's own expiry.
    valid_until: Option<Instant>,
}

/// What [`LeaseKeeper::hold`] found.
pub(super) enum Tenure {
    /// The lease is ours (just acquired, renewed, or not yet due).
    Held,
    /// It is ours now but was not a moment ago: whatever was loaded under an
    /// earlier tenure (the position) is stale.
    Acquired,
    /// Someone else holds it.
    Lost,
}

impl LeaseKeeper {
    pub(super) fn new(name: String, holder: String) -> Self {
        Self {
            name,
            holder,
            lease: None,
            renew_at: Instant::now(),
            valid_until: None,
        }
    }

    /// The current lease, if this runner holds one.
    pub(super) fn current(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }

    pub(super) const fn valid_until(&self) -> Option<Instant> {
        self.valid_until
    }

    /// Acquires or renews the lease when due.
    pub(super) async fn hold<S: LeaseStore>(
        &mut self,
        store: &S,
        ttl: Duration,
    ) -> Result<Tenure, StoreError> {
        let requested = Instant::now();
        let (lease, fresh) = match &self.lease {
            Some(_) if requested < self.renew_at => return Ok(Tenure::Held),
            Some(lease) => match store.renew_lease(lease, ttl).await {
                Ok(renewed) => (Some(renewed), false),
                Err(StoreError::LeaseLost { .. }) => (None, false),
                Err(other) => return Err(other),
            },
            None => (
                store
                    .try_acquire_lease(&self.name, &self.holder, ttl)
                    .await?,
                true,
            ),
        };
        self.renew_at = requested + ttl / 3;
        let Some(lease) = lease else {
            self.lose();
            return Ok(Tenure::Lost);
        };
        if fresh {
            tracing::info!(projection = %self.name, holder = %self.holder, token = lease.token(), "lease acquired");
        }
        self.lease = Some(lease);
        self.valid_until = Some(requested + ttl);
        Ok(if fresh {
            Tenure::Acquired
        } else {
            Tenure::Held
        })
    }

    /// Forgets the lease (the store refused it, or a fenced write failed).
    pub(super) fn lose(&mut self) {
        self.valid_until = None;
        if self.lease.take().is_some() {
            tracing::warn!(projection = %self.name, holder = %self.holder, "lease lost; standing by");
        }
    }

    /// Gives the lease up so another runner can take over at once.
    pub(super) async fn release<S: LeaseStore>(&mut self, store: &S) {
        self.valid_until = None;
        if let Some(lease) = self.lease.take()
            && let Err(error) = store.release_lease(&lease).await
        {
            tracing::warn!(projection = %self.name, %error, "could not release lease");
        }
    }
}
