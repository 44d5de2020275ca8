// A generic field needs no bound on the struct: the derive bounds it by
// `CommandField` (`Send + Sync`) where the command is used.
use eventcore::{Command, CommandField, StreamId};
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent)]
struct Annotate<T> {
    #[stream]
    account: StreamId,
    note: T,
}

fn assert_command<C: Command>() {}
fn assert_field<T: CommandField>() {}

fn main() {
    assert_command::<Annotate<u64>>();
    assert_command::<Annotate<std::sync::Arc<str>>>();
    assert_field::<Annotate<String>>();
}
