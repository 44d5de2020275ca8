use eventcore::Command;
use eventcore_ui_tests::{AccountId, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(stat = eventcore_ui_tests::Account)]
    account: AccountId,
}

fn main() {}
