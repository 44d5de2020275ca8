use eventcore::{Command, CommandLogic};
use eventcore_ui_tests::{AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream]
    account: AccountId,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(&self, _: (), _: &mut DepositStreams<'_>) -> Result<(), BankError> {
        Ok(())
    }
}

fn main() {}
