//! Driving commands: each task executes its commands in order, timing
//! every one.

use std::time::{Duration, Instant};

use eventcore::{CommandExecutor, CommandLogic, store::EventStore};
use eventcore_benches::BenchResult;

/// What driving the commands of a workload observed.
#[derive(Debug, Default)]
pub struct Drive {
    /// Wall time of the whole workload.
    pub elapsed: Duration,
    /// The latency of every successful command, sorted.
    pub latencies: Vec<Duration>,
    /// Retries after version conflicts, over all commands.
    pub retries: u64,
    /// Commands that failed.
    pub failures: usize,
    /// The first failure's error, if any.
    pub first_failure: Option<String>,
}

impl Drive {
    /// Adds what one task observed.
    fn merge(&mut self, task: Self) {
        self.latencies.extend(task.latencies);
        self.retries += task.retries;
        self.failures += task.failures;
        if self.first_failure.is_none() {
            self.first_failure = task.first_failure;
        }
    }
}

/// Which executor runs each command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    /// The workload's executor, its stream cache warming up as it goes.
    Warm,
    /// A new executor per command, created inside the timed section: an
    /// empty stream cache each time, as a new process or replica has.
    Cold,
}

/// Runs each task's commands from its own Tokio task.
pub async fn drive<S, C>(
    executor: &CommandExecutor<S>,
    per_task: Vec<Vec<C>>,
    cache: Cache,
) -> BenchResult<Drive>
where
    S: EventStore + Clone + 'static,
    C: CommandLogic + 'static,
    C::State: Send,
{
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(per_task.len());
    for commands in per_task {
        let executor = executor.clone();
        tasks.push(tokio::spawn(async move {
            let mut observed = Drive {
                latencies: Vec::with_capacity(commands.len()),
                ..Drive::default()
            };
            for command in commands {
                let t = Instant::now();
                let outcome = match cache {
                    Cache::Warm => executor.execute(command).await,
                    // The executor's settings (snapshots included) with a
                    // cache of its own.
                    Cache::Cold => {
                        executor
                            .clone()
                            .stream_cache(CommandExecutor::<S>::DEFAULT_CACHE_EVENTS)
                            .execute(command)
                            .await
                    }
                };
                match outcome {
                    Ok(done) => {
                        observed.latencies.push(t.elapsed());
                        observed.retries += u64::from(done.attempts.saturating_sub(1));
                    }
                    Err(e) => {
                        observed.failures += 1;
                        observed.first_failure.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            observed
        }));
    }
    let mut drive = Drive::default();
    for task in tasks {
        drive.merge(task.await?);
    }
    drive.elapsed = started.elapsed();
    drive.latencies.sort_unstable();
    Ok(drive)
}
