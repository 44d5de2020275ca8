// A command whose own lifetime is named `'streams`: the derive picks a fresh
// name for the handles' lifetime instead of capturing or shadowing it.
use eventcore::{Command, CommandLogic, StreamId};
use eventcore_ui_tests::{Account, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit<'streams> {
    #[stream(state = Account)]
    account: StreamId,
    memo: &'streams str,
    amount: u64,
}

impl CommandLogic for Deposit<'static> {
    type Error = BankError;

    fn handle(&self, state: DepositState<'static>, streams: &mut DepositStreams<'_, 'static>) -> Result<(), BankError> {
        let _ = (state.account.balance, self.memo);
        streams.account.emit(BankEvent::Deposited { amount: self.amount });
        Ok(())
    }
}

fn assert_command<C: CommandLogic>() {}

fn main() {
    assert_command::<Deposit<'static>>();
}
