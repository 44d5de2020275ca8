//! Implementation details used by generated code. Not covered by semver:
//! anything here may change in any release.

#[cfg(feature = "conformance")]
pub use tokio;

pub use crate::{
    command::{
        CaptureError, Command, CommandField, CommandState, Fold, FoldFingerprint, FoldIdentity,
        Folding, IntoStreamId, ProjectedIds, RestoreError, SnapshotKind, SnapshotState,
        StreamAccess, StreamDeclarations, StreamField, StreamFold, StreamHandle, StreamHandles,
        StreamResolver, StreamStates, ViaKept, ViaWhole, capture_field, restore_field,
    },
    event::Event,
    types::{RecordedEvent, StreamId},
    upcast::Upcasters,
};

/// The handles of a command's discovered streams.
pub fn discovered<C: Command>(access: &StreamAccess<C::Event>) -> StreamHandles<'_, C> {
    access.discovered()
}

pub use serde;
pub use serde_json::{Error as JsonError, Value as JsonValue};
pub use std::{result::Result, sync::OnceLock, vec::Vec};

/// Shows a field of a generated struct in its `Debug` output: with its own
/// `Debug` when its type has one, as `..` otherwise. Generated code calls
/// `(&DebugField(&field)).debug_field()` with both traits in scope; method
/// lookup takes [`ViaDebug`] when it applies and falls back to
/// [`ViaOpaque`] one autoref later.
pub struct DebugField<'a, T>(pub &'a T);

/// The field's own `Debug`.
pub trait ViaDebug {
    /// The field, to format.
    fn debug_field(&self) -> &dyn core::fmt::Debug;
}

impl<T: core::fmt::Debug> ViaDebug for DebugField<'_, T> {
    fn debug_field(&self) -> &dyn core::fmt::Debug {
        self.0
    }
}

/// `..` for a field without `Debug`.
pub trait ViaOpaque {
    /// A placeholder, to format.
    fn debug_field(&self) -> &dyn core::fmt::Debug;
}

impl<T> ViaOpaque for &DebugField<'_, T> {
    fn debug_field(&self) -> &dyn core::fmt::Debug {
        &Opaque
    }
}

/// Formats as `..`.
struct Opaque;

impl core::fmt::Debug for Opaque {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("..")
    }
}

/// The event type `#[derive(Command)]` writes when `#[command(event = ..)]`
/// is missing, next to the error that says so: the rest of the expansion
/// then type-checks, so the user sees that one error and not a cascade
/// about missing items. Uninhabited: no value of it exists.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum MissingEventOption {}

impl Event for MissingEventOption {
    const EVENT_TYPES: &'static [&'static str] = &[];

    fn event_type(&self) -> &'static str {
        match *self {}
    }
}

/// Serde's traits, for the bounds `#[derive(Event)]` writes on a generic enum.
pub use serde::{Serialize, de::DeserializeOwned};

/// How many names the parts of a composed event type have together.
#[must_use]
pub const fn composed_len(parts: &[&[&'static str]]) -> usize {
    let (mut total, mut i) = (0, 0);
    while i < parts.len() {
        total += parts[i].len();
        i += 1;
    }
    total
}

/// The parts' type names, in order: a composed event type's `EVENT_TYPES`.
#[must_use]
pub const fn composed_names<const N: usize>(parts: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut k, mut i) = (0, 0);
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[k] = parts[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// The schema version of each of the parts' names, in order (a part's
/// empty `SCHEMA_VERSIONS` means 1 for each of its names).
#[must_use]
pub const fn composed_versions<const N: usize>(parts: &[(&[&'static str], &[u32])]) -> [u32; N] {
    let mut out = [1; N];
    let (mut k, mut i) = (0, 0);
    while i < parts.len() {
        let (names, versions) = parts[i];
        let mut j = 0;
        while j < names.len() {
            if j < versions.len() {
                out[k] = versions[j];
            }
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// How many aliases the parts of a composed event type have together.
#[must_use]
pub const fn composed_alias_len(parts: &[&[(&'static str, &'static str)]]) -> usize {
    let (mut total, mut i) = (0, 0);
    while i < parts.len() {
        total += parts[i].len();
        i += 1;
    }
    total
}

/// The parts' aliases, in order.
#[must_use]
pub const fn composed_aliases<const N: usize>(
    parts: &[&[(&'static str, &'static str)]],
) -> [(&'static str, &'static str); N] {
    let mut out = [("", ""); N];
    let (mut k, mut i) = (0, 0);
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[k] = parts[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// Whether no two of `names` are equal.
#[must_use]
pub const fn distinct_names(names: &[&str]) -> bool {
    let mut i = 0;
    while i < names.len() {
        let mut j = i + 1;
        while j < names.len() {
            if same_text(names[i], names[j]) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

pub use crate::{
    ComposedOf,
    event::{PartVisitor, PartsVisitor},
};
