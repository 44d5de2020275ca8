use std::borrow::Cow;

use crate::event::Event;

/// Which events [`read_all`](super::EventStore::read_all) returns.
///
/// An empty filter matches everything. A stream prefix and a list of event
/// types combine with AND.
///
/// ```
/// use eventcore::store::EventFilter;
///
/// let filter = EventFilter::all()
///     .with_stream_prefix("account-")
///     .with_event_types(["Deposited", "Withdrawn"]);
/// assert!(filter.matches("account-1", "Deposited"));
/// assert!(!filter.matches("order-1", "Deposited"));
/// assert!(!filter.matches("account-1", "Opened"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    stream_prefix: Option<Cow<'static, str>>,
    event_types: Option<Vec<Cow<'static, str>>>,
}

impl EventFilter {
    /// Matches every event.
    #[must_use]
    pub const fn all() -> Self {
        Self {
            stream_prefix: None,
            event_types: None,
        }
    }

    /// Matches the events `E` can decode, in any stream: every type name
    /// in [`Event::EVENT_TYPES`], every alias, and every name its
    /// upcasters read (older names a step renames). The default filter of a
    /// projection of `E`. Retired names are left out: they would be
    /// skipped anyway.
    ///
    /// ```
    /// use eventcore::{Event, Upcasters, store::EventFilter};
    /// # use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
    /// #[event(upcasters = upcasters)]
    /// enum BankEvent {
    ///     #[event(alias = "MoneyIn")]
    ///     Deposited { amount: u64 },
    ///     #[event(version = 2)]
    ///     AccountCreated,
    /// }
    ///
    /// fn upcasters() -> Upcasters {
    ///     Upcasters::new().upcast_renamed("Opened", 1, "AccountCreated", Ok)
    /// }
    ///
    /// let filter = EventFilter::decodable::<BankEvent>();
    /// for name in ["Deposited", "MoneyIn", "AccountCreated", "Opened"] {
    ///     assert!(filter.matches("account-1", name), "{name}");
    /// }
    /// assert!(!filter.matches("account-1", "Withdrawn"));
    /// ```
    #[must_use]
    pub fn decodable<E: Event>() -> Self {
        let mut names: Vec<&'static str> = E::EVENT_TYPES.to_vec();
        names.extend(E::EVENT_ALIASES.iter().map(|(old, _)| *old));
        if let Some(upcasters) = E::upcasters() {
            names.extend(upcasters.steps().map(|(from, _, _)| from));
        }
        let mut unique = Vec::with_capacity(names.len());
        for name in names {
            if !unique.contains(&name) {
                unique.push(name);
            }
        }
        Self::all().with_event_types(unique)
    }

    /// Keeps only events whose stream id starts with `prefix`.
    #[must_use]
    pub fn with_stream_prefix(mut self, prefix: impl Into<Cow<'static, str>>) -> Self {
        self.stream_prefix = Some(prefix.into());
        self
    }

    /// Keeps only events of these types. An empty list matches nothing.
    #[must_use]
    pub fn with_event_types<I, T>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Cow<'static, str>>,
    {
        self.event_types = Some(types.into_iter().map(Into::into).collect());
        self
    }

    /// The stream prefix, if any.
    #[must_use]
    pub fn stream_prefix(&self) -> Option<&str> {
        self.stream_prefix.as_deref()
    }

    /// The event types, if restricted.
    #[must_use]
    pub fn event_types(&self) -> Option<&[Cow<'static, str>]> {
        self.event_types.as_deref()
    }

    /// Whether an event of `event_type` in `stream` passes.
    #[must_use]
    pub fn matches(&self, stream: &str, event_type: &str) -> bool {
        self.stream_prefix
            .as_deref()
            .is_none_or(|p| stream.starts_with(p))
            && self
                .event_types
                .as_deref()
                .is_none_or(|types| types.iter().any(|t| t == event_type))
    }
}
