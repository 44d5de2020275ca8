use std::{borrow::Borrow, fmt, sync::Arc};

use super::ValidationError;

/// The name of an event stream, such as `account-42`.
///
/// A `StreamId` is valid by construction: it is non-empty, at most
/// [`StreamId::MAX_CHARS`] characters long, contains no control characters
/// and no invisible or bidirectional formatting characters (zero-width
/// spaces and joiners, bidi overrides and isolates, the byte-order mark,
/// line and paragraph separators), and is in Unicode normalization form C.
/// So two ids that print the same are the same id: the NFD spelling of a
/// name is refused rather than silently made a second stream. Cloning is
/// cheap (a reference-count increment).
///
/// ```
/// use eventcore::StreamId;
///
/// let id = StreamId::try_new("account-42")?;
/// assert_eq!(id.as_str(), "account-42");
///
/// let err = StreamId::try_new("").unwrap_err();
/// assert!(err.to_string().contains("must not be empty"));
///
/// // "café" spelled with a combining accent (NFD) is refused; NFC is taken.
/// assert!(StreamId::try_new("cafe\u{301}").is_err());
/// assert!(StreamId::try_new("caf\u{e9}").is_ok());
/// // A right-to-left override would make "user-evil\u{202E}gpj.exe" print as
/// // something else.
/// assert!(StreamId::try_new("user-\u{202E}lave").is_err());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(Arc<str>);

impl StreamId {
    /// The longest stream id accepted, counted in characters.
    pub const MAX_CHARS: usize = 255;

    /// Parses a stream id, rejecting empty, overlong, control-character,
    /// invisible-character or non-NFC input.
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
    IdempotencyKey,
    /// A scheduler's queue name (see `ScheduledMessage`).
    Queue,
    /// A snapshot's state type name (see `Snapshot`).
    StateType,
    /// A snapshot's fingerprint (see `Snapshot`).
    Fingerprint,
}

impl NameKind {
    pub(crate) const fn type_name(self) -> &'static str {
        match self {
            Self::StreamId => "StreamId",
            Self::UserId => "UserId",
            Self::IdempotencyKey => "IdempotencyKey",
            Self::Queue => "queue name",
            Self::StateType => "snapshot state type",
            Self::Fingerprint => "snapshot fingerprint",
        }
    }

    const fn max_chars(self) -> usize {
        match self {
            Self::StreamId | Self::UserId => StreamId::MAX_CHARS,
            Self::IdempotencyKey | Self::Queue | Self::StateType | Self::Fingerprint => {
                super::IdempotencyKey::MAX_CHARS
            }
        }
    }
}

/// The shared rule for textual identifiers: non-empty, at most
/// [`NameKind::max_chars`] characters, no control, invisible or bidirectional formatting characters,
/// and in NFC.
pub(crate) fn validate_name(value: &str, kind: NameKind) -> Result<(), ValidationError> {
    let type_name = kind.type_name();
    if value.is_empty() {
        return Err(ValidationError::Empty { type_name });
    }
    let length = value.chars().count();
    let max = kind.max_chars();
    if length > max {
        return Err(ValidationError::TooLong {
            type_name,
            value: truncate_for_message(value),
            length,
            max,
        });
    }
    if value.is_ascii() {
        // The common case: only the control-character rule can apply.
        return match value.char_indices().find(|(_, c)| c.is_control()) {
            Some((index, character)) => Err(control_character(type_name, value, index, character)),
            None => Ok(()),
        };
    }
    if let Some((index, character)) = value.char_indices().find(|(_, c)| c.is_control()) {
        return Err(control_character(type_name, value, index, character));
    }
    if let Some((index, character)) = value.char_indices().find(|(_, c)| is_invisible(*c)) {
        return Err(ValidationError::invalid(
            type_name,
            value.escape_unicode(),
            format!(
                "must not contain the invisible or bidirectional formatting character U+{:04X} \
                 (at byte index {index}): it would make two different names print the same",
                u32::from(character)
            ),
        ));
    }
    if !unicode_normalization::is_nfc(value) {
        return Err(ValidationError::invalid(
            type_name,
            value.escape_unicode(),
            "must be in Unicode normalization form C (NFC), so that one name is one stream; \
             normalize it first (for example with the unicode-normalization crate's `nfc()`)",
        ));
    }
    Ok(())
}

fn control_character(
    type_name: &'static str,
    value: &str,
    index: usize,
    character: char,
) -> ValidationError {
    ValidationError::ControlCharacter {
        type_name,
        value: value.escape_debug().to_string(),
        character: character.escape_debug().to_string(),
        index,
    }
}

/// Characters that change how text is laid out or joined without showing:
/// bidirectional overrides, embeddings, isolates and marks, zero-width
/// spaces and joiners, the word joiner, the byte-order mark, and the line
/// and paragraph separators.
const fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Keeps error messages readable when the offending value is huge.
fn truncate_for_message(value: &str) -> String {
    const SHOWN: usize = 40;
    let mut shown: String = value.chars().take(SHOWN).collect();
    shown.push('…');
    shown
}

name_traits!(StreamId);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::UserId;

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

    #[test]
    fn invisible_and_bidirectional_characters_are_refused_by_code_point() {
        let refused = (0x202A..=0x202E)
            .chain(0x2066..=0x2069)
            .chain(0x200B..=0x200F)
            .chain([0x2028, 0x2029, 0x2060, 0xFEFF, 0x061C]);
        for code in refused {
            let c = char::from_u32(code).unwrap();
            let err = StreamId::try_new(format!("account{c}42")).unwrap_err();
            assert!(
                err.to_string().contains(&format!("U+{code:04X}")),
                "U+{code:04X}: {err}"
            );
            assert!(UserId::try_new(format!("user{c}")).is_err(), "U+{code:04X}");
        }
        // Neighbours that print are accepted.
        for visible in ["a\u{202F}b", "\u{2027}", "\u{2070}", "\u{FEFE}"] {
            assert!(StreamId::try_new(visible).is_ok(), "{visible:?}");
        }
    }

    #[test]
    fn one_name_is_one_stream_nfd_spellings_are_refused() {
        let nfc = "re\u{301}sume\u{301}".chars().count();
        assert_eq!(nfc, 8);
        let err = StreamId::try_new("re\u{301}sume\u{301}").unwrap_err();
        assert!(err.to_string().contains("normalization form C"), "{err}");
        assert!(StreamId::try_new("r\u{e9}sum\u{e9}").is_ok());
        // A combining mark with no precomposed form is already NFC.
        assert!(StreamId::try_new("x\u{301}").is_ok());
    }
}
