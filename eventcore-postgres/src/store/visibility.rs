//! What a reader may see: the horizon (the first position an append to this
//! store that is still in flight may yet fill), the gap-safe head below it,
//! and a bounded wait for such appends to end. See migration 5.

use std::{fmt::Write as _, time::Duration};

use chrono::{DateTime, Utc};
use eventcore::{GlobalPosition, store::HeldBack};
use sqlx::{PgPool, Row, postgres::PgRow};

/// The result of `head_position.sql`.
pub(crate) struct Head {
    /// The newest position below the horizon (0 if none).
    pub safe: i64,
    /// The newest committed position, visible but maybe not yet safe.
    pub newest: Option<i64>,
    /// The first position readers may not see yet.
    pub horizon: i64,
    /// The in-flight append that sets the horizon, if one does.
    holder: Option<Holder>,
}

/// An in-flight append, as `pg_stat_activity` shows it to this role.
struct Holder {
    pid: i32,
    since: Option<DateTime<Utc>>,
    application: Option<String>,
    state: Option<String>,
}

impl Head {
    pub(crate) async fn fetch(pool: &PgPool, sql: &str) -> Result<Self, sqlx::Error> {
        let row = sqlx::query(sql).fetch_one(pool).await?;
        Self::from_row(&row)
    }

    fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        let holder = row
            .try_get::<Option<i32>, _>("holder_pid")?
            .map(|pid| -> Result<Holder, sqlx::Error> {
                Ok(Holder {
                    pid,
                    since: row.try_get("holder_since")?,
                    application: row.try_get("holder_application")?,
                    state: row.try_get("holder_state")?,
                })
            })
            .transpose()?;
        Ok(Self {
            safe: row.try_get("safe")?,
            newest: row.try_get("newest")?,
            horizon: row.try_get("horizon")?,
            holder,
        })
    }

    /// Whether committed events are held back by an in-flight append.
    pub(crate) fn held_back(&self) -> bool {
        self.newest.is_some_and(|n| n >= self.horizon)
    }

    /// What holds readers back, when something does.
    pub(crate) fn held_back_by(&self) -> Option<HeldBack> {
        if !self.held_back() {
            return None;
        }
        let from = GlobalPosition::new(u64::try_from(self.horizon).unwrap_or(0));
        let Some(holder) = &self.holder else {
            // Between the reads of one check an append can end, or start
            // and end: nothing is left to name.
            return None;
        };
        let mut name = if holder.pid == 0 {
            "a prepared transaction (see pg_prepared_xacts)".to_owned()
        } else {
            format!("backend pid {}", holder.pid)
        };
        if let Some(application) = holder.application.as_deref().filter(|a| !a.is_empty()) {
            let _ = write!(name, ", application {application:?}");
        }
        if let Some(state) = &holder.state {
            let _ = write!(name, ", {state}");
        }
        let held = HeldBack::new(from, name);
        Some(match holder.since {
            Some(since) => held.since(since.into()),
            None => held,
        })
    }
}

/// Bounded, backing-off waiting for in-flight appends to end.
pub(crate) struct VisibilityWait {
    deadline: tokio::time::Instant,
    pause: Duration,
}

impl VisibilityWait {
    /// The longest pause between two checks.
    const MAX_PAUSE: Duration = Duration::from_millis(50);

    pub(crate) fn new(limit: Duration) -> Self {
        Self {
            deadline: tokio::time::Instant::now() + limit,
            pause: Duration::from_millis(1),
        }
    }

    /// Sleeps a little and returns `true`, or `false` once the time is up.
    pub(crate) async fn wait(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        if now >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.pause.min(self.deadline - now)).await;
        self.pause = (self.pause * 2).min(Self::MAX_PAUSE);
        true
    }
}
