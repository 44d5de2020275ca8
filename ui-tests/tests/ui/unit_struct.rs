use eventcore::Command;

#[derive(Command)]
#[command(event = eventcore_ui_tests::BankEvent)]
struct Ping;

fn main() {}
