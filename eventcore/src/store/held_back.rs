use std::{fmt, time::Duration};

use crate::types::{GlobalPosition, Timestamp};

/// An in-flight write that keeps a store's readers from seeing events that
/// have already committed after it: what [`EventStore::held_back`]
/// reports, and what a projection's health shows while it waits.
///
/// Readers of a store with gaps in commit order (PostgreSQL) never skip an
/// event that commits late, so they stop just before the oldest append
/// still in flight. That append is normally gone within milliseconds; one
/// that is not (an `append_in` transaction left open) is named here so an
/// operator can find and end it.
///
/// [`EventStore::held_back`]: super::EventStore::held_back
///
/// ```
/// use eventcore::store::HeldBack;
/// use eventcore::{GlobalPosition, Timestamp};
///
/// let held = HeldBack::new(GlobalPosition::new(7), "backend pid 4242".into())
///     .since(Timestamp::now());
/// assert!(held.to_string().starts_with("readers wait before position 7 for backend pid 4242"));
/// assert!(held.held_for().is_some());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeldBack {
    /// Readers see no event at or after this position until the write ends.
    pub from: GlobalPosition,
    /// The write, as the store names it (PostgreSQL: the backend's pid,
    /// application name and state, as `pg_stat_activity` shows them).
    pub holder: String,
    /// When the write's transaction began, if the store knows.
    pub started_at: Option<Timestamp>,
}

impl HeldBack {
    /// Readers wait before `from` for the write `holder`.
    #[must_use]
    pub const fn new(from: GlobalPosition, holder: String) -> Self {
        Self {
            from,
            holder,
            started_at: None,
        }
    }

    /// The write's transaction began at `at`.
    #[must_use]
    pub const fn since(mut self, at: Timestamp) -> Self {
        self.started_at = Some(at);
        self
    }

    /// How long the write has been open, if its start is known.
    #[must_use]
    pub fn held_for(&self) -> Option<Duration> {
        let started = self.started_at?.into_inner();
        (Timestamp::now().into_inner() - started).to_std().ok()
    }
}

impl fmt::Display for HeldBack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "readers wait before position {} for {}",
            self.from, self.holder
        )?;
        if let Some(open) = self.held_for() {
            write!(f, ", open for {:.1} s", open.as_secs_f64())?;
        }
        Ok(())
    }
}
