//! Write transactions that survive cancellation.
//!
//! `sqlx`'s own transaction cannot be used here: a `BEGIN IMMEDIATE`
//! future dropped after the statement ran and before it returned leaves
//! the connection in a transaction nobody rolls back, holding the file's
//! write lock for ever. This guard runs `BEGIN IMMEDIATE`, `COMMIT` and
//! `ROLLBACK` itself and, when dropped without either (a cancelled
//! future), closes its connection instead of returning it to the pool:
//! SQLite rolls back whatever a closing connection left open, and the
//! pool opens a fresh connection for the next writer.

use std::ops::{Deref, DerefMut};

use eventcore::StoreError;
use sqlx::{Executor, Sqlite, SqliteConnection, pool::PoolConnection};

use crate::error::SqliteErrors;

/// A write transaction on the store's file: it holds the write lock from
/// `BEGIN IMMEDIATE` until [`commit`](Self::commit) or
/// [`rollback`](Self::rollback). Dropped without either, it rolls back
/// (by closing its connection). It dereferences to the connection, so
/// `sqlx` queries run in it with `.execute(&mut *tx)`.
#[derive(Debug)]
pub struct WriteTransaction {
    connection: PoolConnection<Sqlite>,
    /// Whether a transaction may be open: set before `BEGIN`, cleared by a
    /// `COMMIT` or `ROLLBACK` that succeeded.
    open: bool,
    errors: SqliteErrors,
}

impl WriteTransaction {
    /// Takes the writer connection and begins. While another process
    /// holds the write lock, waits up to the busy timeout.
    pub(crate) async fn begin(
        pool: &sqlx::SqlitePool,
        errors: &SqliteErrors,
        operation: &'static str,
    ) -> Result<Self, StoreError> {
        let connection = pool.acquire().await.map_err(errors.on(operation))?;
        // Open before BEGIN runs: cancelled during it, the connection is
        // closed, whichever way BEGIN went.
        let mut tx = Self {
            connection,
            open: true,
            errors: errors.clone(),
        };
        match Executor::execute(&mut *tx.connection, "BEGIN IMMEDIATE").await {
            Ok(_) => Ok(tx),
            Err(error) => {
                // Not in a transaction: the connection goes back as it is.
                tx.open = false;
                Err(errors.translate(operation, error))
            }
        }
    }

    /// Commits. If the commit fails the transaction is rolled back.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.finish("COMMIT", "commit").await
    }

    /// Rolls back now (dropping the transaction does too, less cheaply:
    /// it closes the connection).
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        self.finish("ROLLBACK", "rollback").await
    }

    async fn finish(
        &mut self,
        statement: &'static str,
        operation: &'static str,
    ) -> Result<(), StoreError> {
        match Executor::execute(&mut *self.connection, statement).await {
            Ok(_) => {
                self.open = false;
                Ok(())
            }
            // Still open: dropping `self` closes the connection, which
            // rolls back whatever the failed statement left.
            Err(error) => Err(self.errors.translate(operation, error)),
        }
    }

    /// Ends the transaction by `result`: commits after `Ok`, rolls back
    /// after `Err` (and returns the original error).
    pub(crate) async fn end<T>(self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match result {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(error) => {
                // The error that matters is the first one.
                drop(self.rollback().await);
                Err(error)
            }
        }
    }
}

impl Deref for WriteTransaction {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.connection
    }
}

impl DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.connection
    }
}

impl Drop for WriteTransaction {
    fn drop(&mut self) {
        if self.open {
            // Closed instead of returned: closing rolls back what it left
            // open, and the pool opens a fresh one for the next writer.
            self.connection.close_on_drop();
        }
    }
}
