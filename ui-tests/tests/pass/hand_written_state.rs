// State that spans streams: implement `CommandState` by hand.
use eventcore::{Command, CommandLogic, CommandState, RecordedEvent, StreamId, require};
use eventcore_ui_tests::{AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct CloseBranch {
    #[stream]
    accounts: Vec<AccountId>,
    #[stream]
    branch: StreamId,
}

#[derive(Default)]
struct Totals {
    deposits: u64,
    events: usize,
}

impl CommandState for CloseBranch {
    type State = Totals;

    fn initial_state(&self) -> Totals {
        Totals::default()
    }

    fn apply(&self, totals: &mut Totals, event: &RecordedEvent<BankEvent>) {
        totals.events += 1;
        if let BankEvent::Deposited { amount } = event.payload() {
            totals.deposits += amount;
        }
    }
}

impl CommandLogic for CloseBranch {
    type Error = BankError;

    fn handle(&self, totals: Totals, streams: &mut CloseBranchStreams<'_>) -> Result<(), BankError> {
        require!(totals.deposits == 0, BankError::InsufficientFunds);
        let _ = totals.events;
        streams.branch.emit(BankEvent::Withdrawn { amount: 0 });
        Ok(())
    }
}

fn main() {}
