use eventcore::Command;
use eventcore_ui_tests::{Account, AccountId, BankEvent};

/// A type of the user's own that happens to have a generated name.
struct OpenState;

#[derive(Command)]
#[command(event = BankEvent)]
struct Open {
    #[stream(state = Account)]
    account: AccountId,
}

fn main() {
    let _ = OpenState;
}
