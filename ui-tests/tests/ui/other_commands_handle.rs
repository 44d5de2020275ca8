// A handle is typed by its command: Refund's handle cannot stand in for a
// Deposit handle, even though both commands write BankEvent.
use eventcore::{Command, CommandLogic, StreamHandle};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = Account)]
    account: AccountId,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(&self, _: DepositState, streams: &mut DepositStreams<'_>) -> Result<(), BankError> {
        streams.account.emit(BankEvent::Deposited { amount: 1 });
        Ok(())
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
struct Refund {
    #[stream(state = Account)]
    account: AccountId,
}

fn credit(handle: &mut StreamHandle<'_, Deposit>) {
    handle.emit(BankEvent::Deposited { amount: 1 });
}

impl CommandLogic for Refund {
    type Error = BankError;

    fn handle(&self, _: RefundState, streams: &mut RefundStreams<'_>) -> Result<(), BankError> {
        credit(&mut streams.account);
        Ok(())
    }
}

fn main() {}
