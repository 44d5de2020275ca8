use eventcore::Command;
use eventcore_ui_tests::{Account, AccountId, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = Account)]
    #[stream]
    account: AccountId,
}

fn main() {}
