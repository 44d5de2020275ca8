//! What `#[stream(state = T, snapshot)]` generates calls into: which
//! snapshots a stream's state may be restored from, and how a field's state
//! is restored from, and captured into, a snapshot.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock},
};

use parking_lot::RwLock;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use super::StreamField;
use crate::{event::Event, serialization::finite, store::Snapshot, types::StreamId};

/// The snapshots a stream's state may be restored from: of one state type,
/// folded by code with one fingerprint.
///
/// The fingerprint covers the state type's name, its serialized shape (the
/// field names and value kinds of its default value, as JSON), the fold's
/// fingerprint (the hash of its tokens from `#[eventcore::fold]`, or the
/// manual version of `snapshot_version = N`), and the names and schema
/// versions of the event type, so a change to any of them makes older
/// snapshots unusable without anyone dropping them.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotKind {
    state_type: &'static str,
    fingerprint: Arc<str>,
}

/// What a kind is computed from: the state and event types' names and the
/// fold identity.
type KindKey = (&'static str, &'static str, u8, u64);

/// Every kind computed so far. Commands ask for their streams' kinds on
/// every execution; computing one serializes the state's default value.
static KINDS: LazyLock<RwLock<HashMap<KindKey, Arc<str>, foldhash::fast::RandomState>>> =
    LazyLock::new(RwLock::default);

/// A state that can be kept in snapshots, which are JSON: every
/// `Serialize + DeserializeOwned` type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be kept in snapshots",
    label = "`{Self}` does not implement `Serialize` and `Deserialize`",
    note = "a state kept in snapshots (`#[stream(state = T, snapshot)]`) is saved as JSON: add `#[derive(serde::Serialize, serde::Deserialize)]` to `{Self}`"
)]
pub trait SnapshotState: Serialize + DeserializeOwned {
    /// Names the trait for the derive's checks.
    #[doc(hidden)]
    fn snapshot_state() {}
}

#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> SnapshotState for T {}

/// Where a state type's fold logic is identified from.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum FoldIdentity {
    /// The hash of the `impl Fold` block's tokens (`#[eventcore::fold]`).
    Tokens(u64),
    /// A version the user bumps by hand (`snapshot_version = N`).
    Manual(u32),
}

impl SnapshotKind {
    /// The kind of snapshots of `T`, folded from events of type `E` by the
    /// fold identified by `fold`.
    #[must_use]
    pub fn of<T: Default + Serialize, E: Event>(fold: FoldIdentity) -> Self {
        let state_type = std::any::type_name::<T>();
        let key: KindKey = match fold {
            FoldIdentity::Tokens(hash) => (state_type, std::any::type_name::<E>(), 0, hash),
            FoldIdentity::Manual(version) => (
                state_type,
                std::any::type_name::<E>(),
                1,
                u64::from(version),
            ),
        };
        if let Some(fingerprint) = KINDS.read().get(&key) {
            return Self {
                state_type,
                fingerprint: Arc::clone(fingerprint),
            };
        }
        let fingerprint: Arc<str> = Self::compute::<T, E>(state_type, fold).into();
        KINDS.write().insert(key, Arc::clone(&fingerprint));
        Self {
            state_type,
            fingerprint,
        }
    }

    /// The fingerprint of [`of`](Self::of), computed.
    fn compute<T: Default + Serialize, E: Event>(state_type: &str, fold: FoldIdentity) -> String {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(state_type.as_bytes());
        hasher.update(b"\0shape\0");
        match serde_json::to_value(T::default()) {
            Ok(shape) => hash_shape(&mut hasher, &shape),
            Err(_) => hasher.update(b"?"),
        }
        match fold {
            FoldIdentity::Tokens(hash) => {
                hasher.update(b"\0tokens\0");
                hasher.update(&hash.to_le_bytes());
            }
            FoldIdentity::Manual(version) => {
                hasher.update(b"\0manual\0");
                hasher.update(&version.to_le_bytes());
            }
        }
        hasher.update(b"\0events");
        for name in E::EVENT_TYPES {
            hasher.update(b"\0");
            hasher.update(name.as_bytes());
        }
        hasher.update(b"\0versions");
        for version in E::SCHEMA_VERSIONS {
            hasher.update(&version.to_le_bytes());
        }
        format!("{:032x}", hasher.digest128())
    }

    /// The state type's name, as snapshots are saved under.
    #[must_use]
    pub const fn state_type(&self) -> &'static str {
        self.state_type
    }

    /// The fingerprint a snapshot must carry to be used.
    #[must_use]
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Whether `snapshot` is of this kind.
    #[must_use]
    pub fn matches(&self, snapshot: &Snapshot) -> bool {
        snapshot.state_type() == self.state_type && snapshot.fingerprint() == &*self.fingerprint
    }

    /// Joins the kinds of two fields holding one stream: a stream whose
    /// fields want different kinds has no single snapshot to restore from.
    #[doc(hidden)]
    #[must_use]
    pub fn join(found: Option<Option<Self>>, next: Self) -> Option<Option<Self>> {
        match found {
            None => Some(Some(next)),
            Some(Some(kind)) if kind == next => Some(Some(kind)),
            Some(_) => Some(None),
        }
    }
}

