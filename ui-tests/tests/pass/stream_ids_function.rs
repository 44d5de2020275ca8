// `#[stream(ids = f)]`: a field that is not an id names its streams
// through a function of its items (order lines, each naming a product).
use eventcore::{Command, CommandLogic, StreamId};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Clone)]
struct Line {
    account: AccountId,
    amount: u64,
}

impl Line {
    fn account(&self) -> AccountId {
        self.account.clone()
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
struct PayLines {
    #[stream(state = Account, ids = Line::account)]
    lines: Vec<Line>,
    #[stream(ids = |id: &StreamId| id.clone())]
    audit: Option<StreamId>,
}

impl CommandLogic for PayLines {
    type Error = BankError;

    fn handle(&self, state: PayLinesState, streams: &mut PayLinesStreams<'_>) -> Result<(), BankError> {
        for line in &self.lines {
            let _: Option<&Account> = state.lines.get(&line.account);
            if let Some(handle) = streams.lines.get_mut(&line.account) {
                handle.emit(BankEvent::Deposited { amount: line.amount });
            }
        }
        let _ = streams.audit.len();
        Ok(())
    }
}

fn id(name: &str) -> StreamId {
    StreamId::try_new(name).unwrap()
}

fn main() {
    let line = |name: &str, amount| Line { account: AccountId(id(name)), amount };
    let command = PayLines {
        lines: vec![line("a", 1), line("b", 2), line("a", 3)],
        audit: Some(id("audit")),
    };
    let declared = command.declared_streams();
    let names: Vec<&str> = declared.iter().map(StreamId::as_str).collect();
    assert_eq!(names, ["a", "b", "audit"]);
}
