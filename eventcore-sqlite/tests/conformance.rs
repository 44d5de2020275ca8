//! The whole EventCore conformance suite against SQLite, one fresh file
//! per test.

#![cfg(test)]

eventcore::conformance_tests!(eventcore_sqlite::SqliteStore::temporary);
