//! Derived code is clean under strict rustc lints. (The clippy half of the
//! lint-hygiene test is `tests/lint_hygiene.rs`, checked by `cargo clippy
//! --all-targets`.)
#![deny(unused_qualifications, missing_docs, unused, rust_2018_idioms)]

use eventcore::{Command, CommandLogic, Event, StreamId};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

/// A public command: the generated structs are public and documented.
#[derive(Command)]
#[command(event = BankEvent)]
pub struct Transfer {
    /// Source.
    #[stream(state = Account)]
    pub from: AccountId,
    /// Destination.
    #[stream]
    pub to: Option<StreamId>,
    /// Others.
    #[stream(state = Account)]
    pub others: Vec<AccountId>,
}

impl CommandLogic for Transfer {
    type Error = BankError;

    fn handle(&self, state: TransferState, streams: &mut TransferStreams<'_>) -> Result<(), BankError> {
        let _ = (state.from, state.others);
        streams.from.emit(BankEvent::Withdrawn { amount: 1 });
        Ok(())
    }
}

/// A public event.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
pub enum Audit {
    /// Checked.
    Checked,
}

fn main() {}
