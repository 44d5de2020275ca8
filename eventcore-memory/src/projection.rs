//! Checkpoints and fenced leases, kept beside the events.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use eventcore::{
    GlobalPosition, StoreError, Timestamp,
    store::{CheckpointStore, ControlRequest, Lease, LeaseStore, ProjectionControl},
};

use crate::MemoryStore;

#[derive(Debug, Default)]
pub(crate) struct ProjectionState {
    checkpoints: HashMap<String, GlobalPosition>,
    leases: HashMap<String, LeaseRecord>,
    controls: HashMap<String, ProjectionControl>,
}

#[derive(Debug)]
struct LeaseRecord {
    holder: String,
    token: u64,
    expires: Instant,
}

impl LeaseRecord {
    fn is_live(&self, now: Instant) -> bool {
        self.expires > now
    }

    fn is_held_by(&self, lease: &Lease, now: Instant) -> bool {
        self.is_live(now) && self.holder == lease.holder() && self.token == lease.token()
    }
}

fn lease_for(name: &str, record: &LeaseRecord, now: Instant) -> Lease {
    let remaining = record.expires.saturating_duration_since(now);
    let expires_at = chrono::Duration::from_std(remaining)
        .ok()
        .and_then(|d| Timestamp::now().into_inner().checked_add_signed(d))
        .map_or_else(Timestamp::now, Timestamp::from);
    Lease::new(
        name.to_owned(),
        record.holder.clone(),
        record.token,
        expires_at,
    )
}

impl LeaseStore for MemoryStore {
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let now = Instant::now();
        let mut state = self.shared.projections.lock();
        let expires = now + ttl;
        match state.leases.get_mut(name) {
            Some(record) if record.is_live(now) && record.holder != holder => Ok(None),
            Some(record) => {
                if record.holder != holder || !record.is_live(now) {
                    // A new tenure: fence off the previous holder.
                    record.token += 1;
                    holder.clone_into(&mut record.holder);
                }
                record.expires = expires;
                Ok(Some(lease_for(name, record, now)))
            }
            None => {
                let record = LeaseRecord {
                    holder: holder.to_owned(),
                    token: 1,
                    expires,
                };
                let lease = lease_for(name, &record, now);
                state.leases.insert(name.to_owned(), record);
                Ok(Some(lease))
            }
        }
    }

    async fn renew_lease(&self, lease: &Lease, ttl: Duration) -> Result<Lease, StoreError> {
        let now = Instant::now();
        let mut state = self.shared.projections.lock();
        match state.leases.get_mut(lease.name()) {
            Some(record) if record.is_held_by(lease, now) => {
                record.expires = now + ttl;
                Ok(lease_for(lease.name(), record, now))
            }
            _ => Err(lease.lost()),
        }
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let mut state = self.shared.projections.lock();
        if let Some(record) = state.leases.get_mut(lease.name())
            && record.holder == lease.holder()
            && record.token == lease.token()
        {
            // Keep the token so the next tenure gets a higher one.
            record.expires = Instant::now();
        }
        Ok(())
    }

    async fn control_projection(
        &self,
        name: &str,
        request: ControlRequest,
    ) -> Result<ProjectionControl, StoreError> {
        let mut state = self.shared.projections.lock();
        let control = state.controls.entry(name.to_owned()).or_default();
        *control = control.after(request);
        Ok(*control)
    }

    async fn projection_control(&self, name: &str) -> Result<ProjectionControl, StoreError> {
        Ok(self
            .shared
            .projections
            .lock()
            .controls
            .get(name)
            .copied()
            .unwrap_or_default())
    }
}

impl CheckpointStore for MemoryStore {
    async fn load_checkpoint(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError> {
        Ok(self
            .shared
            .projections
            .lock()
            .checkpoints
            .get(name)
            .copied())
    }

    async fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> Result<(), StoreError> {
        let mut state = self.shared.projections.lock();
        if let Some(lease) = fence {
            let held = lease.name() == name
                && state
                    .leases
                    .get(name)
                    .is_some_and(|r| r.is_held_by(lease, Instant::now()));
            if !held {
                return Err(lease.lost());
            }
        }
        let actual = state.checkpoints.get(name).copied();
        if actual.unwrap_or(GlobalPosition::START) != from {
            return Err(StoreError::CheckpointMoved {
                name: name.to_owned(),
                expected: from,
                actual,
            });
        }
        state.checkpoints.insert(name.to_owned(), to);
        Ok(())
    }
}
