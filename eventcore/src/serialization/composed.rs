//! Encoding and decoding composed event types (`#[event(compose)]`)
//! through their parts, so that their stored data is the parts' own.

use super::EventSerializer;
use crate::{
    error::SerializationError,
    event::{Event, PartVisitor, PartsVisitor},
    store::{SerializedEvent, StoredEvent},
};

/// Encodes the part a composed event wraps with the serializer.
pub(super) struct EncodePart<'a, S: ?Sized>(pub &'a S);

impl<S: EventSerializer + ?Sized> PartVisitor for EncodePart<'_, S> {
    type Output = Result<SerializedEvent, SerializationError>;

    fn visit<P: Event>(self, part: &P) -> Self::Output {
        self.0.encode(part)
    }
}

/// Decodes a stored event through the first part that reads its type name.
struct DecodePart<'a, S: ?Sized, E> {
    serializer: &'a S,
    stored: &'a StoredEvent,
    decoded: Option<Result<E, SerializationError>>,
}

impl<S: EventSerializer + ?Sized, E> PartsVisitor<E> for DecodePart<'_, S, E> {
    fn part<P: Event>(&mut self, wrap: fn(P) -> E) {
        if self.decoded.is_none() && part_reads::<P>(self.stored.event_type()) {
            self.decoded = Some(self.serializer.decode::<P>(self.stored).map(wrap));
        }
    }
}

/// `stored` decoded as the composed type `E` through its parts; `None`
/// when `E` is not composed. A type name no part reads is
/// [`SerializationError::UnknownEventType`], listing every part's names.
pub(super) fn decode<E: Event, S: EventSerializer + ?Sized>(
    serializer: &S,
    stored: &StoredEvent,
) -> Option<Result<E, SerializationError>> {
    let mut visitor = DecodePart {
        serializer,
        stored,
        decoded: None,
    };
    if !E::visit_parts(&mut visitor) {
        return None;
    }
    Some(visitor.decoded.unwrap_or_else(|| {
        Err(SerializationError::UnknownEventType {
            stream: stored.stream_id().clone(),
            version: stored.version(),
            event_type: stored.event_type().to_owned(),
            schema_version: stored.schema_version(),
            known: E::EVENT_TYPES,
        })
    }))
}

/// Whether the part `P` reads events stored under `event_type`: one of its
/// names or aliases, or a name its upcasters read.
fn part_reads<P: Event>(event_type: &str) -> bool {
    P::current_name(event_type).is_some() || P::upcasters().is_some_and(|u| u.reads(event_type))
}
