// Two streams written atomically; the handles struct has one handle each.
use eventcore::{Command, CommandLogic, emit, require};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct TransferMoney {
    #[stream(state = Account)]
    from: AccountId,
    #[stream(state = Account)]
    to: AccountId,
    amount: u64,
}

impl CommandLogic for TransferMoney {
    type Error = BankError;

    fn handle(
        &self,
        state: TransferMoneyState,
        streams: &mut TransferMoneyStreams<'_>,
    ) -> Result<(), BankError> {
        require!(state.from.balance >= self.amount, BankError::InsufficientFunds);
        emit!(streams.from, BankEvent::Withdrawn { amount: self.amount });
        streams.to.emit(BankEvent::Deposited { amount: self.amount });
        Ok(())
    }
}

fn main() {}
