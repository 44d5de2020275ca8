use std::sync::Arc;

use uuid::Uuid;

use super::{
    ValidationError,
    stream_id::{NameKind, validate_name},
};

/// The key that makes a command idempotent: executing a command twice with
/// the same key has the effect of executing it once (see
/// [`ExecutionOptions::idempotency_key`](crate::ExecutionOptions::idempotency_key)).
///
/// A key is text, not only a UUID, because keys usually come from outside:
/// an HTTP `Idempotency-Key` header, a queue's message id, or a name derived
/// from a business fact (`invoice-2026-117/payment`). Forcing those into
/// UUIDs would mean hashing them and losing what an operator can read in the
/// store. A [`Uuid`] converts with `From`.
///
/// It follows the rules of [`StreamId`](crate::StreamId) (no control,
/// invisible or bidirectional formatting characters, Unicode NFC, so two
/// keys that print the same are the same key), is at most
/// [`MAX_CHARS`](Self::MAX_CHARS) characters so that every store can index
/// it, and has no leading or trailing whitespace, which a header parser or a
/// copy and paste adds or drops without anyone noticing.
///
/// ```
/// use eventcore::IdempotencyKey;
///
/// let key = IdempotencyKey::try_new("order-17/payment")?;
/// assert_eq!(key.as_str(), "order-17/payment");
///
/// let from_uuid = IdempotencyKey::from(uuid::Uuid::nil());
/// assert_eq!(from_uuid.as_str(), "00000000-0000-0000-0000-000000000000");
///
/// let err = IdempotencyKey::try_new(" order-17").unwrap_err();
/// assert!(err.to_string().contains("leading or trailing whitespace"), "{err}");
/// assert!(IdempotencyKey::try_new("x".repeat(129)).is_err());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(Arc<str>);

impl IdempotencyKey {
    /// The longest key accepted, counted in characters.
    pub const MAX_CHARS: usize = 128;

    /// Parses a key, rejecting empty, overlong, control-character,
    /// invisible-character or non-NFC input, and leading or trailing
    /// whitespace.
    pub fn try_new(value: impl AsRef<str>) -> Result<Self, ValidationError> {
        let value = value.as_ref();
        validate_name(value, NameKind::IdempotencyKey)?;
        if value.trim() != value {
            return Err(ValidationError::invalid(
                "IdempotencyKey",
                format!("{value:?}"),
                "must not have leading or trailing whitespace: a key that prints the same must \
                 be the same key",
            ));
        }
        Ok(Self(Arc::from(value)))
    }

    /// A key derived from `parent` and an index: the same inputs always give
    /// the same key, and different inputs different keys. For work that one
    /// request fans out into several commands (the `index`-th command
    /// caused by one message, for example).
    ///
    /// The result is a UUID (version 5) over both, so it stays within the
    /// length limit whatever the parent's length.
    ///
    /// ```
    /// use eventcore::IdempotencyKey;
    ///
    /// let parent = IdempotencyKey::try_new("message-9")?;
    /// let first = IdempotencyKey::derived(&parent, 0);
    /// assert_eq!(first, IdempotencyKey::derived(&parent, 0));
    /// assert_ne!(first, IdempotencyKey::derived(&parent, 1));
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    #[must_use]
    pub fn derived(parent: &Self, index: u64) -> Self {
        let mut name = Vec::with_capacity(parent.0.len() + 9);
        name.extend_from_slice(parent.0.as_bytes());
        name.push(0);
        name.extend_from_slice(&index.to_be_bytes());
        Self::from(Uuid::new_v5(&DERIVED_KEYS, &name))
    }

    /// The key as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The UUID namespace of [`IdempotencyKey::derived`] keys.
const DERIVED_KEYS: Uuid = Uuid::from_u128(0x5d2c_7a0e_41f3_4b8e_9c61_0e7b_3a52_d4f1);

impl From<Uuid> for IdempotencyKey {
    fn from(value: Uuid) -> Self {
        let mut buffer = Uuid::encode_buffer();
        Self(Arc::from(&*value.hyphenated().encode_lower(&mut buffer)))
    }
}

name_traits!(IdempotencyKey);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_limit_counts_characters() {
        assert!(IdempotencyKey::try_new("é".repeat(IdempotencyKey::MAX_CHARS)).is_ok());
        let err = IdempotencyKey::try_new("é".repeat(IdempotencyKey::MAX_CHARS + 1)).unwrap_err();
        assert!(err.to_string().contains("IdempotencyKey"), "{err}");
    }

    #[test]
    fn hostile_keys_are_refused() {
        for bad in [
            "",
            "a\u{0}b",
            "a\nb",
            "a\u{200B}b",
            "cafe\u{301}",
            "k ",
            "\tk",
        ] {
            assert!(IdempotencyKey::try_new(bad).is_err(), "{bad:?}");
        }
        assert!(IdempotencyKey::try_new("a key with spaces").is_ok());
    }

    #[test]
    fn derived_keys_are_valid_and_distinct() {
        let long = IdempotencyKey::try_new("p".repeat(IdempotencyKey::MAX_CHARS)).unwrap();
        let keys: std::collections::HashSet<_> = (0..100)
            .map(|i| IdempotencyKey::derived(&long, i))
            .collect();
        assert_eq!(keys.len(), 100);
        for key in &keys {
            assert_eq!(&IdempotencyKey::try_new(key.as_str()).unwrap(), key);
        }
    }

    #[test]
    fn serde_refuses_an_invalid_key() {
        let key: IdempotencyKey = serde_json::from_str("\"k-1\"").unwrap();
        assert_eq!(key.as_str(), "k-1");
        assert!(serde_json::from_str::<IdempotencyKey>("\"\"").is_err());
    }
}
