//! The whole EventCore conformance suite against the skeleton: one fresh
//! file, in its own temporary directory, per test.

#![cfg(test)]

eventcore::conformance_tests!(|| async { eventcore_skeleton::FileStore::temporary() });
