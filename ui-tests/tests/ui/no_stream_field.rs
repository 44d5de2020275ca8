use eventcore::Command;
use eventcore_ui_tests::{AccountId, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    account: AccountId,
    amount: u64,
}

fn main() {}
