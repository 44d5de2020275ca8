//! The [`Event`] trait: what the executor, the serializer and projections need
//! from a user's event type.

use std::fmt::Debug;

use serde::{Serialize, de::DeserializeOwned};

use crate::{types::RecordedEvent, upcast::Upcasters};

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
    /// Every type name this type can produce, in the order of the enum's
    /// variants (the serializer pairs each name with serde's variant at the
    /// same place, and refuses to encode an event when they disagree).
    const EVENT_TYPES: &'static [&'static str];

    /// The current schema version of each type name, in the order of
    /// [`EVENT_TYPES`](Self::EVENT_TYPES). Empty (the default) means 1 for
    /// every name. `#[derive(Event)]` writes it from `#[event(version = N)]`.
    const SCHEMA_VERSIONS: &'static [u32] = &[];

    /// Older names that decode into a current one, as `(old, current)`
    /// pairs: events stored under `old` read as the variant now named
    /// `current`. `#[derive(Event)]` writes them from
    /// `#[event(alias = "Old")]`.
    const EVENT_ALIASES: &'static [(&'static str, &'static str)] = &[];

    /// The type name of this value's variant. Must be one of
    /// [`EVENT_TYPES`](Self::EVENT_TYPES).
    fn event_type(&self) -> &'static str;

    /// How events stored at older schema versions or under retired names
    /// read into this type; `None` (the default) when there is nothing to
    /// upcast. `#[derive(Event)]` writes it from
    /// `#[event(upcasters = path)]`, building the [`Upcasters`] once.
    #[must_use]
    fn upcasters() -> Option<&'static Upcasters> {
        None
    }

    /// The current schema version of `event_type`, or `None` when this type
    /// does not produce that name.
    ///
    /// ```
    /// use eventcore::Event;
    /// # use serde::{Deserialize, Serialize};
    /// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
    /// enum BankEvent {
    ///     Opened,
    ///     #[event(version = 2)]
    ///     Deposited { cents: u64 },
    /// }
    ///
    /// assert_eq!(BankEvent::schema_version("Opened"), Some(1));
    /// assert_eq!(BankEvent::schema_version("Deposited"), Some(2));
    /// assert_eq!(BankEvent::schema_version("Closed"), None);
    /// ```
    #[must_use]
    fn schema_version(event_type: &str) -> Option<u32> {
        let index = Self::EVENT_TYPES
            .iter()
            .position(|name| *name == event_type)?;
        Some(Self::SCHEMA_VERSIONS.get(index).copied().unwrap_or(1))
    }

    /// The current name a stored type name reads as: itself when this type
    /// produces it, its current name when it is an alias, `None` otherwise.
    ///
    /// ```
    /// use eventcore::Event;
    /// # use serde::{Deserialize, Serialize};
    /// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
    /// enum BankEvent {
    ///     #[event(rename = "AccountCreated", alias = "AccountOpened")]
    ///     Opened,
    /// }
    ///
    /// assert_eq!(BankEvent::current_name("AccountOpened"), Some("AccountCreated"));
    /// assert_eq!(BankEvent::current_name("AccountCreated"), Some("AccountCreated"));
    /// assert_eq!(BankEvent::current_name("Opened"), None);
    /// ```
    #[must_use]
    fn current_name(stored: &str) -> Option<&'static str> {
        Self::EVENT_TYPES
            .iter()
            .copied()
            .find(|name| *name == stored)
            .or_else(|| {
                Self::EVENT_ALIASES
                    .iter()
                    .find(|(old, _)| *old == stored)
                    .map(|(_, current)| *current)
            })
    }

    /// Hands the part a composed event (`#[event(compose)]`) wraps to
    /// `visitor`; `None` for every other event type. Serializers encode a
    /// composed event as its part would be encoded.
    #[doc(hidden)]
    fn visit_part<V: PartVisitor>(&self, visitor: V) -> Option<V::Output> {
        let _ = visitor;
        None
    }

    /// Shows `visitor` every part type of a composed event type, in order,
    /// with the variant that wraps it, and returns `true`; returns `false`
    /// for every other event type. Serializers decode a stored event
    /// through the first part that reads its type name.
    #[doc(hidden)]
    fn visit_parts<V: PartsVisitor<Self>>(visitor: &mut V) -> bool {
        let _ = visitor;
        false
    }
}

/// What a serializer does with the part a composed event wraps.
#[doc(hidden)]
pub trait PartVisitor {
    /// What visiting gives.
    type Output;

    /// Visits the part.
    fn visit<P: Event>(self, part: &P) -> Self::Output;
}

/// What a serializer does with each part type of a composed event type.
#[doc(hidden)]
pub trait PartsVisitor<E> {
    /// Visits the part type `P`, wrapped by `wrap`.
    fn part<P: Event>(&mut self, wrap: fn(P) -> E);
}

/// An event enum composed of other event enums (`#[derive(Event)]` with
/// `#[event(compose)]`), seen from one of its parts: how a fold over the
/// part's events reads the composed enum's (see
/// [`RecordedEvent::narrow`](crate::RecordedEvent::narrow) and
/// `#[eventcore::fold(via = Composed)]`).
///
/// ```
/// use eventcore::{ComposedOf, Event};
/// # use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
/// enum OrderEvent { Placed { units: u32 } }
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
/// enum ProductEvent { Restocked { units: u32 } }
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
/// #[event(compose)]
/// enum ShopEvent {
///     Order(OrderEvent),
///     Product(ProductEvent),
/// }
///
/// let event = ShopEvent::from(OrderEvent::Placed { units: 2 });
/// assert_eq!(ComposedOf::<OrderEvent>::part(&event), Some(&OrderEvent::Placed { units: 2 }));
/// assert_eq!(ComposedOf::<ProductEvent>::part(&event), None);
/// assert_eq!(ShopEvent::EVENT_TYPES, ["Placed", "Restocked"]);
/// ```
pub trait ComposedOf<P: Event>: Event + From<P> {
    /// The part, when this event is one of `P`'s.
    fn part(&self) -> Option<&P>;
}

impl<E> RecordedEvent<E> {
    /// This event as an event of `P`, one of the parts of the composed
    /// event enum `E` (`#[event(compose)]`); `None` when it is another
    /// part's. The part's payload is cloned.
    #[must_use]
    pub fn narrow<P>(&self) -> Option<RecordedEvent<P>>
    where
        E: ComposedOf<P>,
        P: Event,
    {
        let part = self.payload().part()?.clone();
        Some(RecordedEvent::new(
            self.stream_id().clone(),
            self.version(),
            self.position(),
            self.metadata().clone(),
            part,
        ))
    }
}
