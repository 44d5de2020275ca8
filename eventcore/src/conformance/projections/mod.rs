use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use super::support::{append_to, event, stream};
use crate::{
    Event, GlobalPosition, RecordedEvent,
    projection::{ErrorPolicy, Projection, RunnerConfig},
    store::EventStore,
};

pub(super) const WAIT: Duration = Duration::from_secs(10);

/// The payload written by the suite's `event("Tick", n)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Tick {
    n: u64,
}

impl Tick {
    /// The tick's number.
    pub(super) const fn n(&self) -> u64 {
        self.n
    }
}

impl Event for Tick {
    const EVENT_TYPES: &'static [&'static str] = &["Tick"];

    fn event_type(&self) -> &'static str {
        "Tick"
    }
}

#[derive(Debug, thiserror::Error)]
#[error("refusing tick {0}")]
pub(super) struct Refused(u64);

/// A projection that records every `n` it applies, and can fail or block.
#[derive(Clone)]
pub(super) struct Recorder {
    name: &'static str,
    seen: Arc<Mutex<Vec<u64>>>,
    pub(super) resets: Arc<AtomicU32>,
    fail_on: Option<u64>,
    failures_left: Arc<AtomicU32>,
    gate: Option<Arc<Semaphore>>,
}

impl Recorder {
    pub(super) fn new(name: &'static str) -> Self {
        Self {
            name,
            seen: Arc::default(),
            resets: Arc::default(),
            fail_on: None,
            failures_left: Arc::default(),
            gate: None,
        }
    }

    pub(super) fn failing(mut self, on: u64, times: u32) -> Self {
        self.fail_on = Some(on);
        self.failures_left = Arc::new(AtomicU32::new(times));
        self
    }

    pub(super) fn gated(mut self, gate: Arc<Semaphore>) -> Self {
        self.gate = Some(gate);
        self
    }

    pub(super) fn seen(&self) -> Vec<u64> {
        self.seen.lock().clone()
    }
}

impl Projection for Recorder {
    type Event = Tick;
    type Error = Refused;

    fn name(&self) -> &str {
        self.name
    }

    async fn apply(&mut self, events: &[RecordedEvent<Tick>]) -> Result<(), Refused> {
        if let Some(gate) = &self.gate {
            // Each batch needs a permit: lets a scenario hold a runner mid-batch.
            gate.acquire().await.map_err(|_| Refused(0))?.forget();
        }
        for e in events {
            let n = e.payload().n;
            if self.fail_on == Some(n)
                && self
                    .failures_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                        left.checked_sub(1)
                    })
                    .is_ok()
            {
                return Err(Refused(n));
            }
            self.seen.lock().push(n);
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Refused> {
        self.seen.lock().clear();
        self.resets.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

pub(super) async fn ticks<S: EventStore>(
    store: &S,
    stream_name: &str,
    from: u64,
    to: u64,
) -> Result<GlobalPosition, crate::StoreError> {
    let id = stream(stream_name)?;
    let mut version = store.stream_version(&id).await?.value();
    let mut last = GlobalPosition::START;
    for n in from..=to {
        let written = append_to(store, &id, version, vec![event("Tick", n)]).await?;
        version += 1;
        last = written.events.last().map_or(last, |e| e.position);
    }
    Ok(last)
}

pub(super) fn config(holder: &str) -> RunnerConfig {
    RunnerConfig::default()
        .batch_size(4)
        .holder(holder)
        .lease_ttl(Duration::from_millis(600))
        .poll_interval(Duration::from_millis(200))
        .error_policy(ErrorPolicy::Stop)
}

mod control;
mod failures;
mod lifecycle;
mod undecodable;

pub use control::*;
pub use failures::*;
pub use lifecycle::*;
pub use undecodable::*;
