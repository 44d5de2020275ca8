// A domain newtype is a stream id once `StreamId: From<it>`.
use eventcore::{Command, CommandLogic, StreamId};
use eventcore_ui_tests::{Account, BankError, BankEvent};

#[derive(Clone)]
struct CustomerId(StreamId);

impl From<CustomerId> for StreamId {
    fn from(id: CustomerId) -> Self {
        id.0
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
struct Reward {
    #[stream(state = Account)]
    customer: CustomerId,
}

impl CommandLogic for Reward {
    type Error = BankError;

    fn handle(&self, _: RewardState, streams: &mut RewardStreams<'_>) -> Result<(), BankError> {
        streams.customer.emit(BankEvent::Deposited { amount: 1 });
        Ok(())
    }
}

fn main() {}
