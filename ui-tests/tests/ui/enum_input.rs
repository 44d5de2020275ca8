use eventcore::Command;
use eventcore_ui_tests::AccountId;

#[derive(Command)]
#[command(event = eventcore_ui_tests::BankEvent)]
enum Deposit {
    Small { #[stream] account: AccountId },
}

fn main() {}
