use std::collections::HashMap;

use eventcore::{Command, StreamId};
use eventcore_ui_tests::BankEvent;

#[derive(Command)]
#[command(event = BankEvent)]
struct Open {
    #[stream]
    name: String,
    #[stream]
    boxed: Box<StreamId>,
    #[stream]
    by_name: HashMap<String, StreamId>,
}

fn main() {}
