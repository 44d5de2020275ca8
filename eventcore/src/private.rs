//! Implementation details used by generated code. Not covered by semver:
//! anything here may change in any release.

#[cfg(feature = "conformance")]
pub use tokio;

pub use crate::{
    command::{
        CaptureError, Command, CommandField, CommandState, Fold, FoldFingerprint, FoldIdentity,
        IntoStreamId, ProjectedIds, RestoreError, SnapshotKind, SnapshotState, StreamAccess,
        StreamDeclarations, StreamField, StreamHandle, StreamHandles, StreamResolver, StreamStates,
        capture_field, restore_field,
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
