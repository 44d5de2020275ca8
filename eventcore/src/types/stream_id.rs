use std::{borrow::Borrow, fmt, sync::Arc};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ValidationError;

/// The name of an event stream, such as `account-42`.
///
/// A `StreamId` is valid by construction: it is non-empty, at most
/// [`StreamId::MAX_CHARS`] characters long and contains no control
/// characters. Cloning is cheap (a reference-count increment).
///
/// ```
/// use eventcore::StreamId;
///
/// let id = StreamId::try_new("account-42")?;
/// assert_eq!(id.as_str(), "account-42");
///
/// let err = StreamId::try_new("").unwrap_err();
/// assert!(err.to_string().contains("must not be empty"));
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(Arc<str>);

impl StreamId {
    /// The longest stream id accepted, counted in characters.
    pub const MAX_CHARS: usize = 255;

    /// Parses a stream id, rejecting empty, overlong or control-character input.
    pub fn try_new(value: impl AsRef<str>) -> Result<Self, ValidationError> {
        let value = value.as_ref();
        validate_name(value, NameKind::StreamId)?;
        Ok(Self(Arc::from(value)))
    }

    /// Builds `prefix-suffix`, validating the result.
    ///
    /// ```
    /// # use eventcore::StreamId;
    /// let id = StreamId::with_prefix("account", "42")?;
    /// assert_eq!(id.as_str(), "account-42");
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    pub fn with_prefix(prefix: &str, suffix: impl fmt::Display) -> Result<Self, ValidationError> {
        Self::try_new(format!("{prefix}-{suffix}"))
    }

    /// The id as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which kind of name is being validated, so errors name the right type.
#[derive(Clone, Copy)]
pub(crate) enum NameKind {
    StreamId,
    UserId,
}

impl NameKind {
    pub(crate) const fn type_name(self) -> &'static str {
        match self {
            Self::StreamId => "StreamId",
            Self::UserId => "UserId",
        }
    }
}

/// The shared rule for textual identifiers: non-empty, at most 255 characters,
/// no control characters.
pub(crate) fn validate_name(value: &str, kind: NameKind) -> Result<(), ValidationError> {
    let type_name = kind.type_name();
    if value.is_empty() {
        return Err(ValidationError::Empty { type_name });
    }
    let length = value.chars().count();
    if length > StreamId::MAX_CHARS {
        return Err(ValidationError::TooLong {
            type_name,
            value: truncate_for_message(value),
            length,
            max: StreamId::MAX_CHARS,
        });
    }
    if let Some((index, character)) = value.char_indices().find(|(_, c)| c.is_control()) {
        return Err(ValidationError::ControlCharacter {
            type_name,
            value: value.escape_debug().to_string(),
            character: character.escape_debug().to_string(),
            index,
        });
    }
    Ok(())
}

/// Keeps error messages readable when the offending value is huge.
fn truncate_for_message(value: &str) -> String {
    const SHOWN: usize = 40;
    let mut shown: String = value.chars().take(SHOWN).collect();
    shown.push('…');
    shown
}

impl fmt::Debug for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamId({:?})", &*self.0)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for StreamId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for StreamId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for StreamId {
    type Error = ValidationError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::try_new(value)
    }
}

impl TryFrom<String> for StreamId {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::try_new(value)
    }
}

impl Serialize for StreamId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for StreamId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::try_new(&*raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exactly_255_characters_and_rejects_256() {
        assert!(StreamId::try_new("é".repeat(255)).is_ok());
        let err = StreamId::try_new("a".repeat(256)).unwrap_err();
        assert!(matches!(
            err,
            ValidationError::TooLong {
                length: 256,
                max: 255,
                ..
            }
        ));
        assert!(err.to_string().contains("at most 255 characters"), "{err}");
    }

    #[test]
    fn control_character_error_names_value_and_position() {
        let err = StreamId::try_new("acc\n1").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(r"acc\n1"), "{msg}");
        assert!(msg.contains("index 3"), "{msg}");
    }

    #[test]
    fn deserializing_an_invalid_id_fails() {
        let err = serde_json::from_str::<StreamId>("\"\"").unwrap_err();
        assert!(err.to_string().contains("must not be empty"), "{err}");
    }
}
