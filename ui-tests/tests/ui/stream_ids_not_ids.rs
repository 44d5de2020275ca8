// `ids = f` must give stream ids.
use eventcore::{Command, CommandLogic, CommandState, RecordedEvent};
use eventcore_ui_tests::{BankError, BankEvent};

struct Line {
    quantity: u32,
}

#[derive(Command)]
#[command(event = BankEvent)]
struct Count {
    #[stream(ids = |line: &Line| line.quantity)]
    lines: Vec<Line>,
}

impl CommandState for Count {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, _: &mut (), _: &RecordedEvent<BankEvent>) {}
}

impl CommandLogic for Count {
    type Error = BankError;

    fn handle(&self, _: (), _: &mut CountStreams<'_>) -> Result<(), BankError> {
        Ok(())
    }
}

fn main() {}
