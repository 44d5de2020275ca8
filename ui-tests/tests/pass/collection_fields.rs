// Collection fields: `Vec`, `HashSet`, arrays. Duplicate ids collapse.
use std::collections::HashSet;

use eventcore::{Command, CommandLogic, StreamId};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct PayInterest {
    #[stream(state = Account)]
    accounts: Vec<AccountId>,
    #[stream]
    audit: HashSet<StreamId>,
    #[stream]
    pair: [StreamId; 2],
}

impl CommandLogic for PayInterest {
    type Error = BankError;

    fn handle(&self, state: PayInterestState, streams: &mut PayInterestStreams<'_>) -> Result<(), BankError> {
        for (_, account) in &state.accounts {
            let _: &Account = account;
        }
        for handle in &mut streams.accounts {
            handle.emit(BankEvent::Deposited { amount: 1 });
        }
        if let Some(first) = self.accounts.first() {
            let _: Option<&Account> = state.accounts.get(first);
            if let Some(handle) = streams.accounts.get_mut(first) {
                handle.emit(BankEvent::Deposited { amount: 1 });
            }
        }
        let _ = streams.audit.len() + streams.pair.len();
        Ok(())
    }
}

fn id(name: &str) -> StreamId {
    StreamId::try_new(name).unwrap()
}

fn main() {
    let command = PayInterest {
        accounts: vec![AccountId(id("a")), AccountId(id("b")), AccountId(id("a"))],
        audit: HashSet::from([id("audit")]),
        pair: [id("a"), id("c")],
    };
    let declared = command.declared_streams();
    let names: Vec<&str> = declared.iter().map(StreamId::as_str).collect();
    assert_eq!(names, ["a", "b", "audit", "c"]);
}
