use std::{fmt, sync::Arc};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use super::ValidationError;
use super::stream_id::{NameKind, validate_name};

/// The unique id of one event: a UUIDv7, so ids sort in creation order.
///
/// ```
/// use eventcore::EventId;
///
/// let first = EventId::new();
/// let second = EventId::new();
/// assert!(first < second);
///
/// // Only version 7 UUIDs are accepted.
/// let v4 = uuid::Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef);
/// assert!(EventId::try_from_uuid(v4).is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(Uuid);

impl EventId {
    /// Mints a fresh id from the current time. Ids minted by one process
    /// increase strictly.
    #[must_use]
    pub fn new() -> Self {
        Self(super::v7::now_v7())
    }

    /// Accepts `uuid` only if it is a version 7 UUID.
    pub fn try_from_uuid(uuid: Uuid) -> Result<Self, ValidationError> {
        match uuid.get_version_num() {
            7 => Ok(Self(uuid)),
            version => Err(ValidationError::NotUuidV7 { uuid, version }),
        }
    }

    /// The underlying UUID.
    #[must_use]
    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl Default for EventId {
    fn default() -> Self {
        Self::new()
    }
}

impl TryFrom<Uuid> for EventId {
    type Error = ValidationError;
    fn try_from(value: Uuid) -> Result<Self, Self::Error> {
        Self::try_from_uuid(value)
    }
}

impl From<EventId> for Uuid {
    fn from(value: EventId) -> Self {
        value.0
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({})", self.0)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_from_uuid(Uuid::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

macro_rules! uuid_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Mints a fresh, time-ordered (v7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(super::v7::now_v7())
            }

            /// Wraps an existing UUID of any version, e.g. one received from
            /// an upstream system.
            #[must_use]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            #[must_use]
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

uuid_newtype! {
    /// Ties together every event caused, directly or not, by one request.
    ///
    /// ```
    /// # use eventcore::CorrelationId;
    /// let id = CorrelationId::new();
    /// assert_eq!(CorrelationId::from_uuid(*id.as_uuid()), id);
    /// ```
    CorrelationId
}

uuid_newtype! {
    /// The id of the message (usually an event) that caused an event.
    ///
    /// ```
    /// # use eventcore::{CausationId, EventId};
    /// let trigger = EventId::new();
    /// let cause = CausationId::from(trigger);
    /// assert_eq!(cause.as_uuid(), trigger.as_uuid());
    /// ```
    CausationId
}

impl From<EventId> for CausationId {
    fn from(value: EventId) -> Self {
        Self(value.0)
    }
}

/// The actor on whose behalf a command ran: a user name, a service account…
///
/// Same rules as [`StreamId`](crate::StreamId): non-empty, at most 255
/// characters, no control characters.
///
/// ```
/// # use eventcore::UserId;
/// assert_eq!(UserId::try_new("alice")?.as_str(), "alice");
/// assert!(UserId::try_new("").is_err());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(Arc<str>);

impl UserId {
    /// Parses a user id.
    pub fn try_new(value: impl AsRef<str>) -> Result<Self, ValidationError> {
        let value = value.as_ref();
        validate_name(value, NameKind::UserId)?;
        Ok(Self(Arc::from(value)))
    }

    /// The id as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

name_traits!(UserId);
