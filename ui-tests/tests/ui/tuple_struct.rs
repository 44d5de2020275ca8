use eventcore::Command;
use eventcore_ui_tests::AccountId;

#[derive(Command)]
#[command(event = eventcore_ui_tests::BankEvent)]
struct Deposit(#[stream] AccountId, u64);

fn main() {}
