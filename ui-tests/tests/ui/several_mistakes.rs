// Every mistake is reported in one build.
use eventcore::Command;
use eventcore_ui_tests::{Account, AccountId};

#[derive(Command)]
#[command(evnt = eventcore_ui_tests::BankEvent, resolver)]
struct Deposit {
    #[stream(stat = eventcore_ui_tests::Account)]
    account: AccountId,
    #[stream(state = Account)]
    #[stream]
    discovered: AccountId,
}

fn main() {}
