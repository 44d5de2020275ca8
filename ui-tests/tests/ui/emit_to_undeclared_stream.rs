// Writing needs a handle; a bare StreamId is not one, so a command cannot
// write to a stream it did not declare.
use eventcore::{Command, CommandLogic, StreamId, emit};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = Account)]
    account: AccountId,
    audit: StreamId,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(&self, _: DepositState, _: &mut DepositStreams<'_>) -> Result<(), BankError> {
        let mut audit = self.audit.clone();
        emit!(audit, BankEvent::Deposited { amount: 1 });
        Ok(())
    }
}

fn main() {}
