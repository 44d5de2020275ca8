//! The shared adapter conformance suite, run against the in-memory store.

#![cfg(test)]

use std::convert::Infallible;

use eventcore_memory::MemoryStore;

eventcore::conformance_tests!(|| async { Ok::<_, Infallible>(MemoryStore::new()) });
