//! What an event type can read, and which stored events it cannot: for
//! tooling and for a check before new code takes traffic.

use serde::Serialize;

use super::{EventSerializer, JsonSerializer};
use crate::{
    error::StoreError,
    event::Event,
    store::{EventFilter, EventStore},
    types::GlobalPosition,
};

/// Everything an event type knows about stored names and versions: its
/// current type names with their schema versions and aliases, its upcast
/// steps, and its retired names. Serializable, for tooling.
///
/// ```
/// use eventcore::{Event, EventSchema, Upcasters};
/// # use serde::{Deserialize, Serialize};
/// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// #[event(upcasters = upcasters)]
/// enum BankEvent {
///     #[event(version = 2, alias = "Opened")]
///     AccountOpened { owner: String },
/// }
///
/// fn upcasters() -> Upcasters {
///     Upcasters::new()
///         .upcast("AccountOpened", 1, Ok)
///         .retire("InterestAccrued")
/// }
///
/// let schema = EventSchema::of::<BankEvent>();
/// assert_eq!(schema.types[0].name, "AccountOpened");
/// assert_eq!(schema.types[0].schema_version, 2);
/// assert_eq!(schema.types[0].aliases, ["Opened"]);
/// assert_eq!(schema.upcasts[0].from_type, "AccountOpened");
/// assert_eq!(schema.retired, ["InterestAccrued"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EventSchema {
    /// The Rust type (`std::any::type_name`), for reports.
    pub rust_type: &'static str,
    /// The current type names, in the order of the variants.
    pub types: Vec<TypeSchema>,
    /// Every upcast step.
    pub upcasts: Vec<UpcastStep>,
    /// The retired type names.
    pub retired: Vec<String>,
}

/// A current type name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TypeSchema {
    /// The type name new events are stored under.
    pub name: &'static str,
    /// Its current schema version.
    pub schema_version: u32,
    /// Older names that read as it.
    pub aliases: Vec<&'static str>,
}

/// One upcast step: `from_type` at `from_version` reads as `to_type` at
/// `from_version + 1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UpcastStep {
    /// The type name the step reads.
    pub from_type: String,
    /// The schema version it reads.
    pub from_version: u32,
    /// The type name it writes (the same unless the step renames).
    pub to_type: String,
}

impl EventSchema {
    /// The schema of `E`.
    #[must_use]
    pub fn of<E: Event>() -> Self {
        let types = E::EVENT_TYPES
            .iter()
            .map(|name| TypeSchema {
                name,
                schema_version: E::schema_version(name).unwrap_or(1),
                aliases: E::EVENT_ALIASES
                    .iter()
                    .filter(|(_, current)| current == name)
                    .map(|(old, _)| *old)
                    .collect(),
            })
            .collect();
        let (upcasts, retired) = E::upcasters().map_or_else(
            || (Vec::new(), Vec::new()),
            |upcasters| {
                (
                    upcasters
                        .steps()
                        .map(|(from_type, from_version, to_type)| UpcastStep {
                            from_type: from_type.to_owned(),
                            from_version,
                            to_type: to_type.to_owned(),
                        })
                        .collect(),
                    upcasters.retired().map(str::to_owned).collect(),
                )
            },
        );
        Self {
            rust_type: std::any::type_name::<E>(),
            types,
            upcasts,
            retired,
        }
    }
}

/// The stored events of one (type name, schema version) pair that the
/// current code cannot read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Unreadable {
    /// The stored type name.
    pub event_type: String,
    /// The stored schema version.
    pub schema_version: u32,
    /// How many stored events of the pair failed.
    pub count: u64,
    /// The first that failed.
    pub first_position: GlobalPosition,
    /// Its stream.
    pub first_stream: String,
    /// Why it failed.
    pub reason: String,
}

/// What [`check_store`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StoreCheck {
    /// Events looked at.
    pub scanned: u64,
    /// Events of retired types (skipped on purpose: not a problem).
    pub retired: u64,
    /// The pairs that do not read, in the order first met.
    pub unreadable: Vec<Unreadable>,
    /// The last position looked at.
    pub last_position: GlobalPosition,
}

