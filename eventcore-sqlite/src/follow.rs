//! Noticing other processes' commits.
//!
//! A commit made through this store wakes its subscribers at once. A commit
//! made by another process on the same file is noticed by polling
//! `PRAGMA data_version` on a connection of its own: SQLite changes the
//! value whenever another connection commits, and reading it costs no I/O
//! beyond a shared-memory check. When it changes, the store reads the head
//! and wakes its subscribers.

use std::{
    sync::{Arc, Weak},
    time::Duration,
};

use eventcore::GlobalPosition;
use sqlx::{Connection, Row, sqlite::SqliteConnection};

use crate::{follower::Follower, store::Shared};

/// Starts the poll on `connection`; it ends when the last clone of the
/// store is dropped. Without a Tokio runtime (a store opened on one
/// runtime, used from another thread) there is nothing to poll on, and
/// only this process's commits wake subscribers.
pub(crate) fn start(
    shared: &Arc<Shared>,
    connection: SqliteConnection,
    every: Duration,
) -> Option<Follower> {
    let shared = Arc::downgrade(shared);
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let task = runtime.spawn(async move {
        let connection = poll(shared, connection, every, stopped).await;
        // Closed, not dropped: `close` returns once the file is let go.
        drop(connection.close().await);
    });
    Some(Follower { stop, task })
}

/// Polls until the store is dropped or closed; returns the connection.
async fn poll(
    shared: Weak<Shared>,
    mut connection: SqliteConnection,
    every: Duration,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) -> SqliteConnection {
    let mut seen = data_version(&mut connection).await;
    // A failing poll (a file not migrated yet) is said once per streak.
    let mut failing = false;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = &mut stopped => return connection,
        }
        let Some(shared) = shared.upgrade() else {
            return connection;
        };
        let now = data_version(&mut connection).await;
        if now.is_some() && now == seen {
            continue;
        }
        match head(&mut connection).await {
            Ok(head) => {
                seen = now;
                failing = false;
                shared.hub.notify(head);
            }
            Err(error) if !failing => {
                failing = true;
                tracing::warn!(
                    file = %shared.path,
                    %error,
                    "eventcore-sqlite: cannot poll for other processes' commits"
                );
            }
            Err(_) => {}
        }
    }
}

async fn data_version(connection: &mut SqliteConnection) -> Option<i64> {
    sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(connection)
        .await
        .ok()
}

async fn head(connection: &mut SqliteConnection) -> Result<GlobalPosition, sqlx::Error> {
    let row = sqlx::query("SELECT COALESCE(MAX(global_position), 0) AS head FROM events")
        .fetch_one(connection)
        .await?;
    let head: i64 = row.try_get("head")?;
    Ok(GlobalPosition::new(u64::try_from(head).unwrap_or(0)))
}
