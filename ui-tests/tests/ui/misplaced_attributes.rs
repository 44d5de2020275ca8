use eventcore::Command;
use eventcore_ui_tests::{AccountId, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
#[stream]
struct Deposit {
    #[stream]
    #[command(event = BankEvent)]
    account: AccountId,
}

fn main() {}
