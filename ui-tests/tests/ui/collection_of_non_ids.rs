use eventcore::Command;
use eventcore_ui_tests::{BankEvent, NotAStreamId};

#[derive(Command)]
#[command(event = BankEvent)]
struct Audit {
    #[stream]
    accounts: Vec<NotAStreamId>,
}

fn main() {}
