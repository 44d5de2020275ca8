use eventcore::Event;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
enum BankEvent {
    #[event(name = "Deposit")]
    Deposited { amount: u64 },
}

fn main() {}
