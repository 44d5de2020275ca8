//! The [`Event`] trait: what the executor, the serializer and projections need
//! from a user's event type.

use std::fmt::Debug;

use serde::{Serialize, de::DeserializeOwned};

/// A domain event type, usually an enum with one variant per kind of event.
///
/// Each variant has its own *event type name* (`Deposited`, `Withdrawn`, …).
/// Projections filter on these names and schema evolution keys on them.
/// `#[derive(Event)]` implements this trait from the variant names; a manual
/// implementation looks like this:
///
/// ```
/// use eventcore::Event;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// enum BankEvent {
///     Deposited { amount: u64 },
///     Withdrawn { amount: u64 },
/// }
///
/// impl Event for BankEvent {
///     const EVENT_TYPES: &'static [&'static str] = &["Deposited", "Withdrawn"];
///
///     fn event_type(&self) -> &'static str {
///         match self {
///             Self::Deposited { .. } => "Deposited",
///             Self::Withdrawn { .. } => "Withdrawn",
///         }
///     }
/// }
///
/// assert_eq!(BankEvent::Withdrawn { amount: 3 }.event_type(), "Withdrawn");
/// ```
pub trait Event: Serialize + DeserializeOwned + Clone + Debug + Send + Sync + 'static {
    /// Every type name this type can produce, in declaration order.
    const EVENT_TYPES: &'static [&'static str];

    /// The type name of this value's variant. Must be one of
    /// [`EVENT_TYPES`](Self::EVENT_TYPES).
    fn event_type(&self) -> &'static str;
}
