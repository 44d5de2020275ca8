//! What one execution carries into its attempts: the executor's settings,
//! and the command with its declared streams and shared metadata.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32},
    },
    time::Duration,
};

use super::{cache::StreamCache, retry::RetryPolicy, snapshots::Snapshots};
use crate::{
    metrics::ExecutorMetrics,
    serialization::JsonSerializer,
    store::IdempotencyClaim,
    types::{EventMetadataBuilder, StreamId},
};

/// See [`CommandExecutor::DEFAULT_MAX_STREAMS`](super::CommandExecutor::DEFAULT_MAX_STREAMS).
pub(super) const DEFAULT_MAX_STREAMS: usize = 256;

#[derive(Clone, Debug)]
pub(super) struct Settings<Ser> {
    pub(super) retry: RetryPolicy,
    pub(super) max_streams: usize,
    pub(super) serializer: Ser,
    /// Shared by the executor's clones; `None` for one-off executions.
    pub(super) cache: Option<Arc<StreamCache>>,
    /// How long idempotency records are kept (`None`: for ever).
    pub(super) idempotency_retention: Option<Duration>,
    /// Where snapshots are loaded from and saved to, if anywhere.
    pub(super) snapshots: Option<Arc<Snapshots>>,
    /// The executor's metric handles, shared by its clones.
    pub(super) metrics: Arc<ExecutorMetrics>,
}

impl Default for Settings<JsonSerializer> {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            max_streams: DEFAULT_MAX_STREAMS,
            serializer: JsonSerializer,
            cache: None,
            idempotency_retention: None,
            snapshots: None,
            metrics: Arc::default(),
        }
    }
}

/// What every attempt of one execution shares.
pub(super) struct Execution<'a, S, Ser, C> {
    pub(super) store: &'a S,
    pub(super) settings: &'a Settings<Ser>,
    pub(super) command: &'a C,
    /// The declared streams, duplicates collapsed.
    pub(super) declared: &'a [StreamId],
    /// What every event written shares (see
    /// [`EventMetadataBuilder::for_execution`]).
    pub(super) metadata: &'a EventMetadataBuilder,
    /// When to give up, if ever.
    pub(super) deadline: Option<tokio::time::Instant>,
    /// Whether an append is in flight: set just before the store is asked
    /// to append, cleared when it answers. An attempt abandoned at the
    /// deadline while it is set has an unknown outcome.
    pub(super) appending: AtomicBool,
    /// The appends tried so far (for metrics).
    pub(super) attempts: AtomicU32,
    /// The idempotency key the execution claims, if any.
    pub(super) claim: Option<IdempotencyClaim>,
}
