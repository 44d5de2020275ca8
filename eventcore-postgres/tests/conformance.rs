//! The whole EventCore conformance suite against PostgreSQL, one fresh
//! schema per test.

#[cfg(test)]
mod common;

eventcore::conformance_tests!(common::fresh_store);
