use eventcore::Command;
use eventcore_ui_tests::{AccountId, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = 42)]
    account: AccountId,
}

fn main() {}
