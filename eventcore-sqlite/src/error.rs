//! Mapping sqlx and SQLite errors onto the port's typed [`StoreError`],
//! naming the file.

use std::{sync::Arc, time::Duration};

use eventcore::StoreError;

/// SQLite's primary result codes that mean something to a user
/// (<https://www.sqlite.org/rescode.html>).
mod code {
    pub const BUSY: i64 = 5;
    pub const LOCKED: i64 = 6;
    pub const READONLY: i64 = 8;
    pub const IOERR: i64 = 10;
    pub const CORRUPT: i64 = 11;
    pub const FULL: i64 = 13;
    pub const CANTOPEN: i64 = 14;
    pub const NOTADB: i64 = 26;
}

/// Translates errors for one store: it knows the file and the busy timeout
/// a message may need to name.
#[derive(Clone, Debug)]
pub(crate) struct SqliteErrors {
    pub path: Arc<str>,
    pub busy_timeout: Duration,
}

impl SqliteErrors {
    /// Translates a sqlx error raised while running `operation`.
    ///
    /// A database that stayed busy or locked past the busy timeout, a full
    /// disk, a read-only file and a file that cannot be opened become
    /// [`StoreError::Unavailable`]; a corrupt file or one that is not a
    /// database becomes [`StoreError::Corrupt`]; each names the file.
    /// Everything else is a [`StoreError::Backend`] naming the operation.
    pub(crate) fn translate(&self, operation: &'static str, error: sqlx::Error) -> StoreError {
        let path = &self.path;
        let unavailable = |message: String, error: sqlx::Error| StoreError::Unavailable {
            message,
            source: Some(Box::new(error)),
        };
        match &error {
            sqlx::Error::PoolTimedOut => unavailable(
                format!(
                    "{operation} on {path}: no connection became free within {:?}",
                    self.busy_timeout
                ),
                error,
            ),
            sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Configuration(_) => {
                unavailable(format!("{operation}: cannot use {path} ({error})"), error)
            }
            sqlx::Error::Database(db) => {
                let extended = db.code().and_then(|c| c.parse::<i64>().ok());
                match extended.map(|c| c & 0xff) {
                    Some(code::BUSY | code::LOCKED) => unavailable(
                        format!(
                            "{operation}: {path} stayed locked by another writer for longer \
                             than the busy timeout ({:?})",
                            self.busy_timeout
                        ),
                        error,
                    ),
                    Some(code::FULL) => unavailable(
                        format!("{operation}: the disk holding {path} is full"),
                        error,
                    ),
                    Some(code::READONLY) => unavailable(
                        format!("{operation}: {path} is read-only ({})", db.message()),
                        error,
                    ),
                    Some(code::CANTOPEN) => unavailable(
                        format!("{operation}: cannot open {path} ({})", db.message()),
                        error,
                    ),
                    Some(code::IOERR) => unavailable(
                        format!("{operation}: a disk I/O error on {path} ({})", db.message()),
                        error,
                    ),
                    Some(code::CORRUPT | code::NOTADB) => StoreError::Corrupt {
                        detail: format!(
                            "{operation}: {path} is damaged or not an SQLite database ({})",
                            db.message()
                        ),
                    },
                    _ => StoreError::backend(operation, error),
                }
            }
            _ => StoreError::backend(operation, error),
        }
    }

    /// [`translate`](Self::translate) for one operation, for `map_err`.
    pub(crate) fn on(&self, operation: &'static str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        move |error| self.translate(operation, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors() -> SqliteErrors {
        SqliteErrors {
            path: Arc::from("/data/bank.db"),
            busy_timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn a_pool_timeout_names_the_file_and_the_limit() {
        let err = errors().translate("append", sqlx::Error::PoolTimedOut);
        assert!(matches!(err, StoreError::Unavailable { .. }));
        let text = err.to_string();
        assert!(text.contains("/data/bank.db"), "{text}");
        assert!(text.contains("5s"), "{text}");
    }

    /// An SQLite error with an extended result code, as the driver
    /// reports it.
    #[derive(Debug, thiserror::Error)]
    #[error("{message}")]
    struct Coded {
        code: i64,
        message: &'static str,
    }

    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            self.message
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(self.code.to_string().into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn translated(code: i64, message: &'static str) -> StoreError {
        errors().translate(
            "append",
            sqlx::Error::Database(Box::new(Coded { code, message })),
        )
    }

    #[test]
    fn file_troubles_are_typed_and_name_the_file() {
        // Extended codes carry the primary code in their low byte.
        for (code, kind, words) in [
            (5, "unavailable", "busy timeout (5s)"),
            (517, "unavailable", "busy timeout"), // SQLITE_BUSY_SNAPSHOT
            (6, "unavailable", "locked"),
            (13, "unavailable", "disk holding /data/bank.db is full"),
            (8, "unavailable", "read-only"),
            (1032, "unavailable", "read-only"), // SQLITE_READONLY_DBMOVED
            (14, "unavailable", "cannot open"),
            (10, "unavailable", "disk I/O error"),
            (11, "corrupt", "damaged"),
            (26, "corrupt", "not an SQLite database"),
        ] {
            let err = translated(code, "what SQLite said");
            let text = err.to_string();
            let got = match err {
                StoreError::Unavailable { .. } => "unavailable",
                StoreError::Corrupt { .. } => "corrupt",
                _ => "other",
            };
            assert_eq!(got, kind, "code {code}: {text}");
            assert!(text.contains(words), "code {code}: {text}");
            assert!(text.contains("/data/bank.db"), "code {code}: {text}");
        }
    }

    #[test]
    fn a_constraint_error_is_a_backend_error() {
        let err = translated(2067, "UNIQUE constraint failed: events.stream_id");
        assert!(
            matches!(
                err,
                StoreError::Backend {
                    operation: "append",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn protocol_errors_are_backend_errors_naming_the_operation() {
        let err = errors().translate("read_all", sqlx::Error::Protocol("bad".into()));
        assert!(matches!(
            err,
            StoreError::Backend {
                operation: "read_all",
                ..
            }
        ));
    }
}
