use eventcore::Command;

#[derive(Command)]
#[command(event = eventcore_ui_tests::BankEvent)]
union Deposit {
    amount: u64,
}

fn main() {}
