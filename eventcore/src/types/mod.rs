//! The core vocabulary: identifiers, versions, positions, metadata.
//!
//! Every type here is valid by construction; the smart constructors are the
//! only way in.

/// `Debug`, `Display`, `Serialize` and `Deserialize` for a validated name
/// (a newtype over `Arc<str>` with a `try_new` constructor): shown and
/// written as its string, and read back through `try_new`, so a
/// deserialized name is as valid as a constructed one.
macro_rules! name_traits {
    ($name:ident) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), &*self.0)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str> as serde::Deserialize<'de>>::deserialize(
                    deserializer,
                )?;
                Self::try_new(&*raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

mod idempotency_key;
mod ids;
mod metadata;
mod recorded;
mod stream_id;
mod timestamp;
mod v7;
mod validation;
mod version;

pub use idempotency_key::IdempotencyKey;
pub use ids::{CausationId, CorrelationId, EventId, UserId};
pub use metadata::{CustomMetadata, EventMetadata, EventMetadataBuilder};
pub use recorded::RecordedEvent;
pub use stream_id::StreamId;
pub(crate) use stream_id::{NameKind, validate_name};
pub use timestamp::Timestamp;
pub use validation::ValidationError;
pub use version::{GlobalPosition, StreamVersion};
