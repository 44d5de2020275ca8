//! The error for input rejected at the library's boundary.

use uuid::Uuid;

/// Input rejected at the library's boundary. The message names the value and
/// the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// An identifier was empty.
    #[error("{type_name} must not be empty")]
    Empty {
        /// The type being constructed, e.g. `StreamId`.
        type_name: &'static str,
    },
    /// An identifier was too long.
    #[error(
        "{type_name} {value:?} is {length} characters long; it must be at most {max} characters"
    )]
    TooLong {
        /// The type being constructed.
        type_name: &'static str,
        /// The start of the rejected value.
        value: String,
        /// Its length in characters.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// An identifier contained a control character.
    #[error(
        "{type_name} \"{value}\" contains the control character '{character}' at byte index {index}; control characters are not allowed"
    )]
    ControlCharacter {
        /// The type being constructed.
        type_name: &'static str,
        /// The rejected value, escaped.
        value: String,
        /// The offending character, escaped.
        character: String,
        /// Its byte index.
        index: usize,
    },
    /// An event id was built from a UUID that is not version 7.
    #[error("EventId must be a UUIDv7, but {uuid} is version {version}")]
    NotUuidV7 {
        /// The rejected UUID.
        uuid: Uuid,
        /// Its version number.
        version: usize,
    },
    /// A value of a domain type broke one of its rules.
    #[error("{type_name} {value:?} is invalid: {rule}")]
    Invalid {
        /// The type being constructed.
        type_name: &'static str,
        /// The rejected value, rendered as text.
        value: String,
        /// The rule it broke, phrased as the rule ("must be positive").
        rule: String,
    },
}

impl ValidationError {
    /// A rule violation in a user's own domain type.
    ///
    /// ```
    /// use eventcore::ValidationError;
    ///
    /// let err = ValidationError::invalid("Money", -5, "must not be negative");
    /// assert_eq!(err.to_string(), "Money \"-5\" is invalid: must not be negative");
    /// ```
    #[must_use]
    pub fn invalid(
        type_name: &'static str,
        value: impl std::fmt::Display,
        rule: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            type_name,
            value: value.to_string(),
            rule: rule.into(),
        }
    }
}
