//! Upcasters: how events stored at an older schema version, or under a
//! retired name, read into today's event type.

use std::{fmt, sync::Arc};

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::error::BoxError;

/// One step of a chain: `event_type` at schema version `from` becomes
/// version `from + 1`, under `to_type` when it renames the type.
struct Step {
    event_type: String,
    from: u32,
    to_type: Option<String>,
    transform: Transform,
}

/// A step's transform, shared by the upcasters of a composed event type.
type Transform = Arc<dyn Fn(Value) -> Result<Value, BoxError> + Send + Sync>;

/// The upcasters of one event type: for each type name, a chain of steps
/// from schema version k to k + 1 over the stored JSON data, which may also
/// rename the type; and the type names that are retired.
///
/// Register them once, on the event type (`#[event(upcasters = path)]`,
/// where `path` is a `fn() -> Upcasters`), and every read path applies
/// them: commands (and their stream cache), projections, `read_all`
/// consumers that decode with [`JsonSerializer`](crate::JsonSerializer),
/// and the testing toolkit. An event already at its current version reads
/// without looking at them.
///
/// ```
/// use eventcore::{Event, Upcasters};
/// use serde::{Deserialize, Serialize};
/// use serde_json::{Value, json};
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
/// #[event(upcasters = bank_upcasters)]
/// enum BankEvent {
///     // v1 was `AccountOpened { name }`; v2 renamed the type and the field.
///     #[event(version = 2)]
///     AccountCreated { owner: String },
///     // v1 stored `amount` in whole units; v2 stores cents.
///     #[event(version = 2)]
///     Deposited { cents: u64 },
/// }
///
/// fn bank_upcasters() -> Upcasters {
///     Upcasters::new()
///         .upcast_renamed("AccountOpened", 1, "AccountCreated", |mut data: Value| {
///             let name = data["name"].take();
///             Ok(json!({ "owner": name }))
///         })
///         .upcast("Deposited", 1, |data: Value| {
///             let amount = data["amount"].as_u64().ok_or("amount is not a whole number")?;
///             Ok(json!({ "cents": amount * 100 }))
///         })
///         .retire("InterestAccrued")
/// }
///
/// let upcasters = bank_upcasters();
/// assert!(upcasters.check().is_ok());
/// assert!(upcasters.is_retired("InterestAccrued"));
/// ```
#[derive(Default)]
pub struct Upcasters {
    steps: Vec<Step>,
    retired: Vec<String>,
    /// Registration mistakes, reported when the upcasters are used (and by
    /// [`check`](Self::check)), so that building them never panics.
    problems: Vec<String>,
}

impl fmt::Debug for Upcasters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upcasters")
            .field(
                "steps",
                &self
                    .steps
                    .iter()
                    .map(|s| (&s.event_type, s.from, &s.to_type))
                    .collect::<Vec<_>>(),
            )
            .field("retired", &self.retired)
            .field("problems", &self.problems)
            .finish()
    }
}

impl Upcasters {
    /// The upcasters of a composed event type: every step, retired name
    /// and problem of its parts'; `None` when no part has upcasters.
    #[doc(hidden)]
    #[must_use]
    pub fn composed(parts: &[Option<&Self>]) -> Option<Self> {
        let mut merged: Option<Self> = None;
        for part in parts.iter().flatten() {
            let into = merged.get_or_insert_with(Self::default);
            into.steps.extend(part.steps.iter().map(|step| Step {
                event_type: step.event_type.clone(),
                from: step.from,
                to_type: step.to_type.clone(),
                transform: Arc::clone(&step.transform),
            }));
            into.retired.extend(part.retired.iter().cloned());
            into.problems.extend(part.problems.iter().cloned());
        }
        merged
    }

    /// Whether these upcasters read events stored under `event_type`: it
    /// has steps, or is retired.
    #[doc(hidden)]
    #[must_use]
    pub fn reads(&self, event_type: &str) -> bool {
        self.is_retired(event_type) || self.steps.iter().any(|s| s.event_type == event_type)
    }

    /// No upcasters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// `event_type` at schema version `from` becomes version `from + 1`
    /// through `transform`, which gets and returns the event's data (the
    /// stored payload without any type name).
    #[must_use]
    pub fn upcast<F>(self, event_type: &str, from: u32, transform: F) -> Self
    where
        F: Fn(Value) -> Result<Value, BoxError> + Send + Sync + 'static,
    {
        self.push(event_type, from, None, Arc::new(transform))
    }

