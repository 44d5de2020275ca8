// Without `event = ..` only that is reported, even where the command's
// generated items are used: no cascade about a missing state or handles.
use eventcore::{Command, CommandLogic};
use eventcore_ui_tests::{Account, AccountId, BankError};

#[derive(Command)]
struct Deposit {
    #[stream(state = Account)]
    account: AccountId,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(&self, state: DepositState, _streams: &mut DepositStreams<'_>) -> Result<(), BankError> {
        let _ = state.account.balance;
        Ok(())
    }
}

fn main() {}
