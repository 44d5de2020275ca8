//! Transactions on the store's pool that survive cancellation.

use std::ops::{Deref, DerefMut};

use eventcore::StoreError;
use sqlx::{PgConnection, PgPool, Postgres, TransactionManager, pool::PoolConnection};

use crate::error::SqlxErrors;

type Manager = <Postgres as sqlx::Database>::TransactionManager;

/// A transaction on the store's pool that is safe to cancel at any await
/// point: unless it ends in [`commit`](Self::commit) or
/// [`rollback`](Self::rollback), its connection is **closed** rather than
/// returned to the pool, so the server rolls the work back and no other task
/// can ever run inside a transaction left half-open.
///
/// Prefer it over `store.pool().begin()`: sqlx 0.8 (and 0.9.0) hands a
/// connection back to the pool still inside a transaction when `begin` is
/// cancelled while `BEGIN` is in flight (sqlx issues #4385 and #4393). The
/// store's own appends detect such a connection and refuse it with
/// [`StoreError::StrayTransaction`], but other statements would run inside
/// it.
///
/// It dereferences to a [`PgConnection`], so queries run on `&mut *tx`;
/// nested `begin` calls on it become savepoints, as with sqlx.
///
/// ```no_run
/// # use eventcore::store::AppendBatch;
/// # use eventcore_postgres::PostgresStore;
/// # async fn run(store: &PostgresStore, batch: AppendBatch) -> Result<(), Box<dyn std::error::Error>> {
/// let mut tx = store.begin().await?;
/// let written = store.append_in(&mut tx, batch).await?;
/// sqlx::query("UPDATE outbox_state SET last = $1")
///     .bind(written.events.len() as i64)
///     .execute(&mut *tx)
///     .await?;
/// tx.commit().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Transaction {
    conn: PoolConnection<Postgres>,
    /// Set once the transaction has ended cleanly; until then, dropping it
    /// closes the connection.
    ended: bool,
    errors: SqlxErrors,
}

impl Transaction {
    pub(crate) async fn begin(pool: &PgPool, errors: SqlxErrors) -> Result<Self, StoreError> {
        let conn = pool.acquire().await.map_err(errors.on("begin"))?;
        // From here on a cancellation drops `tx`, which closes the connection.
        let mut tx = Self {
            conn,
            ended: false,
            errors,
        };
        Manager::begin(&mut tx.conn, None)
            .await
            .map_err(errors.on("begin"))?;
        Ok(tx)
    }

    /// Commits the transaction and returns its connection to the pool.
    ///
    /// An error leaves the outcome unknown when the connection broke after
    /// `COMMIT` was sent; the connection is closed either way.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let result = Manager::commit(&mut self.conn).await;
        self.finish(result, "commit")
    }

    /// Rolls the transaction back and returns its connection to the pool.
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        let result = Manager::rollback(&mut self.conn).await;
        self.finish(result, "rollback")
    }

    /// Marks the transaction ended if `COMMIT` or `ROLLBACK` succeeded;
    /// otherwise dropping `self` closes the connection.
    fn finish(
        mut self,
        result: Result<(), sqlx::Error>,
        operation: &'static str,
    ) -> Result<(), StoreError> {
        result.map_err(self.errors.on(operation))?;
        self.ended = true;
        Ok(())
    }
}

impl Deref for Transaction {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl DerefMut for Transaction {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.ended {
            self.conn.close_on_drop();
        }
    }
}
