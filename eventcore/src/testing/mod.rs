//! Testing helpers for users of EventCore (feature `testing`).
//!
//! - [`strategies`]: proptest strategies for the core types.

pub mod strategies;
