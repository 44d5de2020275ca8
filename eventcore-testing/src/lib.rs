//! # EventCore testing toolkit
//!
//! Helpers for testing code built on EventCore:
//!
//! - [`scenario`]: `given(history).when(command).then_emits(events)` and
//!   `.then_fails_with(error)`, run through the real executor on a
//!   [`MemoryStore`](eventcore_memory::MemoryStore).
//! - [`chaos`]: store wrappers that inject failures, delays, conflicts and
//!   lost checkpoint replies ([`ChaosStore`](chaos::ChaosStore),
//!   [`ConflictingStore`](chaos::ConflictingStore)), play a rival writer
//!   ([`ContendedStore`](chaos::ContendedStore)), or record what was
//!   appended ([`RecordingStore`](chaos::RecordingStore)).
//! - [`strategies`]: proptest strategies for the core types.
//!
//! Add it as a dev-dependency next to `eventcore`:
//!
//! ```toml
//! [dev-dependencies]
//! eventcore-testing = "0.1"
//! ```
//!
//! ## Where this crate sits
//!
//! The toolkit runs on the real in-memory store, never on a second private
//! implementation of the port, so the store behind every given/when/then
//! test is the one that passes the conformance suite. `eventcore-memory`
//! depends on `eventcore`, so the toolkit cannot live inside `eventcore`;
//! moving the memory store's core into `eventcore` behind a feature would
//! instead put a backend inside the core, which the design keeps out
//! (adapter crates implement the port; the core does not re-export
//! backends). So the toolkit is its own crate on top of both: `eventcore`
//! (the port, the executor and, behind `conformance`, the adapter suite) ←
//! `eventcore-memory` (one adapter) ← `eventcore-testing` (this crate).
//! Applications depend on `eventcore` plus one store crate, and add
//! `eventcore-testing` as a dev-dependency only; nothing in the runtime
//! path depends on it. The same shape as `eventcore-testing` on
//! `eventcore-memory` in jwilger/eventcore.
//!
//! This crate's API is a stable part of EventCore's public API, held to the
//! same semver rules as `eventcore`. What a scenario checks is stated on
//! each `then_*` method; the chaos wrappers promise only what their docs
//! say about injected faults (rates are probabilities, a fixed seed
//! replays the same faults against the same sequence of calls).

pub mod chaos;
pub mod scenario;
pub mod strategies;

pub use scenario::{given, given_no_events};
