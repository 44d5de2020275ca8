//! The workload shapes, as library-independent plans: which accounts are
//! opened with what, which history is seeded, and each task's operations.
//! Every library runs the same plan (the same random draws).

use rand::{Rng, SeedableRng, rngs::StdRng};

/// A workload shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Shape {
    /// 10,000 deposits to 1,000 random accounts from 1 task.
    #[value(name = "W1")]
    W1,
    /// 10,000 transfers between 1,000 funded accounts from 1 task.
    #[value(name = "W2-1")]
    W2One,
    /// The same from 8 tasks.
    #[value(name = "W2-8")]
    W2Eight,
    /// 2,000 transfers among 10 accounts from 8 tasks.
    #[value(name = "W3")]
    W3,
    /// One account with 10,000 events, then 100 deposits.
    #[value(name = "W4")]
    W4,
}

impl Shape {
    pub const ALL: [Self; 5] = [Self::W1, Self::W2One, Self::W2Eight, Self::W3, Self::W4];

    pub const fn label(self) -> &'static str {
        match self {
            Self::W1 => "W1 deposit",
            Self::W2One | Self::W2Eight => "W2 transfer",
            Self::W3 => "W3 contention",
            Self::W4 => "W4 long stream",
        }
    }

    pub const fn tasks(self) -> usize {
        match self {
            Self::W1 | Self::W2One | Self::W4 => 1,
            Self::W2Eight | Self::W3 => 8,
        }
    }
}

/// One timed operation; accounts are indices into the plan's accounts.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Deposit { account: usize, cents: i64 },
    Transfer { from: usize, to: usize, cents: i64 },
}

/// What a library must do for a shape.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Accounts opened (not timed), each with `opening_cents`.
    pub accounts: usize,
    pub opening_cents: i64,
    /// Deposits of one cent written to account 0 after it is opened (not
    /// timed), so it has `1 + seed_history` events.
    pub seed_history: usize,
    /// Each task's operations, in order.
    pub tasks: Vec<Vec<Op>>,
}

/// Opening balance for the transfer shapes: no transfer (at most
/// [`MAX_TRANSFER_CENTS`]) is ever refused, so every command must succeed.
const FUNDED_CENTS: i64 = 100_000_000;
const MAX_TRANSFER_CENTS: i64 = 100;

impl Plan {
    pub fn new(shape: Shape) -> Self {
        let mut rng = StdRng::seed_from_u64(shape as u64 + 1);
        let tasks = shape.tasks();
        let (accounts, opening_cents, seed_history, total) = match shape {
            Shape::W1 => (1_000, 0, 0, 10_000),
            Shape::W2One | Shape::W2Eight => (1_000, FUNDED_CENTS, 0, 10_000),
            Shape::W3 => (10, FUNDED_CENTS, 0, 2_000),
            Shape::W4 => (1, 0, 9_999, 100),
        };
        let mut per_task: Vec<Vec<Op>> = (0..tasks).map(|_| Vec::new()).collect();
        for i in 0..total {
            let op = match shape {
                Shape::W1 => Op::Deposit {
                    account: rng.random_range(0..accounts),
                    cents: rng.random_range(1..=1_000),
                },
                Shape::W4 => Op::Deposit {
                    account: 0,
                    cents: 100,
                },
                Shape::W2One | Shape::W2Eight | Shape::W3 => {
                    let from = rng.random_range(0..accounts);
                    let to = (from + rng.random_range(1..accounts)) % accounts;
                    Op::Transfer {
                        from,
                        to,
                        cents: rng.random_range(1..=MAX_TRANSFER_CENTS),
                    }
                }
            };
            per_task[i % tasks].push(op);
        }
        Self {
            accounts,
            opening_cents,
            seed_history,
            tasks: per_task,
        }
    }

    pub fn commands(&self) -> usize {
        self.tasks.iter().map(Vec::len).sum()
    }

    /// The sum of the balances once every operation succeeded.
    pub fn expected_total(&self) -> i128 {
        let deposits: i128 = self
            .tasks
            .iter()
            .flatten()
            .map(|op| match *op {
                Op::Deposit { cents, .. } => i128::from(cents),
                Op::Transfer { .. } => 0,
            })
            .sum();
        i128::from(self.opening_cents) * self.accounts as i128
            + self.seed_history as i128
            + deposits
    }
}

/// The account name of index `i` (every library uses the same names).
pub fn account_name(i: usize) -> String {
    format!("acct-{i}")
}
