//! An audit of the account streams: what a workload checks after it ran.

use std::collections::HashMap;

use eventcore::{EventSerializer, JsonSerializer, store::EventStore};
use eventcore_examples::banking::{AccountId, BankEvent};

use crate::BenchResult;

/// Streams read per `read_streams` call.
const CHUNK: usize = 100;

/// What an audit of the account streams found.
#[derive(Clone, Debug, Default)]
pub struct Audit {
    /// The sum of every account's balance, in cents.
    pub total_cents: i128,
    /// Accounts whose balance went below zero at some point.
    pub went_negative: Vec<String>,
    /// Events read.
    pub events: usize,
    /// Final balances by stream.
    pub balances: HashMap<String, i128>,
}

/// Reads every account stream and sums
/// [`BankEvent::balance_change`], so a balance that dips below zero is
/// seen (the domain's own fold saturates at zero).
pub async fn audit<S: EventStore>(store: &S, accounts: &[AccountId]) -> BenchResult<Audit> {
    let mut audit = Audit::default();
    for chunk in accounts.chunks(CHUNK) {
        let ids: Vec<_> = chunk.iter().map(|a| a.stream_id().clone()).collect();
        let read = store.read_streams(&ids).await?;
        for stream in read.streams() {
            let mut balance: i128 = 0;
            let mut negative = false;
            for stored in stream.events() {
                audit.events += 1;
                let event: BankEvent = JsonSerializer.decode(stored)?;
                balance += i128::from(event.balance_change());
                negative |= balance < 0;
            }
            if negative {
                audit.went_negative.push(stream.stream_id().to_string());
            }
            audit.total_cents += balance;
            audit
                .balances
                .insert(stream.stream_id().to_string(), balance);
        }
    }
    Ok(audit)
}
