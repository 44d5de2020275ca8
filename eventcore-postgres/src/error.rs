//! Mapping sqlx errors onto the port's typed [`StoreError`].

use std::time::Duration;

use eventcore::StoreError;

/// SQLSTATE `query_canceled`, raised when `statement_timeout` fires.
const QUERY_CANCELED: &str = "57014";
/// SQLSTATE `invalid_transaction_termination`: a procedure tried to commit
/// inside a transaction block.
pub(crate) const INVALID_TRANSACTION_TERMINATION: &str = "2D000";
/// SQLSTATE `in_failed_sql_transaction`.
pub(crate) const IN_FAILED_SQL_TRANSACTION: &str = "25P02";
/// SQLSTATE `unique_violation`.
pub(crate) const UNIQUE_VIOLATION: &str = "23505";

/// Translates sqlx errors into [`StoreError`]s; it carries the timeouts an
/// error message may need to name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SqlxErrors {
    pub acquire_timeout: Duration,
    pub statement_timeout: Option<Duration>,
}

impl SqlxErrors {
    /// Translates a sqlx error raised while running `operation`.
    ///
    /// Connection trouble becomes [`StoreError::Unavailable`], a statement
    /// cancelled by `statement_timeout` becomes [`StoreError::Timeout`], and
    /// everything else is a [`StoreError::Backend`] naming the operation.
    pub(crate) fn translate(self, operation: &'static str, error: sqlx::Error) -> StoreError {
        match &error {
            sqlx::Error::PoolTimedOut => StoreError::Unavailable {
                message: format!(
                    "{operation}: no database connection became available within {:?}",
                    self.acquire_timeout
                ),
                source: Some(Box::new(error)),
            },
            sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Configuration(_) => StoreError::Unavailable {
                message: format!("{operation}: cannot reach the database ({error})"),
                source: Some(Box::new(error)),
            },
            sqlx::Error::Database(db) => match db.code().as_deref() {
                Some(QUERY_CANCELED) => StoreError::Timeout {
                    operation,
                    after: self.statement_timeout.unwrap_or_default(),
                },
                Some(code) if is_unavailable(code) => StoreError::Unavailable {
                    message: format!("{operation}: the database refused the connection"),
                    source: Some(Box::new(error)),
                },
                _ => StoreError::backend(operation, error),
            },
            _ => StoreError::backend(operation, error),
        }
    }

    /// [`translate`](Self::translate) for one operation, for `map_err`.
    pub(crate) fn on(self, operation: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
        move |error| self.translate(operation, error)
    }
}

/// SQLSTATEs that mean "cannot use the database right now" rather than
/// "this statement is wrong".
fn is_unavailable(code: &str) -> bool {
    code.starts_with("08") // connection exception
        || code.starts_with("28") // invalid authorization
        || matches!(
            code,
            "3D000" // invalid catalog name: the database does not exist
            | "53300" // too many connections
            | "57P01" // admin shutdown
            | "57P02" // crash shutdown
            | "57P03" // cannot connect now
        )
}

/// The SQLSTATE of a database error, if it is one.
pub(crate) fn sqlstate(error: &sqlx::Error) -> Option<String> {
    match error {
        sqlx::Error::Database(db) => db.code().map(std::borrow::Cow::into_owned),
        _ => None,
    }
}

/// The constraint a database error names, if any.
pub(crate) fn constraint(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeout_is_unavailable_and_names_the_limit() {
        let errors = SqlxErrors {
            acquire_timeout: Duration::from_millis(250),
            statement_timeout: None,
        };
        let err = errors.translate("append", sqlx::Error::PoolTimedOut);
        assert!(matches!(err, StoreError::Unavailable { .. }));
        assert!(err.to_string().contains("append"));
        assert!(err.to_string().contains("250ms"));
    }

    #[test]
    fn protocol_errors_are_backend_errors_naming_the_operation() {
        let errors = SqlxErrors {
            acquire_timeout: Duration::from_secs(1),
            statement_timeout: None,
        };
        let err = errors.translate("read_all", sqlx::Error::Protocol("bad".into()));
        assert!(matches!(
            err,
            StoreError::Backend {
                operation: "read_all",
                ..
            }
        ));
    }
}
