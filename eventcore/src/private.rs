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

/// The handles of a command's discovered streams.
pub fn discovered<C: Command>(access: &StreamAccess<C::Event>) -> StreamHandles<'_, C> {
    access.discovered()
}

pub use std::vec::Vec;
