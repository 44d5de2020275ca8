// Handles live only while `handle` runs: they cannot be kept.
use std::cell::RefCell;

use eventcore::{Command, CommandLogic, StreamHandle};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

thread_local! {
    static KEPT: RefCell<Option<StreamHandle<'static, Deposit>>> = const { RefCell::new(None) };
}

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = Account)]
    account: AccountId,
    #[stream(state = Account)]
    other: AccountId,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(&self, _: DepositState, streams: &mut DepositStreams<'_>) -> Result<(), BankError> {
        let other = std::mem::replace(&mut streams.other, todo_handle());
        KEPT.with(|kept| *kept.borrow_mut() = Some(other));
        Ok(())
    }
}

fn todo_handle() -> StreamHandle<'static, Deposit> {
    loop {}
}

fn main() {}
