use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{CausationId, CorrelationId, EventId, RecordedEvent, Timestamp, UserId};

/// Custom metadata fields: a JSON object, cheap to clone.
pub type CustomMetadata = Arc<Map<String, Value>>;

/// Who and what caused an event, and when.
///
/// Build one with [`EventMetadata::builder`]; anything not set gets a sensible
/// default (a fresh [`EventId`], a fresh [`CorrelationId`], the current time).
///
/// ```
/// use eventcore::{CausationId, CorrelationId, EventId, EventMetadata, UserId};
///
/// let correlation = CorrelationId::new();
/// let trigger = EventId::new();
/// let metadata = EventMetadata::builder()
///     .correlation_id(correlation)
///     .causation_id(CausationId::from(trigger))
///     .actor(UserId::try_new("alice")?)
///     .custom("tenant", "acme")
///     .build();
///
/// assert_eq!(metadata.correlation_id(), correlation);
/// assert_eq!(metadata.actor().map(UserId::as_str), Some("alice"));
/// assert_eq!(metadata.custom().get("tenant"), Some(&serde_json::json!("acme")));
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventMetadata {
    event_id: EventId,
    correlation_id: CorrelationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    causation_id: Option<CausationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    actor: Option<UserId>,
    timestamp: Timestamp,
    #[serde(default, skip_serializing_if = "map_is_empty")]
    custom: CustomMetadata,
}

fn map_is_empty(map: &CustomMetadata) -> bool {
    map.is_empty()
}

impl EventMetadata {
    /// Starts a builder.
    pub fn builder() -> EventMetadataBuilder {
        EventMetadataBuilder::default()
    }

    /// Metadata with every field defaulted.
    #[must_use]
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// The event's own id.
    #[must_use]
    pub const fn event_id(&self) -> EventId {
        self.event_id
    }

    /// The correlation id shared by everything one request caused.
    #[must_use]
    pub const fn correlation_id(&self) -> CorrelationId {
        self.correlation_id
    }

    /// The id of the message that caused this event, if any.
    #[must_use]
    pub const fn causation_id(&self) -> Option<CausationId> {
        self.causation_id
    }

    /// The actor on whose behalf the event was written, if known.
    #[must_use]
    pub const fn actor(&self) -> Option<&UserId> {
        self.actor.as_ref()
    }

    /// When the event was created.
    #[must_use]
    pub const fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// Custom fields.
    #[must_use]
    pub fn custom(&self) -> &Map<String, Value> {
        &self.custom
    }

    /// Where in the custom metadata a key or string holds the NUL
    /// character, which not every store can keep (see
    /// [`AppendBatch::check_payloads`](crate::store::AppendBatch::check_payloads)).
    pub(crate) fn nul_in_custom(&self) -> Option<String> {
        nul_in(&self.custom)
    }

    /// A builder that starts from this metadata's correlation, causation,
    /// actor and custom fields, with a fresh event id and timestamp.
    ///
    /// Used to stamp the same context on every event of one command.
    pub fn to_builder(&self) -> EventMetadataBuilder {
        EventMetadataBuilder {
            event_id: None,
            correlation_id: Some(self.correlation_id),
            causation_id: self.causation_id,
            actor: self.actor.clone(),
            timestamp: None,
            custom: Arc::clone(&self.custom),
        }
    }
}

impl Default for EventMetadata {
    fn default() -> Self {
        Self::new()
    }
}

/// Builds [`EventMetadata`], and says what metadata a command's events
/// carry.
///
/// Two uses, one set of fields:
///
/// - [`build`](Self::build) finishes one [`EventMetadata`] (see
///   [`EventMetadata::builder`]);
/// - [`CommandExecutor::execute_with`](crate::CommandExecutor::execute_with)
///   stamps the correlation id, causation id, actor and custom fields on
///   every event the command writes. Anything not set gets a default: a
///   fresh correlation id per execution (shared by all its events and
///   retries), no causation, no actor. Each event gets its own event id and
///   timestamp; those two setters are ignored there.
///
/// ```
/// use eventcore::{CorrelationId, EventMetadata, UserId};
///
/// let correlation = CorrelationId::new();
/// let context = EventMetadata::builder()
///     .correlation_id(correlation)
///     .actor(UserId::try_new("alice")?)
///     .custom("tenant", "acme");
/// let metadata = context.build();
/// assert_eq!(metadata.correlation_id(), correlation);
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct EventMetadataBuilder {
    event_id: Option<EventId>,
    correlation_id: Option<CorrelationId>,
    causation_id: Option<CausationId>,
    actor: Option<UserId>,
    timestamp: Option<Timestamp>,
    custom: CustomMetadata,
}

