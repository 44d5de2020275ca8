use eventcore::{Command, CommandState, RecordedEvent, StreamId, StreamResolver};
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent, resolver)]
struct Sweep {
    #[stream]
    discovered: StreamId,
}

impl CommandState for Sweep {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<BankEvent>) {}
}

impl StreamResolver for Sweep {
    fn resolve(&self, (): &()) -> Vec<StreamId> {
        Vec::new()
    }
}

fn main() {}
