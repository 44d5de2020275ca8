// The smallest command: one stream, generated state.
use eventcore::{Command, CommandLogic, StreamId, emit, require};
use eventcore_ui_tests::{Account, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Withdraw {
    #[stream(state = Account)]
    account: StreamId,
    amount: u64,
}

impl CommandLogic for Withdraw {
    type Error = BankError;

    fn handle(&self, state: WithdrawState, streams: &mut WithdrawStreams<'_>) -> Result<(), BankError> {
        require!(state.account.balance >= self.amount, BankError::InsufficientFunds);
        emit!(streams.account, BankEvent::Withdrawn { amount: self.amount });
        Ok(())
    }
}

fn main() {
    let _ = Withdraw { account: StreamId::try_new("account-1").unwrap(), amount: 5 };
}
