//! Testing helpers for users of EventCore (feature `testing`).
//!
//! - [`scenario`]: `given(events).when(command).then_emits(events)` tests.
//! - [`chaos`]: store wrappers that inject failures, delays and conflicts.
//! - [`strategies`]: proptest strategies for the core types.

pub mod chaos;
pub mod scenario;
pub mod strategies;

pub use scenario::{given, given_no_events};
