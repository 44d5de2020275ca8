// Schema versions run from 1 to i32::MAX; an alias is a stored name that
// decodes into one variant only; `upcasters` names a function.
use eventcore::Event;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
#[event(upcasters = 5)]
enum BankEvent {
    #[event(version = 0)]
    Opened,
    #[event(version = "2")]
    Deposited { amount: u64 },
    #[event(version = 3000000000)]
    Withdrawn { amount: u64 },
    #[event(alias = "Opened")]
    Closed,
    #[event(alias = "Frozen", alias = "")]
    Suspended,
    #[event(alias = "Frozen")]
    Blocked,
}

fn main() {}
