// Dynamic stream discovery: `#[command(resolver)]` + `StreamResolver`;
// discovered streams are writable through `streams.discovered`.
use eventcore::{Command, CommandLogic, CommandState, RecordedEvent, StreamId, StreamResolver};
use eventcore_ui_tests::{BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent, resolver)]
struct SweepBranch {
    #[stream]
    branch: StreamId,
}

impl CommandState for SweepBranch {
    type State = Vec<StreamId>;

    fn initial_state(&self) -> Vec<StreamId> {
        Vec::new()
    }

    fn apply(&self, accounts: &mut Vec<StreamId>, event: &RecordedEvent<BankEvent>) {
        if event.stream_id() == &self.branch {
            let index = accounts.len();
            accounts.push(StreamId::with_prefix("account", index).unwrap());
        }
    }
}

impl StreamResolver for SweepBranch {
    fn resolve(&self, accounts: &Vec<StreamId>) -> Vec<StreamId> {
        accounts.clone()
    }
}

impl CommandLogic for SweepBranch {
    type Error = BankError;

    fn handle(&self, _: Vec<StreamId>, streams: &mut SweepBranchStreams<'_>) -> Result<(), BankError> {
        for account in &mut streams.discovered {
            account.emit(BankEvent::Withdrawn { amount: 1 });
        }
        streams.branch.emit(BankEvent::Deposited { amount: 1 });
        Ok(())
    }
}

fn main() {}
