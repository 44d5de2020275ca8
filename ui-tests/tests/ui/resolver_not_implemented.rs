use eventcore::Command;
use eventcore_ui_tests::{Account, AccountId, BankEvent};

#[derive(Command)]
#[command(event = BankEvent, resolver)]
struct Deposit {
    #[stream(state = Account)]
    account: AccountId,
}

fn main() {}
