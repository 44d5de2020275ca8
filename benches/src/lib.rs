//! Shared helpers for the EventCore criterion benches (`benches/`) and the
//! workload runner (`src/bin/workload/`).
//!
//! - [`harness`]: the criterion benches' runtime, settings and PostgreSQL
//!   groups.
//! - [`pg`]: a PostgreSQL store in a fresh, throw-away schema.
//! - [`seed`]: account ids, opened accounts and pre-written streams of the
//!   banking example.
//! - [`audit`]: an invariant check over the account streams.
//! - [`stats`]: percentiles and medians.

use std::error::Error;

pub mod audit;
pub mod harness;
pub mod pg;
pub mod seed;
pub mod stats;

/// The error type of the benches and the runner.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// A result with [`BoxError`].
pub type BenchResult<T = ()> = Result<T, BoxError>;

/// Unwraps a setup step of a criterion bench, or reports the error and
/// exits (criterion's generated `main` cannot return errors).
pub fn or_exit<T, E: std::fmt::Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => {
            eprintln!("benchmark setup failed: {what}: {e}");
            std::process::exit(1)
        }
    }
}
