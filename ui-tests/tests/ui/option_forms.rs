use eventcore::Command;
use eventcore_ui_tests::AccountId;

#[derive(Command)]
#[command(event, resolver = true)]
struct Deposit {
    #[stream(state)]
    account: AccountId,
}

#[derive(Command)]
#[command(event = 5, crate, state_name = a::b)]
struct Withdraw {
    #[stream(state = 7)]
    account: AccountId,
}

fn main() {}
