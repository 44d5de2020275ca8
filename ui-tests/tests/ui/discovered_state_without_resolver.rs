// `discovered_state` needs a resolver to discover the streams it folds.
use eventcore::{Command, CommandLogic, StreamId};
use eventcore_ui_tests::{Account, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent, discovered_state = Account)]
struct Audit {
    #[stream(state = Account)]
    account: StreamId,
}

impl CommandLogic for Audit {
    type Error = BankError;

    fn handle(&self, _: AuditState, _: &mut AuditStreams<'_>) -> Result<(), BankError> {
        Ok(())
    }
}

fn main() {}
