//! An event row as a database adapter read it, checked against the
//! library's rules in one place for every adapter.

use super::{SerializedEvent, StoredEvent, UndecodableEvent};
use crate::types::{EventId, EventMetadata, GlobalPosition, StreamId, StreamVersion};

/// The columns of one stored event, as an adapter read them and before any
/// of the library's rules are checked: what a database other tools can
/// write to may hold. [`decode`](Self::decode) turns it into a
/// [`StoredEvent`], or into an [`UndecodableEvent`] saying which rule the
/// row breaks, so that every adapter refuses the same rows with the same
/// reasons.
///
/// ```
/// use eventcore::GlobalPosition;
/// use eventcore::store::RawEvent;
///
/// let row = RawEvent {
///     position: GlobalPosition::new(7),
///     stream_id: "account-1",
///     version: 1,
///     event_type: "Deposited".to_owned(),
///     schema_version: Some(1),
///     payload: r#"{"amount":5}"#.to_owned(),
///     metadata: "{}",
/// };
/// let decoded = row.decode(|| None);
/// let error = decoded.unwrap_err();
/// assert!(error.reason().contains("metadata of version 1 does not decode"), "{}", error.reason());
/// ```
#[derive(Clone, Debug)]
pub struct RawEvent<'a> {
    /// The row's global position.
    pub position: GlobalPosition,
    /// The stream id, as stored.
    pub stream_id: &'a str,
    /// The version, as stored.
    pub version: i64,
    /// The type name.
    pub event_type: String,
    /// The schema version; `None` for a payload kept in serde's tagged
    /// form, as stores kept them before schema versions.
    pub schema_version: Option<i64>,
    /// The payload, as JSON text.
    pub payload: String,
    /// The metadata, as JSON text.
    pub metadata: &'a str,
}

impl RawEvent<'_> {
    /// The row as a [`StoredEvent`], or why it is not one. `event_id` is
    /// asked only for an undecodable row, to name it.
    ///
    /// # Errors
    ///
    /// An [`UndecodableEvent`] naming the broken rule: an invalid stream
    /// id, a negative version, metadata that does not decode, a schema
    /// version outside 1 to `u32::MAX`.
    pub fn decode(
        self,
        event_id: impl FnOnce() -> Option<EventId>,
    ) -> Result<StoredEvent, UndecodableEvent> {
        let undecodable = |reason: String, event_id: Option<EventId>| {
            let event = UndecodableEvent::new(self.position, reason)
                .with_stream(self.stream_id)
                .with_event_type(self.event_type.as_str());
            match event_id {
                Some(id) => event.with_event_id(id),
                None => event,
            }
        };
        let stream_id = match StreamId::try_new(self.stream_id) {
            Ok(id) => id,
            Err(e) => {
                return Err(undecodable(
                    format!("its stream id is invalid: {e}"),
                    event_id(),
                ));
            }
        };
        let Ok(version) = u64::try_from(self.version).map(StreamVersion::new) else {
            let reason = format!("its version {} is negative", self.version);
            return Err(undecodable(reason, event_id()));
        };
        let metadata: EventMetadata = match serde_json::from_str(self.metadata) {
            Ok(metadata) => metadata,
            Err(e) => {
                let reason = format!("the metadata of version {version} does not decode: {e}");
                return Err(undecodable(reason, event_id()));
            }
        };
        let event = match self.schema_version.map(u32::try_from) {
            None => SerializedEvent::legacy_tagged(self.event_type, self.payload),
            Some(Ok(schema_version)) if schema_version >= 1 => {
                SerializedEvent::new(self.event_type, self.payload)
                    .with_schema_version(schema_version)
            }
            Some(_) => {
                let reason = format!(
                    "the schema version {:?} of version {version} is below 1 or too large",
                    self.schema_version
                );
                return Err(undecodable(reason, event_id()));
            }
        };
        Ok(StoredEvent::new(
            stream_id,
            version,
            self.position,
            metadata,
            event,
        ))
    }
}
