//! The user's guide: EventCore from the first command to production, one
//! chapter per module. Every example is compiled and run as a doctest.
//!
//! 1. [`getting_started`]: a first command on the in-memory store.
//! 2. [`commands_and_streams`]: `#[derive(Command)]`, `#[stream]` fields
//!    and the handles that make writes safe.
//! 3. [`state_and_folding`]: `Fold`, generated state, snapshots.
//! 4. [`dynamic_discovery`]: commands that find their streams at run time.
//! 5. [`errors_and_retries`]: rejections, conflicts, retries, deadlines,
//!    idempotency.
//! 6. [`testing_commands`]: given/when/then scenarios and property tests.
//! 7. [`projections_and_read_models`]: runners, checkpoints, leases, read
//!    models in memory and in the database.
//! 8. [`running_on_sqlite`]: the embedded store.
//! 9. [`running_on_postgresql`]: migrations, roles, pool sizing,
//!    partitioning.
//! 10. [`evolving_events`]: schema versions, upcasters, renames.
//! 11. [`operating`]: metrics, health, tracing and the `eventcore` command
//!     line.
//! 12. [`performance`]: what was measured, and what it means for you.
//! 13. [`writing_an_adapter`]: the port, its obligations, the conformance
//!     suite, a skeleton adapter, and a note on KurrentDB.

#[doc = include_str!("getting_started.md")]
pub mod getting_started {}

#[doc = include_str!("commands_and_streams.md")]
pub mod commands_and_streams {}

#[doc = include_str!("state_and_folding.md")]
pub mod state_and_folding {}

#[doc = include_str!("dynamic_discovery.md")]
pub mod dynamic_discovery {}

#[doc = include_str!("errors_and_retries.md")]
pub mod errors_and_retries {}

#[doc = include_str!("testing_commands.md")]
pub mod testing_commands {}

#[doc = include_str!("projections_and_read_models.md")]
pub mod projections_and_read_models {}

#[doc = include_str!("running_on_sqlite.md")]
pub mod running_on_sqlite {}

#[doc = include_str!("running_on_postgresql.md")]
pub mod running_on_postgresql {}

#[doc = include_str!("evolving_events.md")]
pub mod evolving_events {}

#[doc = include_str!("operating.md")]
pub mod operating {}

#[doc = include_str!("performance.md")]
pub mod performance {}

#[doc = include_str!("writing_an_adapter.md")]
pub mod writing_an_adapter {}
