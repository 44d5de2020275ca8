//! Fenced leases, compare-and-set checkpoints and projection controls.
//!
//! Lease times are wall-clock [`Timestamp`]s written in the file, so a
//! lease survives a restart of the process that holds it (it simply
//! expires if nobody renews it).

use std::time::Duration;

use eventcore::{
    GlobalPosition, StoreError, Timestamp,
    store::{CheckpointStore, ControlRequest, Lease, LeaseStore, ProjectionControl},
};

use crate::{
    FileStore,
    entry::{Entry, LeaseLine},
    later,
};

impl LeaseLine {
    /// Whether `lease` is this record's current tenure at `now`.
    fn is_held_by(&self, lease: &Lease, now: Timestamp) -> bool {
        self.is_live(now) && self.holder == lease.holder() && self.token == lease.token()
    }

    fn to_lease(&self) -> Lease {
        Lease::new(
            self.name.clone(),
            self.holder.clone(),
            self.token,
            self.expires_at,
        )
    }
}

impl LeaseStore for FileStore {
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        self.change(|state| {
            let now = Timestamp::now();
            let token = match state.leases.get(name) {
                // Someone else holds it.
                Some(record) if record.is_live(now) && record.holder != holder => {
                    return Ok((None, None));
                }
                // Ours and live: the same tenure, extended.
                Some(record) if record.is_live(now) => record.token,
                // Free or expired: a new tenure fences off the previous one.
                Some(record) => record.token + 1,
                None => 1,
            };
            let line = LeaseLine {
                name: name.to_owned(),
                holder: holder.to_owned(),
                token,
                expires_at: later(now, ttl),
            };
            let lease = line.to_lease();
            Ok((Some(Entry::Lease(line)), Some(lease)))
        })
    }

    async fn renew_lease(&self, lease: &Lease, ttl: Duration) -> Result<Lease, StoreError> {
        self.change(|state| {
            let now = Timestamp::now();
            match state.leases.get(lease.name()) {
                Some(record) if record.is_held_by(lease, now) => {
                    let line = LeaseLine {
                        expires_at: later(now, ttl),
                        ..record.clone()
                    };
                    let renewed = line.to_lease();
                    Ok((Some(Entry::Lease(line)), renewed))
                }
                _ => Err(lease.lost()),
            }
        })
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.change(|state| {
            let now = Timestamp::now();
            // Expired now, token kept: the next tenure gets a higher one.
            let entry = state
                .leases
                .get(lease.name())
                .filter(|record| record.is_held_by(lease, now))
                .map(|record| {
                    Entry::Lease(LeaseLine {
                        expires_at: now,
                        ..record.clone()
                    })
                });
            Ok((entry, ()))
        })
    }

    async fn control_projection(
        &self,
        name: &str,
        request: ControlRequest,
    ) -> Result<ProjectionControl, StoreError> {
        self.change(|state| {
            let before = state.controls.get(name).copied().unwrap_or_default();
            let after = before.after(request);
            let entry = (after != before).then(|| Entry::Control {
                name: name.to_owned(),
                paused: after.paused,
                rebuilds_requested: after.rebuilds_requested,
                rebuilds_done: after.rebuilds_done,
            });
            Ok((entry, after))
        })
    }

    async fn projection_control(&self, name: &str) -> Result<ProjectionControl, StoreError> {
        Ok(self.read(|state| state.controls.get(name).copied().unwrap_or_default()))
    }
}

impl CheckpointStore for FileStore {
    async fn load_checkpoint(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError> {
        Ok(self.read(|state| state.checkpoints.get(name).copied()))
    }

    async fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> Result<(), StoreError> {
        self.change(|state| {
            // The fence first: a runner that lost its lease moves nothing.
            if let Some(lease) = fence {
                let held = lease.name() == name
                    && state
                        .leases
                        .get(name)
                        .is_some_and(|record| record.is_held_by(lease, Timestamp::now()));
                if !held {
                    return Err(lease.lost());
                }
            }
            // Then the compare-and-set: never saved counts as the start.
            let actual = state.checkpoints.get(name).copied();
            if actual.unwrap_or(GlobalPosition::START) != from {
                return Err(StoreError::CheckpointMoved {
                    name: name.to_owned(),
                    expected: from,
                    actual,
                });
            }
            let entry = Entry::Checkpoint {
                name: name.to_owned(),
                position: to,
            };
            Ok((Some(entry), ()))
        })
    }
}
