use std::fmt;

use serde::{Deserialize, Serialize};

/// The version of a stream: the number of events it holds.
///
/// 0 means the stream is empty (or does not exist); its first event has
/// version 1.
///
/// ```
/// use eventcore::StreamVersion;
///
/// assert_eq!(StreamVersion::INITIAL.next(), StreamVersion::new(1));
/// assert!(StreamVersion::new(3) > StreamVersion::new(2));
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct StreamVersion(u64);

impl StreamVersion {
    /// The version of a stream with no events.
    pub const INITIAL: Self = Self(0);

    /// Wraps a raw version number.
    #[must_use]
    pub const fn new(version: u64) -> Self {
        Self(version)
    }

    /// The version after this one. Saturates at `u64::MAX`, which no store
    /// can reach.
    #[must_use]
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }

    /// The raw number.
    #[must_use]
    pub const fn value(self) -> u64 {
        self.0
    }

    /// Whether this is the version of an empty stream.
    #[must_use]
    pub const fn is_initial(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for StreamVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u64> for StreamVersion {
    fn from(value: u64) -> Self {
        Self(value)
    }
}

/// A store-wide position of a committed event.
///
/// Positions increase with commit order as seen by readers of
/// [`EventStore::read_all`](crate::store::EventStore::read_all). Gaps are
/// allowed. [`GlobalPosition::START`] (0) comes before every event, so
/// `read_all(GlobalPosition::START, ..)` reads from the beginning.
///
/// ```
/// use eventcore::GlobalPosition;
///
/// assert!(GlobalPosition::START < GlobalPosition::new(1));
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct GlobalPosition(u64);

impl GlobalPosition {
    /// The position before the first event.
    pub const START: Self = Self(0);

    /// Wraps a raw position.
    #[must_use]
    pub const fn new(position: u64) -> Self {
        Self(position)
    }

    /// The raw number.
    #[must_use]
    pub const fn value(self) -> u64 {
        self.0
    }
}

impl fmt::Display for GlobalPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u64> for GlobalPosition {
    fn from(value: u64) -> Self {
        Self(value)
    }
}
