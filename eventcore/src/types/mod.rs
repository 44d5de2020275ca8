//! The core vocabulary: identifiers, versions, positions, metadata.
//!
//! Every type here is valid by construction; the smart constructors are the
//! only way in.

mod idempotency_key;
mod ids;
mod metadata;
mod recorded;
mod stream_id;
mod timestamp;
mod validation;
mod version;

pub use idempotency_key::IdempotencyKey;
pub use ids::{CausationId, CorrelationId, EventId, UserId};
pub use metadata::{CustomMetadata, EventMetadata, EventMetadataBuilder};
pub use recorded::RecordedEvent;
pub use stream_id::StreamId;
pub use timestamp::Timestamp;
pub use validation::ValidationError;
pub use version::{GlobalPosition, StreamVersion};
