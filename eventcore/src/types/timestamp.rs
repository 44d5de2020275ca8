use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A point in time, in UTC.
///
/// ```
/// use eventcore::Timestamp;
///
/// let t = Timestamp::now();
/// assert_eq!(Timestamp::from(t.into_inner()), t);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The current time.
    #[must_use]
    pub fn now() -> Self {
        Self(Utc::now())
    }

    /// Wraps a `chrono` time.
    #[must_use]
    pub const fn new(at: DateTime<Utc>) -> Self {
        Self(at)
    }

    /// The `chrono` time.
    #[must_use]
    pub const fn into_inner(self) -> DateTime<Utc> {
        self.0
    }

    /// Borrows the `chrono` time.
    #[must_use]
    pub const fn as_datetime(&self) -> &DateTime<Utc> {
        &self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.to_rfc3339(), f)
    }
}
