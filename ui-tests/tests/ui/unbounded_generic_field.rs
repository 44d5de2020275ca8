// A generic field is bounded by `Send + Sync` where the command is used: a
// type that is not is reported once, at the use.
use std::rc::Rc;

use eventcore::{Command, StreamId};
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit<T> {
    #[stream]
    account: StreamId,
    note: T,
}

fn assert_command<C: Command>() {}

fn main() {
    assert_command::<Deposit<u64>>();
    assert_command::<Deposit<Rc<str>>>();
}
