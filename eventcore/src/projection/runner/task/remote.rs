//! Rebuilds, asked through the handle or by an operator through the
//! store, and the operator's control record, read once per poll interval.

use std::time::Instant;

use super::{Failure, Task, is_interruption};
use crate::{
    error::StoreError,
    projection::CheckpointedProjection,
    store::{ControlRequest, EventStore, LeaseStore, ProjectionControl},
    types::GlobalPosition,
};

impl<S, P> Task<S, P>
where
    S: EventStore + LeaseStore + 'static,
    P: CheckpointedProjection,
{
    /// The operator's control record in the store, read at most once per
    /// poll interval.
    pub(super) async fn remote_control(&mut self) -> Result<ProjectionControl, StoreError> {
        if self
            .remote_read_at
            .is_some_and(|at| at.elapsed() < self.config.poll_interval)
        {
            return Ok(self.remote);
        }
        self.remote = self
            .store
            .projection_control(self.projection.name())
            .await?;
        self.remote_read_at = Some(Instant::now());
        Ok(self.remote)
    }

    /// Resets the read model for the handle's `requested`-th rebuild.
    pub(super) async fn rebuild(&mut self, requested: u64) -> Result<(), Failure> {
        if !self.reset().await? {
            return Ok(());
        }
        self.rebuilds_done = requested;
        self.state.send_modify(|s| s.rebuilds_done = requested);
        Ok(())
    }

    /// Resets the read model for the operator's rebuilds up to
    /// `requested`, and records them done in the store.
    pub(super) async fn rebuild_for_operator(&mut self, requested: u64) -> Result<(), Failure> {
        if !self.reset().await? {
            return Ok(());
        }
        self.remote = self
            .store
            .control_projection(
                self.projection.name(),
                ControlRequest::RebuildsDone(requested),
            )
            .await?;
        self.remote_read_at = Some(Instant::now());
        Ok(())
    }

    /// Resets the read model, if this runner holds the lease; whether it
    /// did.
    async fn reset(&mut self) -> Result<bool, Failure> {
        let Some(lease) = self.lease.current().cloned() else {
            return Ok(false);
        };
        let from = self.position().await?;
        match self.projection.reset(from, &lease).await {
            Ok(()) => {}
            Err(e) if is_interruption(&e) => {
                self.interrupted(&e);
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(
            projection = self.projection.name(),
            "projection reset for rebuild"
        );
        self.publish_position(GlobalPosition::START);
        self.state.send_modify(|s| s.health.skipped.clear());
        Ok(true)
    }
}
