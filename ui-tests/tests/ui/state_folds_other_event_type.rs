use eventcore::{Command, Fold, RecordedEvent};
use eventcore_ui_tests::{AccountId, ShopEvent};

#[derive(Default)]
struct Cart;

impl Fold<ShopEvent> for Cart {
    fn fold(&mut self, _: &RecordedEvent<ShopEvent>) {}
}

#[derive(Command)]
#[command(event = eventcore_ui_tests::BankEvent)]
struct Deposit {
    #[stream(state = Cart)]
    account: AccountId,
}

fn main() {}
