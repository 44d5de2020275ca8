//! What each library provides to the runner, and the runner's timing of it.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use crate::plan::{Op, Plan};

/// An error as text: each library has its own error types.
pub type Failure = String;

/// A banking domain on one library and one store.
pub trait Bank: Clone + Send + Sync + 'static {
    /// Opens account `account` with `cents` (not timed).
    fn open(&self, account: usize, cents: i64) -> impl Future<Output = Result<(), Failure>> + Send;

    /// Writes `deposits` one-cent deposits to `account` (not timed), in
    /// whatever way writes many events fastest on this library.
    fn seed(
        &self,
        account: usize,
        deposits: usize,
    ) -> impl Future<Output = Result<(), Failure>> + Send;

    /// Runs one operation; the attempts it took.
    fn run(&self, op: Op) -> impl Future<Output = Result<u32, Failure>> + Send;

    /// The sum of the balances of `accounts` accounts, folded from their
    /// events with signed arithmetic, and whether any balance went below
    /// zero.
    fn audit(&self, accounts: usize) -> impl Future<Output = Result<(i128, bool), Failure>> + Send;
}

/// What one run of a plan observed.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub commands: usize,
    pub elapsed: Duration,
    /// Sorted latencies of the successful commands.
    pub latencies: Vec<Duration>,
    pub retries: u64,
    /// Empty when every command succeeded and the audit held.
    pub problems: Vec<String>,
}

impl Outcome {
    /// Commands per second; NaN for a run that did not get to run.
    pub fn per_second(&self) -> f64 {
        if self.elapsed.is_zero() {
            return f64::NAN;
        }
        self.commands as f64 / self.elapsed.as_secs_f64()
    }

    /// The `p`th percentile latency in ms (nearest rank).
    pub fn percentile_ms(&self, p: usize) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = (p * self.latencies.len()).div_ceil(100).max(1) - 1;
        self.latencies[rank.min(self.latencies.len() - 1)].as_secs_f64() * 1e3
    }
}

/// Sets up `plan` on `bank` (not timed), runs its tasks, then audits.
pub async fn run_plan<B: Bank>(bank: &B, plan: &Plan) -> Result<Outcome, Failure> {
    for account in 0..plan.accounts {
        bank.open(account, plan.opening_cents).await?;
    }
    if plan.seed_history > 0 {
        bank.seed(0, plan.seed_history).await?;
    }
    let started = Instant::now();
    let mut handles = Vec::with_capacity(plan.tasks.len());
    for ops in plan.tasks.clone() {
        let bank = bank.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(ops.len());
            let mut retries = 0_u64;
            let mut failures = Vec::new();
            for op in ops {
                let t = Instant::now();
                match bank.run(op).await {
                    Ok(attempts) => {
                        latencies.push(t.elapsed());
                        retries += u64::from(attempts.saturating_sub(1));
                    }
                    Err(e) => failures.push(e),
                }
            }
            (latencies, retries, failures)
        }));
    }
    let mut outcome = Outcome {
        commands: plan.commands(),
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        retries: 0,
        problems: Vec::new(),
    };
    let mut failed = 0_usize;
    let mut first = None;
    for handle in handles {
        let (latencies, retries, failures) =
            handle.await.map_err(|e| format!("a task failed: {e}"))?;
        outcome.latencies.extend(latencies);
        outcome.retries += retries;
        failed += failures.len();
        if first.is_none() {
            first = failures.into_iter().next();
        }
    }
    outcome.elapsed = started.elapsed();
    outcome.latencies.sort_unstable();
    if failed > 0 {
        outcome.problems.push(format!(
            "{failed} of {} failed, first: {}",
            outcome.commands,
            first.unwrap_or_default()
        ));
    }
    let (total, negative) = bank.audit(plan.accounts).await?;
    if total != plan.expected_total() {
        outcome.problems.push(format!(
            "total {total} cents, expected {}",
            plan.expected_total()
        ));
    }
    if negative {
        outcome.problems.push("a balance went negative".to_owned());
    }
    Ok(outcome)
}
