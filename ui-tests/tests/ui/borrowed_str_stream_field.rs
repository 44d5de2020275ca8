// Text is not a stream id, borrowed or not: the field is refused at the `&`.
use eventcore::Command;
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent)]
struct Open {
    #[stream]
    account: &'static str,
}

fn main() {}