impl StoreCheck {
    /// Whether every scanned event reads (or is retired).
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.unreadable.is_empty()
    }
}

/// The events read per page.
const PAGE: usize = 1_000;

/// Reads every event of `store` after `after` that `filter` selects, up to
/// and including `until` when given, and decodes each as `E` with
/// [`JsonSerializer`]. Reports every (type name, schema version) pair that
/// does not read, with a count and the first failure, without stopping at
/// the first. Run it against a store before new code takes traffic.
///
/// Events of other event types in the same store are excluded with
/// `filter` (a stream prefix, or type names).
///
/// ```
/// use eventcore::{Event, EventMetadata, GlobalPosition, SerializedEvent, StreamId, check_store};
/// use eventcore::store::{AppendBatch, EventFilter, EventStore, ExpectedVersion, NewEvent};
/// use eventcore_memory::MemoryStore;
/// # use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// enum BankEvent {
///     Deposited { cents: u64 },
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let stored = [
///     SerializedEvent::new("Deposited", r#"{"cents":1}"#),
///     SerializedEvent::new("Deposited", r#"{"amount":1}"#).with_schema_version(2),
///     SerializedEvent::new("Withdrawn", r#"{"cents":1}"#),
/// ];
/// let events = stored.into_iter().map(|e| NewEvent::new(e, EventMetadata::new())).collect();
/// let account = StreamId::try_new("account-1")?;
/// store.append(AppendBatch::single(account, ExpectedVersion::NO_STREAM, events)).await?;
///
/// let check = check_store::<BankEvent, _>(&store, &EventFilter::all(), GlobalPosition::START, None).await?;
/// assert_eq!(check.scanned, 3);
/// assert!(!check.is_ok());
/// let pairs: Vec<_> = check.unreadable.iter().map(|u| (u.event_type.as_str(), u.schema_version)).collect();
/// assert_eq!(pairs, [("Deposited", 2), ("Withdrawn", 1)]);
/// # Ok(())
/// # }
/// ```
pub async fn check_store<E: Event, S: EventStore>(
    store: &S,
    filter: &EventFilter,
    after: GlobalPosition,
    until: Option<GlobalPosition>,
) -> Result<StoreCheck, StoreError> {
    let mut check = StoreCheck {
        last_position: after,
        ..StoreCheck::default()
    };
    loop {
        let page = store
            .read_all_lenient(check.last_position, filter, PAGE)
            .await?;
        let full = page.len() == PAGE;
        for row in page {
            let position = match &row {
                Ok(stored) => stored.position(),
                Err(undecodable) => undecodable.position(),
            };
            if until.is_some_and(|until| position > until) {
                return Ok(check);
            }
            check.last_position = position;
            check.scanned += 1;
            let (event_type, schema_version, stream, reason) = match row {
                Ok(stored) => match JsonSerializer.decode::<E>(&stored) {
                    Ok(_) => continue,
                    Err(e) if e.is_retired() => {
                        check.retired += 1;
                        continue;
                    }
                    Err(e) => (
                        stored.event_type().to_owned(),
                        stored.schema_version(),
                        stored.stream_id().as_str().to_owned(),
                        e.to_string(),
                    ),
                },
                Err(undecodable) => (
                    undecodable.event_type().to_owned(),
                    0,
                    undecodable.stream().to_owned(),
                    undecodable.to_string(),
                ),
            };
            match check
                .unreadable
                .iter_mut()
                .find(|u| u.event_type == event_type && u.schema_version == schema_version)
            {
                Some(pair) => pair.count += 1,
                None => check.unreadable.push(Unreadable {
                    event_type,
                    schema_version,
                    count: 1,
                    first_position: position,
                    first_stream: stream,
                    reason,
                }),
            }
        }
        if !full {
            return Ok(check);
        }
    }
}
