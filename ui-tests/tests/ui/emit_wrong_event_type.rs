use eventcore::{Command, CommandLogic};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent, ShopEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = Account)]
    account: AccountId,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(&self, _: DepositState, streams: &mut DepositStreams<'_>) -> Result<(), BankError> {
        streams.account.emit(ShopEvent::ItemAdded { product: "socks".into() });
        Ok(())
    }
}

fn main() {}