    /// Like [`upcast`](Self::upcast), and the type is called `to_type` from
    /// version `from + 1` on (`AccountOpened` v1 becomes `AccountCreated`
    /// v2).
    #[must_use]
    pub fn upcast_renamed<F>(self, event_type: &str, from: u32, to_type: &str, transform: F) -> Self
    where
        F: Fn(Value) -> Result<Value, BoxError> + Send + Sync + 'static,
    {
        self.push(
            event_type,
            from,
            Some(to_type.to_owned()),
            Arc::new(transform),
        )
    }

    /// A typed step: the data at version `from` decodes as `Old`, becomes
    /// `New` through `From`, and is written as `New` at version `from + 1`.
    ///
    /// ```
    /// use eventcore::Upcasters;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Deserialize)]
    /// struct DepositedV1 { amount: u64 }
    ///
    /// #[derive(Serialize)]
    /// struct DepositedV2 { cents: u64 }
    ///
    /// impl From<DepositedV1> for DepositedV2 {
    ///     fn from(old: DepositedV1) -> Self {
    ///         Self { cents: old.amount * 100 }
    ///     }
    /// }
    ///
    /// let upcasters = Upcasters::new().upcast_typed::<DepositedV1, DepositedV2>("Deposited", 1);
    /// assert!(upcasters.check().is_ok());
    /// ```
    #[must_use]
    pub fn upcast_typed<Old, New>(self, event_type: &str, from: u32) -> Self
    where
        Old: DeserializeOwned + 'static,
        New: Serialize + From<Old> + 'static,
    {
        self.upcast(event_type, from, |data| {
            let old: Old = serde_json::from_value(data)?;
            Ok(serde_json::to_value(New::from(old))?)
        })
    }

    /// Events stored under `event_type` are retired: commands and
    /// projections skip them on purpose, whatever their version.
    #[must_use]
    pub fn retire(mut self, event_type: &str) -> Self {
        if self.steps.iter().any(|s| s.event_type == event_type) {
            self.problems.push(format!(
                "{event_type:?} is both retired and upcast; a retired type is skipped, so drop its upcasters"
            ));
        }
        if self.retired.iter().any(|r| r == event_type) {
            self.problems
                .push(format!("{event_type:?} is retired twice"));
        }
        self.retired.push(event_type.to_owned());
        self
    }

    fn push(
        mut self,
        event_type: &str,
        from: u32,
        to_type: Option<String>,
        transform: Transform,
    ) -> Self {
        if from == 0 {
            self.problems.push(format!(
                "the upcaster of {event_type:?} starts at schema version 0; versions start at 1"
            ));
        }
        if self
            .steps
            .iter()
            .any(|s| s.event_type == event_type && s.from == from)
        {
            self.problems.push(format!(
                "{event_type:?} has two upcasters from schema version {from}; a version has one way forward"
            ));
        }
        if self.retired.iter().any(|r| r == event_type) {
            self.problems.push(format!(
                "{event_type:?} is both retired and upcast; a retired type is skipped, so drop its upcasters"
            ));
        }
        self.steps.push(Step {
            event_type: event_type.to_owned(),
            from,
            to_type,
            transform,
        });
        self
    }

    /// Whether events of `event_type` are retired.
    #[must_use]
    pub fn is_retired(&self, event_type: &str) -> bool {
        self.retired.iter().any(|r| r == event_type)
    }

    /// The retired type names.
    pub fn retired(&self) -> impl Iterator<Item = &str> {
        self.retired.iter().map(String::as_str)
    }

    /// Every step, as `(type, from version, type from the next version)`.
    pub fn steps(&self) -> impl Iterator<Item = (&str, u32, &str)> {
        self.steps.iter().map(|s| {
            (
                s.event_type.as_str(),
                s.from,
                s.to_type.as_deref().unwrap_or(&s.event_type),
            )
        })
    }

    /// The registration mistakes (two steps from one version, a version 0,
    /// a type both retired and upcast), all at once.
    pub fn check(&self) -> Result<(), String> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems.join("; "))
        }
    }

    /// The step from `event_type` at `version`, if one is registered.
    pub(crate) fn step(&self, event_type: &str, version: u32) -> Option<StepRef<'_>> {
        self.steps
            .iter()
            .find(|s| s.event_type == event_type && s.from == version)
            .map(|step| StepRef { step })
    }
}

/// A registered step, to apply.
pub(crate) struct StepRef<'a> {
    step: &'a Step,
}

impl StepRef<'_> {
    /// The data at the next version.
    pub(crate) fn apply(&self, data: Value) -> Result<Value, BoxError> {
        (self.step.transform)(data)
    }

    /// The type name at the next version, when the step renames it.
    pub(crate) fn renamed_to(&self) -> Option<&str> {
        self.step.to_type.as_deref()
    }
}
