//! `eventcore`: the operator's command line for an EventCore store on
//! PostgreSQL.
//!
//! ```text
//! eventcore migrate [--dry-run]      apply (or list) pending migrations
//! eventcore status                   head, counts, migrations, projections
//! eventcore stream <ID>              the events of one stream
//! eventcore tail [--prefix P] [--type T] [--limit N]
//!                                    follow new events live
//! eventcore projections list         checkpoints, lag and lease holders
//! eventcore projections pause|resume <NAME>
//! eventcore projections rebuild <NAME> [--wait]
//!                                    steer runners in other processes
//! ```
//!
//! The database is `DATABASE_URL` (or `--database-url`), the store's schema
//! `--schema` (default `eventcore`). Every command takes `--json` for
//! scripts (one JSON object per line). Errors go to stderr; the exit code
//! says what happened:
//!
//! | code | meaning |
//! |--:|---|
//! | 0 | done |
//! | 1 | the store failed (unreachable, refused, corrupt) |
//! | 2 | the command line is wrong (clap's usage errors, invalid names) |
//! | 3 | not found (a stream with no events) |
//! | 4 | the schema is not migrated (`status` and reads before `migrate`) |
//! | 5 | a wait ran out of time (`projections rebuild --wait --timeout`) |

mod cli;
mod commands;
mod control;
mod output;

use std::process::ExitCode;

use clap::Parser;

use self::cli::Cli;

/// Why a command failed, and the exit code that says so.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The store failed.
    Store(eventcore::StoreError),
    /// An argument broke a rule clap cannot check.
    Usage(String),
    /// What was asked for does not exist.
    NotFound(String),
    /// The schema lacks migrations the command needs.
    NotMigrated(String),
    /// A wait ran out of time.
    TimedOut(String),
}

impl Failure {
    const fn code(&self) -> u8 {
        match self {
            Self::Store(_) => 1,
            Self::Usage(_) => 2,
            Self::NotFound(_) => 3,
            Self::NotMigrated(_) => 4,
            Self::TimedOut(_) => 5,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Store(error) => write!(f, "{error}"),
            Self::Usage(why)
            | Self::NotFound(why)
            | Self::NotMigrated(why)
            | Self::TimedOut(why) => f.write_str(why),
        }
    }
}

impl From<eventcore::StoreError> for Failure {
    fn from(error: eventcore::StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<eventcore::ValidationError> for Failure {
    fn from(error: eventcore::ValidationError) -> Self {
        Self::Usage(error.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("eventcore: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("eventcore: {failure}");
            ExitCode::from(failure.code())
        }
    }
}
