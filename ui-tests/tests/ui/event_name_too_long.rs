// Event type names are stored with every event: their length is bounded.
use eventcore::Event;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
enum BankEvent {
    #[event(rename = "AccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpenedAccountOpened")]
    Opened,
}

fn main() {}
