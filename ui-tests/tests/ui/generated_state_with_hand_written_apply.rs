use eventcore::{Command, CommandState, RecordedEvent};
use eventcore_ui_tests::{Account, AccountId, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = Account)]
    account: AccountId,
}

impl CommandState for Deposit {
    type State = u64;

    fn initial_state(&self) -> u64 {
        0
    }

    fn apply(&self, _: &mut u64, _: &RecordedEvent<BankEvent>) {}
}

fn main() {}
