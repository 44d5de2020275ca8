//! Given/when/then tests for commands.
//!
//! `given(history).when(command)` runs the command through the real executor
//! against a [`MemoryStore`] holding `history`, then checks only the events
//! the command emitted:
//!
//! ```
//! use eventcore_testing::scenario::given;
//! use eventcore::{Command, CommandLogic, Event, Fold, RecordedEvent, StreamId, require};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
//! enum Light {
//!     SwitchedOn,
//!     SwitchedOff,
//! }
//!
//! #[derive(Default)]
//! struct Lamp {
//!     on: bool,
//! }
//!
//! impl Fold<Light> for Lamp {
//!     fn fold(&mut self, event: &RecordedEvent<Light>) {
//!         self.on = matches!(event.payload(), Light::SwitchedOn);
//!     }
//! }
//!
//! #[derive(Debug, PartialEq, thiserror::Error)]
//! #[error("the lamp is already on")]
//! struct AlreadyOn;
//!
//! #[derive(Command)]
//! #[command(event = Light)]
//! struct SwitchOn {
//!     #[stream(state = Lamp)]
//!     lamp: StreamId,
//! }
//!
//! impl CommandLogic for SwitchOn {
//!     type Error = AlreadyOn;
//!
//!     fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), AlreadyOn> {
//!         require!(!state.lamp.on, AlreadyOn);
//!         streams.lamp.emit(Light::SwitchedOn);
//!         Ok(())
//!     }
//! }
//!
//! let lamp = StreamId::try_new("lamp-1")?;
//! given([(lamp.clone(), Light::SwitchedOff)])
//!     .when(SwitchOn { lamp: lamp.clone() })
//!     .then_emits([(lamp.clone(), Light::SwitchedOn)]);
//!
//! given([(lamp.clone(), Light::SwitchedOn)])
//!     .when(SwitchOn { lamp })
//!     .then_fails_with(AlreadyOn);
//! # Ok::<(), eventcore::ValidationError>(())
//! ```

mod drive;
mod report;

use std::{fmt::Debug, marker::PhantomData};

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, Event, EventMetadata, IntoStreamId,
    SerializedEvent, StreamId,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_memory::MemoryStore;

use self::{
    drive::{run_to_completion, store_typed},
    report::{list, side_by_side},
};

/// Starts a scenario from the events already in the store, in order, each
/// with the stream it belongs to.
///
/// # Panics
///
/// If an event cannot be encoded or stored: the scenario itself is broken.
#[track_caller]
pub fn given<E, K, I>(events: I) -> Given<E>
where
    E: Event,
    K: IntoStreamId,
    I: IntoIterator<Item = (K, E)>,
{
    let store = MemoryStore::new();
    store_typed(
        &store,
        "given",
        events.into_iter().map(|(k, e)| (k.to_stream_id(), e)),
    );
    Given {
        store,
        event: PhantomData,
    }
}

/// Starts a scenario from an empty store.
pub fn given_no_events<E: Event>() -> Given<E> {
    Given {
        store: MemoryStore::new(),
        event: PhantomData,
    }
}

/// A scenario's history. See [`given`].
#[must_use = "a scenario does nothing until `.when(command)` and a `then_*` check"]
pub struct Given<E> {
    store: MemoryStore,
    event: PhantomData<fn() -> E>,
}

impl<E: Event> Given<E> {
    /// Adds `event` of `stream` to the history, after the events already
    /// in it. Each call takes its own id type, so a history can mix the
    /// streams of several kinds of entity (an order and its products),
    /// which one `given([...])` array of `(id, event)` pairs cannot.
    ///
    /// ```
    /// use eventcore::{Event, StreamId};
    /// use eventcore_testing::scenario::given_no_events;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
    /// # enum Shop { Restocked { units: u32 }, Placed { units: u32 } }
    ///
    /// /// A product's id: its own type, not a `StreamId`.
    /// #[derive(Clone)]
    /// struct ProductId(StreamId);
    ///
    /// impl From<ProductId> for StreamId {
    ///     fn from(id: ProductId) -> StreamId {
    ///         id.0
    ///     }
    /// }
    ///
    /// let product = ProductId(StreamId::try_new("product-lamp")?);
    /// let order = StreamId::try_new("order-1")?;
    /// let history = given_no_events::<Shop>()
    ///     .and(&product, Shop::Restocked { units: 3 })
    ///     .and(&order, Shop::Placed { units: 1 });
    /// # let _ = history;
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If the event cannot be encoded or stored: the scenario itself is
    /// broken.
    #[track_caller]
    pub fn and<K: IntoStreamId + ?Sized>(self, stream: &K, event: E) -> Self {
        store_typed(&self.store, "and", [(stream.to_stream_id(), event)]);
        self
    }

