use eventcore::Command;
use eventcore_ui_tests::{AccountId, BankEvent, NotAStreamId};

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = NotAStreamId)]
    account: AccountId,
}

fn main() {}
