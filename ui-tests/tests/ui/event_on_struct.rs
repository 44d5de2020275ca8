use eventcore::Event;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
struct Deposited {
    amount: u64,
}

fn main() {}
