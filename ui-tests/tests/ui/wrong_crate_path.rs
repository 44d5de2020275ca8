use eventcore::StreamId;
use eventcore_ui_tests::BankEvent;

#[derive(eventcore::Command)]
#[command(event = BankEvent, crate = not_eventcore)]
struct Deposit {
    #[stream]
    account: StreamId,
}

fn main() {}
