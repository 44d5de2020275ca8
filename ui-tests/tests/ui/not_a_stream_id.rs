use eventcore::{Command, StreamId};
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream]
    account: StreamId,
    #[stream]
    amount: u64,
}

fn main() {}
