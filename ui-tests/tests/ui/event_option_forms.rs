// `#[event(..)]` options in the wrong form: each error names the option,
// the form it takes and an example.
use eventcore::Event;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
enum BankEvent {
    #[event(rename)]
    Opened,
    #[event(rename = 5)]
    Deposited { amount: u64 },
    #[event(rename("Withdrawal"))]
    Withdrawn { amount: u64 },
}

fn main() {}
