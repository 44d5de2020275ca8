//! Lint hygiene: derived code compiles cleanly in a user crate under strict
//! lints. rustc checks the rustc lints on every build; the clippy lints are
//! checked by `cargo clippy --all-targets` (as CI runs it), which compiles
//! this file as a crate root.
#![deny(
    clippy::pedantic,
    clippy::all,
    clippy::unwrap_used,
    clippy::expect_used,
    unused_qualifications,
    missing_docs,
    unused,
    rust_2018_idioms
)]

use std::collections::BTreeSet;

use eventcore::{
    Command, CommandLogic, CommandState, Event, Fold, RecordedEvent, StreamId, StreamResolver,
    emit, require,
};
use serde::{Deserialize, Serialize};

/// Events of the lint test domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum LedgerEvent {
    /// Posted.
    Posted {
        /// Amount.
        amount: u64,
    },
    /// Reversed.
    #[event(rename = "Reversal")]
    Reversed(u64),
    /// Closed.
    Closed,
}

/// Failures.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Closed ledger.
    #[error("closed")]
    Closed,
}

/// A ledger's folded state.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Whether closed.
    pub closed: bool,
}

impl Fold<LedgerEvent> for Ledger {
    fn fold(&mut self, event: &RecordedEvent<LedgerEvent>) {
        if matches!(event.payload(), LedgerEvent::Closed) {
            self.closed = true;
        }
    }
}

/// A ledger id.
#[derive(Clone, Debug)]
pub struct LedgerId(pub StreamId);

impl From<LedgerId> for StreamId {
    fn from(id: LedgerId) -> Self {
        id.0
    }
}

/// Every field kind, generated state, and a generic parameter.
#[derive(Command)]
#[command(event = LedgerEvent)]
pub struct Post<Id: Clone + Into<StreamId> + Send + Sync> {
    /// Main ledger.
    #[stream(state = Ledger)]
    pub ledger: Id,
    /// Optional mirror.
    #[stream(state = Ledger)]
    pub mirror: Option<LedgerId>,
    /// Audits.
    #[stream(state = Ledger)]
    pub audits: Vec<StreamId>,
    /// Tags.
    #[stream]
    pub tags: BTreeSet<StreamId>,
    /// Amount.
    pub amount: u64,
}

impl<Id: Clone + Into<StreamId> + Send + Sync> CommandLogic for Post<Id> {
    type Error = LedgerError;

    fn handle(
        &self,
        state: PostState<Id>,
        streams: &mut PostStreams<'_, Id>,
    ) -> Result<(), LedgerError> {
        require!(!state.ledger.closed, LedgerError::Closed);
        emit!(
            streams.ledger,
            LedgerEvent::Posted {
                amount: self.amount
            }
        );
        if let Some(mirror) = &mut streams.mirror {
            emit!(mirror, LedgerEvent::Reversed(self.amount));
        }
        for audit in &mut streams.audits {
            audit.emit(LedgerEvent::Closed);
        }
        Ok(())
    }
}

/// A resolver command with hand-written state.
#[derive(Command)]
#[command(event = LedgerEvent, resolver)]
pub struct Sweep {
    /// Root.
    #[stream]
    pub root: StreamId,
}

impl CommandState for Sweep {
    type State = Vec<StreamId>;

    fn initial_state(&self) -> Self::State {
        Vec::new()
    }

    fn apply(&self, state: &mut Self::State, event: &RecordedEvent<LedgerEvent>) {
        state.push(event.stream_id().clone());
    }
}

impl StreamResolver for Sweep {
    fn resolve(&self, state: &Self::State) -> Vec<StreamId> {
        state.clone()
    }
}

impl CommandLogic for Sweep {
    type Error = LedgerError;

    fn handle(&self, _: Self::State, streams: &mut SweepStreams<'_>) -> Result<(), LedgerError> {
        for handle in &mut streams.discovered {
            handle.emit(LedgerEvent::Closed);
        }
        Ok(())
    }
}

#[test]
fn derived_code_compiles_under_strict_lints() {
    assert_eq!(LedgerEvent::EVENT_TYPES, ["Posted", "Reversal", "Closed"]);
    assert_eq!(<Post<StreamId> as Command>::NAME, "Post");
}
