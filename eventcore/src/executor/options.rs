use std::sync::Arc;

use serde_json::{Map, Value};

use crate::types::{
    CausationId, CorrelationId, CustomMetadata, EventMetadata, RecordedEvent, UserId,
};

/// Per-call settings for
/// [`CommandExecutor::execute_with`](super::CommandExecutor::execute_with):
/// the correlation id, causation id, actor and custom metadata stamped on
/// every event the command writes.
///
/// Anything not set gets a default: a fresh correlation id per execution
/// (shared by all its events and retries), no causation, no actor.
///
/// ```
/// use eventcore::{CorrelationId, ExecutionOptions, UserId};
///
/// let options = ExecutionOptions::new()
///     .correlation_id(CorrelationId::new())
///     .actor(UserId::try_new("alice")?)
///     .custom("tenant", "acme");
/// # let _ = options;
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ExecutionOptions {
    correlation_id: Option<CorrelationId>,
    causation_id: Option<CausationId>,
    actor: Option<UserId>,
    custom: Vec<(String, Value)>,
}

impl ExecutionOptions {
    /// Options with every field defaulted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the correlation id shared by every event written.
    pub const fn correlation_id(mut self, id: CorrelationId) -> Self {
        self.correlation_id = Some(id);
        self
    }

    /// Sets the causation id carried by every event written.
    pub const fn causation_id(mut self, id: CausationId) -> Self {
        self.causation_id = Some(id);
        self
    }

    /// Marks the command as caused by `event`: its id becomes the causation
    /// id and its correlation id is carried on.
    ///
    /// ```
    /// use eventcore::{CausationId, EventMetadata, ExecutionOptions, GlobalPosition,
    ///     RecordedEvent, StreamId, StreamVersion};
    ///
    /// let trigger = RecordedEvent::new(
    ///     StreamId::try_new("order-1")?,
    ///     StreamVersion::new(1),
    ///     GlobalPosition::new(7),
    ///     EventMetadata::new(),
    ///     "OrderPlaced",
    /// );
    /// let options = ExecutionOptions::new().caused_by(&trigger);
    /// let metadata = options.metadata();
    /// assert_eq!(metadata.causation_id(), Some(CausationId::from(trigger.metadata().event_id())));
    /// assert_eq!(metadata.correlation_id(), trigger.metadata().correlation_id());
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    pub fn caused_by<E>(mut self, event: &RecordedEvent<E>) -> Self {
        self.causation_id = Some(CausationId::from(event.metadata().event_id()));
        self.correlation_id = Some(event.metadata().correlation_id());
        self
    }

    /// Sets the actor on whose behalf the command runs.
    pub fn actor(mut self, actor: UserId) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Adds a custom metadata field to every event written.
    pub fn custom(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom.push((key.into(), value.into()));
        self
    }

    /// Resolves the options once per execution: the correlation id is fixed
    /// here (fresh unless set) so every event and retry shares it.
    pub(crate) fn template(&self) -> MetadataTemplate {
        let custom = if self.custom.is_empty() {
            crate::types::no_custom_fields()
        } else {
            Arc::new(
                self.custom
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Map<String, Value>>(),
            )
        };
        MetadataTemplate {
            correlation_id: self.correlation_id.unwrap_or_default(),
            causation_id: self.causation_id,
            actor: self.actor.clone(),
            custom,
        }
    }

    /// The metadata template these options produce. Each written event gets
    /// a copy with its own event id and timestamp
    /// ([`EventMetadata::to_builder`]).
    #[must_use]
    pub fn metadata(&self) -> EventMetadata {
        let mut builder = EventMetadata::builder();
        if let Some(id) = self.correlation_id {
            builder = builder.correlation_id(id);
        }
        if let Some(id) = self.causation_id {
            builder = builder.causation_id(id);
        }
        if let Some(actor) = &self.actor {
            builder = builder.actor(actor.clone());
        }
        for (key, value) in &self.custom {
            builder = builder.custom(key.clone(), value.clone());
        }
        builder.build()
    }
}

/// What every event of one execution shares; [`stamp`](Self::stamp) adds a
/// fresh event id and timestamp.
#[derive(Clone, Debug)]
pub(crate) struct MetadataTemplate {
    pub(crate) correlation_id: CorrelationId,
    causation_id: Option<CausationId>,
    actor: Option<UserId>,
    custom: CustomMetadata,
}

impl MetadataTemplate {
    /// Metadata for one new event.
    pub(crate) fn stamp(&self) -> EventMetadata {
        let mut builder = EventMetadata::builder()
            .correlation_id(self.correlation_id)
            .custom_map(Arc::clone(&self.custom));
        if let Some(id) = self.causation_id {
            builder = builder.causation_id(id);
        }
        if let Some(actor) = &self.actor {
            builder = builder.actor(actor.clone());
        }
        builder.build()
    }
}
