// A command may borrow data that is not a stream id for as long as it lives.
use eventcore::{Command, CommandLogic};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit<'a> {
    #[stream(state = Account)]
    account: AccountId,
    memo: &'a str,
}

impl CommandLogic for Deposit<'_> {
    type Error = BankError;

    fn handle(&self, state: DepositState<'_>, streams: &mut DepositStreams<'_, '_>) -> Result<(), BankError> {
        let _ = state.account.balance;
        streams.account.emit(BankEvent::Deposited { amount: self.memo.len() as u64 });
        Ok(())
    }
}

fn assert_command<C: Command>() {}

fn main() {
    assert_command::<Deposit<'static>>();
}
