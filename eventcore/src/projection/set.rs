use std::collections::BTreeMap;

use super::{ProjectionHandle, ProjectionHealth};
use crate::error::ProjectionError;

/// Runs many projections and controls them by name.
///
/// ```
/// # use eventcore::projection::ProjectionSet;
/// let set = ProjectionSet::new();
/// assert!(set.health().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct ProjectionSet {
    handles: BTreeMap<String, ProjectionHandle>,
}

impl ProjectionSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a started runner. A runner already registered under the same
    /// name is returned so the caller can shut it down.
    pub fn insert(&mut self, handle: ProjectionHandle) -> Option<ProjectionHandle> {
        self.handles.insert(handle.name().to_owned(), handle)
    }

    /// The names of the registered projections, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.handles.keys().map(String::as_str)
    }

    /// The handle of one projection.
    pub fn get(&self, name: &str) -> Result<&ProjectionHandle, ProjectionError> {
        self.handles
            .get(name)
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))
    }

    /// Pauses one projection.
    pub async fn pause(&self, name: &str) -> Result<(), ProjectionError> {
        self.get(name)?.pause().await;
        Ok(())
    }

    /// Resumes one projection.
    pub async fn resume(&self, name: &str) -> Result<(), ProjectionError> {
        self.get(name)?.resume().await;
        Ok(())
    }

    /// Rebuilds one projection from the start.
    pub async fn rebuild(&self, name: &str) -> Result<(), ProjectionError> {
        self.get(name)?.rebuild().await;
        Ok(())
    }

    /// Shuts one projection down and removes it from the set.
    pub async fn shutdown(&mut self, name: &str) -> Result<(), ProjectionError> {
        let handle = self
            .handles
            .remove(name)
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))?;
        handle.shutdown().await
    }

    /// Shuts every projection down. Returns the first error, after all have
    /// stopped.
    pub async fn shutdown_all(&mut self) -> Result<(), ProjectionError> {
        let mut first_error = None;
        for (_, handle) in std::mem::take(&mut self.handles) {
            if let Err(e) = handle.shutdown().await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// One health report per projection, sorted by name.
    #[must_use]
    pub fn health(&self) -> Vec<ProjectionHealth> {
        self.handles
            .values()
            .map(ProjectionHandle::health)
            .collect()
    }
}
