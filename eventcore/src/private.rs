//! Implementation details used by generated code. Not covered by semver:
//! anything here may change in any release.

#[cfg(feature = "conformance")]
pub use tokio;

pub use crate::{
    command::{
        Command, CommandState, Fold, StreamAccess, StreamDeclarations, StreamField, StreamHandles,
        StreamResolver,
    },
    event::Event,
    types::{RecordedEvent, StreamId},
};

/// Fails to compile, at the field's type, unless `T` can be a `#[stream]`
/// field.
pub const fn assert_stream_field<T: StreamField + ?Sized>() {}

/// Fails to compile, at the state type, unless `S` folds events `E`.
pub const fn assert_fold<S: Fold<E>, E>() {}

/// Fails to compile unless the command implements [`StreamResolver`].
pub const fn assert_resolver<C: StreamResolver>() {}

/// The handles of a command's discovered streams.
pub fn discovered<C: Command>(access: &StreamAccess<C::Event>) -> StreamHandles<'_, C> {
    access.discovered()
}

pub use std::vec::Vec;
