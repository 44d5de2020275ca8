//! Turning typed events into the store's serialized form and back.

mod composed;
pub(crate) mod finite;
mod json;
mod registry;
mod variants;

pub use json::JsonSerializer;
pub use registry::{EventSchema, StoreCheck, TypeSchema, Unreadable, UpcastStep, check_store};

use crate::{
    error::SerializationError,
    event::Event,
    store::{SerializedEvent, StoredEvent},
};

/// Encodes typed events for storage and decodes stored events.
///
/// Implement it to change the wire format. [`JsonSerializer`] is the
/// default.
pub trait EventSerializer: Send + Sync + 'static {
    /// Encodes `event`.
    fn encode<E: Event>(&self, event: &E) -> Result<SerializedEvent, SerializationError>;

    /// Decodes a stored event into `E`. Unknown type names, schema versions
    /// this code cannot read and malformed payloads are errors naming the
    /// stream, version and type.
    fn decode<E: Event>(&self, stored: &StoredEvent) -> Result<E, SerializationError>;
}
