//! What a reader may see: the gap-safe head, and a bounded wait for older
//! transactions that hold newer events back.

use std::time::Duration;

use sqlx::{PgPool, Row};

/// The result of `head_position.sql`.
pub(crate) struct Head {
    /// The newest position below the gap-safe bound (0 if none).
    pub safe: i64,
    /// The newest committed position, visible but maybe not yet safe.
    pub newest: Option<i64>,
}

impl Head {
    pub(crate) async fn fetch(pool: &PgPool, sql: &str) -> Result<Self, sqlx::Error> {
        let row = sqlx::query(sql).fetch_one(pool).await?;
        Ok(Self {
            safe: row.try_get("safe")?,
            newest: row.try_get("newest")?,
        })
    }

    /// Whether committed events are held back by an older open transaction.
    pub(crate) fn held_back(&self) -> bool {
        self.newest.is_some_and(|n| n > self.safe)
    }
}

/// Bounded, backing-off waiting for older transactions to end.
pub(crate) struct VisibilityWait {
    deadline: tokio::time::Instant,
    pause: Duration,
}

impl VisibilityWait {
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
        self.pause = (self.pause * 2).min(Duration::from_millis(20));
        true
    }
}
