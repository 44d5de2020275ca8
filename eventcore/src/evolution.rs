//! # Evolving events
//!
//! Events are stored for ever; the event types in the code change every
//! month. This module gathers what keeps old events readable, and the
//! workflow for changing an event type safely. Everything here is also
//! exported at the crate root.
//!
//! ## What is stored
//!
//! Each event is stored as its **type name** (the variant's name, or
//! `#[event(rename = "…")]`), its **schema version** (1 unless
//! `#[event(version = N)]`), and its **data**: the variant's fields alone,
//! as serde writes them (`{"amount":5}`; `null` for a unit variant, an array
//! for a tuple variant, the inner value for a newtype variant). The type
//! name is the one discriminator, so renaming a variant in code never
//! breaks a stored event as long as its type name stays
//! (`#[event(rename = "Deposited")] MoneyIn { .. }`).
//!
//! Events stored before schema versions existed hold serde's tagged form
//! (`{"Deposited":{"amount":5}}`) and no version; they read as version 1,
//! whatever their tag says.
//!
//! ## The kinds of change
//!
//! | change | what to write |
//! |---|---|
//! | add an optional field | nothing: `#[serde(default)]` on the field |
//! | rename a variant, keep its stored name | `#[event(rename = "OldName")]` |
//! | rename a stored type name | `#[event(rename = "New", alias = "Old")]`, or an upcaster that renames |
//! | change a field's name, unit or shape | `#[event(version = N + 1)]` and an upcaster from `N` |
//! | stop producing and reading a type | [`Upcasters::retire`]: commands and projections skip its events |
//!
//! An upcaster is one step, from version `k` to `k + 1` of one type name,
//! over the stored JSON data ([`Upcasters::upcast`]), or typed through
//! `From<Old> for New` ([`Upcasters::upcast_typed`]); a step can also rename
//! the type ([`Upcasters::upcast_renamed`]). Steps chain: an event written
//! at version 1 reads through 1 → 2 → 3. They are registered once, on the
//! event type, and applied on every read path: commands (and their stream
//! cache), projections, anything that decodes with
//! [`JsonSerializer`](crate::JsonSerializer), and the testing toolkit. An
//! event already at its type's current version reads without them: they
//! cost nothing until an old event shows up.
//!
//! ```
//! use eventcore::{Event, Upcasters};
//! use serde::{Deserialize, Serialize};
//! use serde_json::{Value, json};
//!
//! #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
//! #[event(upcasters = bank_upcasters)]
//! enum BankEvent {
//!     // Version 2 stores cents; version 1 stored whole units as `amount`.
//!     #[event(version = 2)]
//!     Deposited { cents: u64 },
//! }
//!
//! fn bank_upcasters() -> Upcasters {
//!     Upcasters::new()
//!         .upcast("Deposited", 1, |data: Value| {
//!             let amount = data["amount"].as_u64().ok_or("`amount` is missing")?;
//!             let cents = amount.checked_mul(100).ok_or("`amount` overflows")?;
//!             Ok(json!({ "cents": cents }))
//!         })
//!         .retire("InterestAccrued")
//! }
//! # assert!(bank_upcasters().check().is_ok());
//! ```
//!
//! ## Names that are neither known nor retired
//!
//! A command that meets a stored type name its event type does not know
//! (not current, not an alias, not retired, no upcaster) fails with
//! [`SerializationError::UnknownEventType`](crate::SerializationError::UnknownEventType),
//! naming the stream, the version, the type and the known types: it never
//! decides on a history it cannot read. A projection sends the same error
//! to its runner's error policy: `ErrorPolicy::Skip` skips the event and
//! records it in the projection's health, `Stop` stops there, and the
//! default (`ErrorPolicy::retry_then_stop`) stops there too: decoding again
//! gives the same answer, so an undecodable event is not retried.
//! An event at a schema version with no way forward fails with
//! [`SerializationError::SchemaVersion`](crate::SerializationError::SchemaVersion).
//!
//! ## The workflow
//!
//! 1. **Add a version.** Change the variant and raise its
//!    `#[event(version = N)]`.
//! 2. **Write the upcaster** from the previous version, and unit-test it
//!    with a stored event of the old shape
//!    ([`SerializedEvent::new`](crate::SerializedEvent::new)`(..).with_schema_version(N - 1)`
//!    decoded with [`JsonSerializer`](crate::JsonSerializer)).
//! 3. **Test with golden fixtures**: check in JSON of events as the old
//!    code wrote them, load them into a store and read them through your
//!    commands and projections (the banking example's
//!    `tests/golden_history.rs` does this on memory and PostgreSQL).
//! 4. **Check the store** with [`check_store`] before the new code takes
//!    traffic: it reports every stored (type, version) pair the new code
//!    cannot read, with counts and the first failure, without stopping at
//!    the first. [`EventSchema::of`] lists what the new code can read, for
//!    tooling.
//! 5. **Deploy.** Old code keeps reading events it knows during a rolling
//!    upgrade; new events at a version old code does not know fail there
//!    with a typed error ("written by newer code"), never silently.

pub use crate::{
    serialization::{EventSchema, StoreCheck, TypeSchema, Unreadable, UpcastStep, check_store},
    upcast::Upcasters,
};
