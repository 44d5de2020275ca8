// Commands are shared between threads: a field that is not `Send + Sync`
// is reported once, at the field's type.
use std::rc::Rc;

use eventcore::{Command, StreamId};
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream]
    account: StreamId,
    note: Rc<str>,
}

fn main() {}
