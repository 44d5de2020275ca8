use eventcore::Command;
use eventcore_ui_tests::AccountId;

#[derive(Command)]
struct Deposit {
    #[stream]
    account: AccountId,
}

fn main() {}
