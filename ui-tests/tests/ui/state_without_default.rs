// A stream state starts from `Default`: a state without it is reported at
// the user's `Fold` impl, once.
use eventcore::{Command, Fold, RecordedEvent};
use eventcore_ui_tests::{AccountId, BankEvent};

struct Balance(u64);

impl Fold<BankEvent> for Balance {
    fn fold(&mut self, _: &RecordedEvent<BankEvent>) {
        self.0 += 1;
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
struct Deposit {
    #[stream(state = Balance)]
    account: AccountId,
}

fn main() {}
