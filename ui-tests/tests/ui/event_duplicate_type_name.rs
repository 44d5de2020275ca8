use eventcore::Event;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
enum BankEvent {
    Deposited { amount: u64 },
    #[event(rename = "Deposited")]
    Credited { amount: u64 },
}

fn main() {}
