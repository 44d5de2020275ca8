// A generic `#[stream]` field is bounded where the command is used: a type
// argument that is not a stream id is reported there, once.
use eventcore::{Command, StreamId};
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent)]
struct Open<Id> {
    #[stream]
    account: Id,
}

fn assert_command<C: Command>() {}

fn main() {
    assert_command::<Open<StreamId>>();
    assert_command::<Open<u64>>();
}
