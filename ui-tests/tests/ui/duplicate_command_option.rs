use eventcore::Command;
use eventcore_ui_tests::AccountId;

#[derive(Command)]
#[command(event = eventcore_ui_tests::BankEvent, event = eventcore_ui_tests::ShopEvent)]
struct Deposit {
    #[stream]
    account: AccountId,
}

fn main() {}