impl Default for EventMetadataBuilder {
    fn default() -> Self {
        Self {
            event_id: None,
            correlation_id: None,
            causation_id: None,
            actor: None,
            timestamp: None,
            custom: no_custom_fields(),
        }
    }
}

/// The empty custom map, shared so metadata without custom fields costs no
/// allocation.
fn no_custom_fields() -> CustomMetadata {
    static EMPTY: std::sync::OnceLock<CustomMetadata> = std::sync::OnceLock::new();
    Arc::clone(EMPTY.get_or_init(CustomMetadata::default))
}

impl EventMetadataBuilder {
    /// Sets the event id (default: a fresh one).
    pub const fn event_id(mut self, id: EventId) -> Self {
        self.event_id = Some(id);
        self
    }

    /// Sets the correlation id (default: a fresh one).
    pub const fn correlation_id(mut self, id: CorrelationId) -> Self {
        self.correlation_id = Some(id);
        self
    }

    /// Sets the causation id (default: none).
    pub const fn causation_id(mut self, id: CausationId) -> Self {
        self.causation_id = Some(id);
        self
    }

    /// Marks the event (or the command) as caused by `event`: its id becomes
    /// the causation id and its correlation id is carried on.
    ///
    /// ```
    /// use eventcore::{CausationId, EventMetadata, GlobalPosition, RecordedEvent, StreamId,
    ///     StreamVersion};
    ///
    /// let trigger = RecordedEvent::new(
    ///     StreamId::try_new("order-1")?,
    ///     StreamVersion::new(1),
    ///     GlobalPosition::new(7),
    ///     EventMetadata::new(),
    ///     "OrderPlaced",
    /// );
    /// let metadata = EventMetadata::builder().caused_by(&trigger).build();
    /// assert_eq!(metadata.causation_id(), Some(CausationId::from(trigger.metadata().event_id())));
    /// assert_eq!(metadata.correlation_id(), trigger.metadata().correlation_id());
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    pub fn caused_by<E>(mut self, event: &RecordedEvent<E>) -> Self {
        self.causation_id = Some(CausationId::from(event.metadata().event_id()));
        self.correlation_id = Some(event.metadata().correlation_id());
        self
    }

    /// Sets the actor (default: none).
    pub fn actor(mut self, actor: UserId) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Sets the timestamp (default: the time of [`build`](Self::build)).
    pub const fn timestamp(mut self, at: Timestamp) -> Self {
        self.timestamp = Some(at);
        self
    }

    /// Adds a custom field, replacing any earlier value under `key`.
    pub fn custom(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        Arc::make_mut(&mut self.custom).insert(key.into(), value.into());
        self
    }

    /// Replaces all custom fields with `custom` (shared, not copied).
    pub fn custom_map(mut self, custom: CustomMetadata) -> Self {
        self.custom = custom;
        self
    }

    /// What every event of one execution shares: the correlation id is fixed
    /// here (fresh unless set), so all events and retries carry the same
    /// one; the event id and timestamp are cleared, so each
    /// [`build`](Self::build) makes its own.
    pub(crate) fn for_execution(&self) -> (CorrelationId, Self) {
        let correlation_id = self.correlation_id.unwrap_or_default();
        let shared = Self {
            event_id: None,
            correlation_id: Some(correlation_id),
            timestamp: None,
            ..self.clone()
        };
        (correlation_id, shared)
    }

    /// Finishes the metadata, defaulting whatever was not set.
    #[must_use]
    pub fn build(self) -> EventMetadata {
        EventMetadata {
            event_id: self.event_id.unwrap_or_default(),
            correlation_id: self.correlation_id.unwrap_or_default(),
            causation_id: self.causation_id,
            actor: self.actor,
            timestamp: self.timestamp.unwrap_or_else(Timestamp::now),
            custom: self.custom,
        }
    }
}

/// The path of the first key or string in `custom` that holds a NUL
/// character (`note`, `tags[1]`, `nested.key`), if any.
fn nul_in(custom: &Map<String, Value>) -> Option<String> {
    fn walk(value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(text) => text.contains('\0').then(|| path.to_owned()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.contains('\0') {
                    return Some(path);
                }
                walk(item, &path)
            }),
            _ => None,
        }
    }
    if custom.is_empty() {
        return None;
    }
    custom.iter().find_map(|(key, value)| {
        if key.contains('\0') {
            Some(key.clone())
        } else {
            walk(value, key)
        }
    })
}