    /// Adds an event to the history as it is stored, for example as older
    /// code wrote it, at an older schema version: the command reads it
    /// through the event type's upcasters, as it would in production.
    ///
    /// ```
    /// use eventcore::{Command, CommandLogic, Event, Fold, RecordedEvent, SerializedEvent};
    /// use eventcore::{StreamId, Upcasters};
    /// use eventcore_testing::scenario::given_no_events;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
    /// #[event(upcasters = upcasters)]
    /// enum Bank {
    ///     #[event(version = 2)]
    ///     Deposited { cents: u64 },
    /// }
    ///
    /// fn upcasters() -> Upcasters {
    ///     Upcasters::new().upcast("Deposited", 1, |data| {
    ///         let amount = data["amount"].as_u64().ok_or("no amount")?;
    ///         Ok(serde_json::json!({ "cents": amount * 100 }))
    ///     })
    /// }
    ///
    /// #[derive(Default)]
    /// struct Balance(u64);
    ///
    /// impl Fold<Bank> for Balance {
    ///     fn fold(&mut self, event: &RecordedEvent<Bank>) {
    ///         let Bank::Deposited { cents } = event.payload();
    ///         self.0 += cents;
    ///     }
    /// }
    ///
    /// #[derive(Command)]
    /// #[command(event = Bank)]
    /// struct Double {
    ///     #[stream(state = Balance)]
    ///     account: StreamId,
    /// }
    ///
    /// impl CommandLogic for Double {
    ///     type Error = std::convert::Infallible;
    ///
    ///     fn handle(&self, state: DoubleState, streams: &mut DoubleStreams<'_>) -> Result<(), Self::Error> {
    ///         streams.account.emit(Bank::Deposited { cents: state.account.0 });
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let account = StreamId::try_new("account-1")?;
    /// given_no_events::<Bank>()
    ///     .and_stored(&account, SerializedEvent::new("Deposited", r#"{"amount":3}"#))
    ///     .when(Double { account: account.clone() })
    ///     .then_emits([(account, Bank::Deposited { cents: 300 })]);
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If the store refuses the event: the scenario itself is broken.
    #[track_caller]
    pub fn and_stored<K: IntoStreamId + ?Sized>(self, stream: &K, event: SerializedEvent) -> Self {
        let shown = format!("{} {:?}", event.event_type(), event.payload());
        let batch = AppendBatch::single(
            stream.to_stream_id(),
            ExpectedVersion::Any,
            vec![NewEvent::new(event, EventMetadata::new())],
        );
        if let Err(e) = run_to_completion(self.store.append(batch)) {
            panic!("and_stored: the memory store refused {shown}: {e}");
        }
        self
    }

    /// Runs `command` against the history.
    pub fn when<C>(self, command: C) -> When<C>
    where
        C: CommandLogic<Event = E>,
    {
        let executor = CommandExecutor::new(&self.store);
        let outcome = run_to_completion(executor.execute(command)).map(|executed| {
            executed
                .events
                .into_iter()
                .map(|e| (e.stream_id().clone(), e.into_payload()))
                .collect()
        });
        When { outcome }
    }
}

/// The outcome of a scenario's command, ready to be checked.
#[must_use = "check the outcome with a `then_*` method"]
pub struct When<C: CommandLogic> {
    outcome: Outcome<C>,
}

/// What a scenario's command did: the events it emitted, each with its
/// stream, in the order it emitted them across streams, or why it failed.
pub type Outcome<C> =
    Result<Vec<(StreamId, <C as Command>::Event)>, CommandError<<C as CommandLogic>::Error>>;

impl<C: CommandLogic> When<C>
where
    C::Error: Debug,
{
    /// Asserts that the command emitted exactly `expected`, each event with
    /// its stream, in the order `handle` emitted them across all streams
    /// (the order of their global positions), not grouped stream by stream.
    /// Only new events count, not the history.
    ///
    /// # Panics
    ///
    /// If the command failed or emitted other events; the message shows the
    /// expected and actual events side by side.
    #[track_caller]
    pub fn then_emits<K, I>(self, expected: I)
    where
        K: IntoStreamId,
        I: IntoIterator<Item = (K, C::Event)>,
        C::Event: PartialEq,
    {
        let expected: Vec<(StreamId, C::Event)> = expected
            .into_iter()
            .map(|(k, e)| (k.to_stream_id(), e))
            .collect();
        match self.outcome {
            Ok(actual) if actual == expected => {}
            Ok(actual) => panic!("{}", side_by_side(&expected, &actual)),
            Err(error) => panic!(
                "expected the command to emit {} event(s), but it failed: {error:?}",
                expected.len()
            ),
        }
    }

    /// Asserts that the command succeeded without emitting anything.
    ///
    /// # Panics
    ///
    /// If it failed or emitted events.
    #[track_caller]
    pub fn then_emits_nothing(self)
    where
        C::Event: PartialEq,
    {
        self.then_emits(Vec::<(StreamId, C::Event)>::new());
    }

    /// Asserts that the command was rejected with exactly `expected`, the
    /// command's own domain error (compared as a value).
    ///
    /// # Panics
    ///
    /// If it succeeded or failed differently.
    #[track_caller]
    pub fn then_fails_with(self, expected: impl Into<C::Error>)
    where
        C::Error: PartialEq,
    {
        let expected: C::Error = expected.into();
        match self.outcome {
            Err(CommandError::Rejected(actual)) if actual == expected => {}
            Err(CommandError::Rejected(actual)) => panic!(
                "expected the command to be rejected with\n  {expected:?}\nbut it was rejected with\n  {actual:?}"
            ),
            Err(other) => panic!(
                "expected the command to be rejected with\n  {expected:?}\nbut it failed with\n  {other:?}"
            ),
            Ok(events) => panic!(
                "expected the command to be rejected with\n  {expected:?}\nbut it succeeded and emitted\n{}",
                list(&events)
            ),
        }
    }

    /// Asserts that the command failed in a way `matches` accepts, for
    /// failures other than a domain rejection (e.g. a stream limit).
    ///
    /// # Panics
    ///
    /// If it succeeded or `matches` returns false.
    #[track_caller]
    pub fn then_fails_matching(self, matches: impl FnOnce(&CommandError<C::Error>) -> bool) {
        match self.outcome {
            Err(error) if matches(&error) => {}
            Err(error) => panic!("the command failed, but not as expected: {error:?}"),
            Ok(events) => panic!(
                "expected the command to fail, but it emitted\n{}",
                list(&events)
            ),
        }
    }

    /// The raw outcome, for checks the `then_*` methods do not cover.
    ///
    /// # Errors
    ///
    /// The command's failure.
    pub fn into_result(self) -> Outcome<C> {
        self.outcome
    }
}
