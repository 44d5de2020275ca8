// Commands `Pay` and `PayState` would both need `PayState`: renaming the
// generated state of one of them (`state_name`) resolves the clash.
use eventcore::{Command, CommandLogic};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent, state_name = PayFolded)]
struct Pay {
    #[stream(state = Account)]
    account: AccountId,
}

#[derive(Command)]
#[command(event = BankEvent)]
struct PayState {
    #[stream(state = Account)]
    account: AccountId,
}

impl CommandLogic for Pay {
    type Error = BankError;

    fn handle(&self, state: PayFolded, streams: &mut PayStreams<'_>) -> Result<(), BankError> {
        streams.account.emit(BankEvent::Withdrawn { amount: state.account.balance });
        Ok(())
    }
}

impl CommandLogic for PayState {
    type Error = BankError;

    fn handle(&self, state: PayStateState, streams: &mut PayStateStreams<'_>) -> Result<(), BankError> {
        streams.account.emit(BankEvent::Deposited { amount: state.account.balance });
        Ok(())
    }
}

fn assert_command<C: CommandLogic>() {}

fn main() {
    assert_command::<Pay>();
    assert_command::<PayState>();
}
