use eventcore::{Command, StreamId};
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent)]
struct Open<'a> {
    #[stream]
    account: &'a StreamId,
}

fn main() {}
