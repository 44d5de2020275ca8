// Generic commands work: bounds on `#[stream]` field types are inferred.
use eventcore::{Command, CommandLogic, StreamId};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit<Id: Send + Sync, const N: usize> {
    #[stream(state = Account)]
    account: Id,
    #[stream]
    audit: [StreamId; N],
    amount: u64,
}

impl<Id, const N: usize> CommandLogic for Deposit<Id, N>
where
    Id: Clone + Into<StreamId> + Send + Sync,
{
    type Error = BankError;

    fn handle(&self, state: DepositState<Id, N>, streams: &mut DepositStreams<'_, Id, N>) -> Result<(), BankError> {
        let _ = state.account.balance;
        streams.account.emit(BankEvent::Deposited { amount: self.amount });
        Ok(())
    }
}

fn assert_command<C: CommandLogic>() {}

fn main() {
    assert_command::<Deposit<AccountId, 1>>();
    assert_command::<Deposit<StreamId, 0>>();
}