/// Hashes the shape of `value`: object keys (in order) and the kind of
/// every value, not the values themselves.
fn hash_shape(hasher: &mut xxhash_rust::xxh3::Xxh3, value: &Value) {
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(_) => hasher.update(b"b"),
        Value::Number(_) => hasher.update(b"#"),
        Value::String(_) => hasher.update(b"s"),
        Value::Array(items) => {
            hasher.update(b"[");
            for item in items {
                hash_shape(hasher, item);
            }
            hasher.update(b"]");
        }
        Value::Object(fields) => {
            hasher.update(b"{");
            for (name, field) in fields {
                hasher.update(name.as_bytes());
                hasher.update(b":");
                hash_shape(hasher, field);
            }
            hasher.update(b"}");
        }
    }
}

/// Why a snapshot could not be restored.
#[doc(hidden)]
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The state does not decode as the state type.
    #[error("the snapshot's state does not decode: {0}")]
    Decode(#[from] serde_json::Error),
    /// The field cannot reach the stream's state (a stream field type that
    /// does not implement `StreamField::state_mut`).
    #[error("the command's state has no place for the stream's snapshot")]
    NoPlace,
}

/// Restores `field`'s state of `stream` from `value`; `Ok(false)` when
/// the field does not hold `stream`.
#[doc(hidden)]
pub fn restore_field<F, T>(
    field: &F,
    state: &mut F::State<T>,
    stream: &StreamId,
    value: &Value,
) -> Result<bool, RestoreError>
where
    F: StreamField + ?Sized,
    T: SnapshotState,
{
    if !field.holds(stream) {
        return Ok(false);
    }
    let restored = T::deserialize(value)?;
    let slot = field
        .state_mut(state, stream)
        .ok_or(RestoreError::NoPlace)?;
    *slot = restored;
    Ok(true)
}

/// Why a state could not be captured into a snapshot.
#[doc(hidden)]
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// JSON cannot carry a float of the state: `serde_json` would write it
    /// as `null`, and the state restored from it would differ.
    #[error("the state holds a float JSON cannot carry, at `{path}`: {detail}")]
    NonFinite {
        /// Where, such as `limits.daily`.
        path: String,
        /// What was found.
        detail: String,
    },
    /// The state does not serialize.
    #[error("the state does not serialize: {0}")]
    Encode(#[from] serde_json::Error),
}

/// `field`'s state of `stream`, serialized; `None` when the field does not
/// hold `stream` (or cannot reach its state).
#[doc(hidden)]
pub fn capture_field<F, T>(
    field: &F,
    state: &mut F::State<T>,
    stream: &StreamId,
) -> Option<Result<Value, CaptureError>>
where
    F: StreamField + ?Sized,
    T: SnapshotState,
{
    if !field.holds(stream) {
        return None;
    }
    let slot = field.state_mut(state, stream)?;
    Some(match finite::check(&*slot) {
        Err((path, detail)) => Err(CaptureError::NonFinite { path, detail }),
        Ok(()) => serde_json::to_value(&*slot).map_err(CaptureError::from),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shape(value: &Value) -> u128 {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hash_shape(&mut hasher, value);
        hasher.digest128()
    }

    #[test]
    fn a_shape_is_the_names_and_kinds_not_the_values() {
        let account = json!({ "balance": 0, "open": false, "owner": null });
        assert_eq!(
            shape(&account),
            shape(&json!({ "balance": 17, "open": true, "owner": null }))
        );
        // A field added, renamed, or of another kind is another shape.
        for changed in [
            json!({ "balance": 0, "open": false, "owner": null, "limit": 0 }),
            json!({ "cents": 0, "open": false, "owner": null }),
            json!({ "balance": "0", "open": false, "owner": null }),
            json!({ "balance": 0, "open": false }),
        ] {
            assert_ne!(shape(&account), shape(&changed), "{changed}");
        }
    }

    #[derive(Default, Serialize)]
    struct Tally {
        count: u64,
    }

    #[derive(Clone, Debug, Serialize, serde::Deserialize)]
    enum Ticked {
        Tick,
    }

    impl Event for Ticked {
        const EVENT_TYPES: &'static [&'static str] = &["Tick"];
        fn event_type(&self) -> &'static str {
            "Tick"
        }
    }

    #[derive(Clone, Debug, Serialize, serde::Deserialize)]
    enum Tocked {
        Tock,
    }

    impl Event for Tocked {
        const EVENT_TYPES: &'static [&'static str] = &["Tock"];
        fn event_type(&self) -> &'static str {
            "Tock"
        }
    }

    #[test]
    fn a_kind_changes_with_the_fold_and_the_events() {
        let base = SnapshotKind::of::<Tally, Ticked>(FoldIdentity::Tokens(7));
        assert_eq!(
            base,
            SnapshotKind::of::<Tally, Ticked>(FoldIdentity::Tokens(7))
        );
        // Computed once, then shared.
        let again = SnapshotKind::of::<Tally, Ticked>(FoldIdentity::Tokens(7));
        assert!(Arc::ptr_eq(&base.fingerprint, &again.fingerprint));
        assert_eq!(base.fingerprint().len(), 32);
        assert!(base.state_type().ends_with("Tally"));
        for other in [
            SnapshotKind::of::<Tally, Ticked>(FoldIdentity::Tokens(8)),
            SnapshotKind::of::<Tally, Ticked>(FoldIdentity::Manual(7)),
            SnapshotKind::of::<Tally, Tocked>(FoldIdentity::Tokens(7)),
        ] {
            assert_ne!(base.fingerprint(), other.fingerprint());
        }
    }
}
