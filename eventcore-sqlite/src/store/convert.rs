//! The port's values as SQLite stores them: signed 64-bit integers, and
//! times in microseconds since the Unix epoch.

use eventcore::StoreError;

/// A position or version as SQLite stores it (a signed 64-bit integer).
pub(crate) fn to_i64(what: &'static str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| {
        eventcore::ValidationError::invalid(what, value, "must be at most i64::MAX").into()
    })
}

/// A stored integer that must not be negative.
pub(crate) fn to_u64(what: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        detail: format!("{what} is negative ({value})"),
    })
}

/// Microseconds since the Unix epoch.
pub(crate) fn micros(at: eventcore::Timestamp) -> i64 {
    at.into_inner().timestamp_micros()
}

/// The time `us` microseconds after the Unix epoch.
pub(crate) fn from_micros(what: &str, us: i64) -> Result<eventcore::Timestamp, StoreError> {
    chrono::DateTime::from_timestamp_micros(us)
        .map(eventcore::Timestamp::from)
        .ok_or_else(|| StoreError::Corrupt {
            detail: format!("{what} holds the impossible time {us} µs"),
        })
}

/// Now, in microseconds since the Unix epoch.
pub(crate) fn now_micros() -> i64 {
    micros(eventcore::Timestamp::now())
}
