// `#[command(crate = ..)]` and `#[event(crate = ..)]` for a renamed or
// re-exported `eventcore`.
use ::eventcore as core_events;
use core_events::{Command, CommandLogic, Event, StreamId};
use eventcore_ui_tests::{Account, BankError, BankEvent};

#[derive(Command)]
#[command(crate = core_events, event = BankEvent)]
struct Touch {
    #[stream(state = Account)]
    account: StreamId,
}

impl CommandLogic for Touch {
    type Error = BankError;

    fn handle(&self, _: TouchState, _: &mut TouchStreams<'_>) -> Result<(), BankError> {
        Ok(())
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
#[event(crate = core_events)]
enum Ping {
    Pinged,
}

fn main() {
    assert_eq!(<Ping as core_events::Event>::EVENT_TYPES, ["Pinged"]);
}
