// An `Option` field: a handle and a state only when the id is present.
use eventcore::{Command, CommandLogic, StreamId};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct OpenAccount {
    #[stream(state = Account)]
    account: AccountId,
    #[stream(state = Account)]
    referrer: Option<AccountId>,
}

impl CommandLogic for OpenAccount {
    type Error = BankError;

    fn handle(&self, state: OpenAccountState, streams: &mut OpenAccountStreams<'_>) -> Result<(), BankError> {
        let _: Option<Account> = state.referrer;
        streams.account.emit(BankEvent::Deposited { amount: 10 });
        if let Some(referrer) = &mut streams.referrer {
            referrer.emit(BankEvent::Deposited { amount: 5 });
        }
        Ok(())
    }
}

fn main() {
    let account = AccountId(StreamId::try_new("account-1").unwrap());
    let command = OpenAccount { account, referrer: None };
    assert_eq!(command.declared_streams().len(), 1);
}
