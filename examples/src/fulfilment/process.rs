use std::time::Duration;

use eventcore::{
    CommandError, EventSerializer, RecordedEvent, StoreError, ValidationError,
    process::{Commands, ProcessManager, ScheduleHandler},
    store::{EventStore, ScheduleStore, ScheduledMessage},
};
use serde::{Deserialize, Serialize};

use super::{
    CancelOrder, CancelReason, ChargePayment, ReserveStock, ShipOrder, ShopError, ShopEvent,
    inventory_stream, order_stream, shipment_stream, wallet_stream,
};

/// The queue of payment timeouts.
pub const PAYMENT_TIMEOUTS: &str = "payment-timeouts";

/// What the process or its timer failed with (the runner retries it; the
/// commands already written replay).
#[derive(Debug, thiserror::Error)]
pub enum FulfilmentError {
    /// A command failed for another reason than a rejection.
    #[error(transparent)]
    Command(#[from] CommandError<ShopError>),
    /// Scheduling a timeout failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An id did not make a valid stream id.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A timeout's payload did not decode.
    #[error("payment timeout payload: {0}")]
    Payload(#[from] serde_json::Error),
}

/// What a payment timeout carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTimeout {
    /// The order.
    pub order: String,
    /// What it reserved.
    pub sku: String,
}

/// The order fulfilment process:
///
/// - an order placed gets its stock reserved, and a payment timeout is
///   scheduled; no stock cancels it (`OutOfStock`);
/// - a payment submitted is charged to the wallet; a wallet that cannot
///   pay cancels the order and releases its stock (`PaymentDeclined`);
/// - a paid order is shipped.
///
/// Every step is a command that reads the order's stream, so a step that
/// comes too late (a payment after the timeout cancelled the order) is
/// refused by the domain, and the process lets it be.
#[derive(Clone, Debug)]
pub struct Fulfilment {
    payment_window: Duration,
}

impl Fulfilment {
    /// The process, cancelling orders not paid within `payment_window` of
    /// being placed.
    #[must_use]
    pub const fn new(payment_window: Duration) -> Self {
        Self { payment_window }
    }
}

/// Whether `result` was refused by the domain, which the process lets be.
fn refused<T>(
    result: Result<T, CommandError<ShopError>>,
) -> Result<Option<ShopError>, FulfilmentError> {
    match result {
        Ok(_) => Ok(None),
        Err(CommandError::Rejected(why)) => Ok(Some(why)),
        Err(other) => Err(other.into()),
    }
}

impl ProcessManager for Fulfilment {
    type Event = ShopEvent;
    type Error = FulfilmentError;

    fn name(&self) -> &'static str {
        "order-fulfilment"
    }

    async fn react<S: EventStore + ScheduleStore, Ser: EventSerializer>(
        &mut self,
        event: &RecordedEvent<ShopEvent>,
        commands: &mut Commands<'_, S, Ser>,
    ) -> Result<(), FulfilmentError> {
        match event.payload() {
            ShopEvent::OrderPlaced {
                order,
                sku,
                quantity,
                ..
            } => {
                let reserve = ReserveStock {
                    order_stream: order_stream(order)?,
                    inventory: inventory_stream(sku)?,
                    order: order.clone(),
                    quantity: *quantity,
                };
                match refused(commands.execute(reserve).await)? {
                    None => {
                        let timeout = PaymentTimeout {
                            order: order.clone(),
                            sku: sku.clone(),
                        };
                        let payload = serde_json::to_value(timeout)?;
                        commands
                            .schedule_after(PAYMENT_TIMEOUTS, self.payment_window, payload)
                            .await?;
                    }
                    Some(ShopError::OutOfStock { .. }) => {
                        let cancel = CancelOrder {
                            order_stream: order_stream(order)?,
                            inventory: inventory_stream(sku)?,
                            order: order.clone(),
                            reason: CancelReason::OutOfStock,
                        };
                        refused(commands.execute(cancel).await)?;
                    }
                    Some(_) => {}
                }
            }
            ShopEvent::PaymentSubmitted { order, wallet, sku } => {
                let charge = ChargePayment {
                    order_stream: order_stream(order)?,
                    wallet: wallet_stream(wallet)?,
                    order: order.clone(),
                };
                if let Some(ShopError::InsufficientFunds { .. }) =
                    refused(commands.execute(charge).await)?
                {
                    // Compensation: the stock goes back on the shelf.
                    let cancel = CancelOrder {
                        order_stream: order_stream(order)?,
                        inventory: inventory_stream(sku)?,
                        order: order.clone(),
                        reason: CancelReason::PaymentDeclined,
                    };
                    refused(commands.execute(cancel).await)?;
                }
            }
            ShopEvent::OrderPaid { order } => {
                let ship = ShipOrder {
                    order_stream: order_stream(order)?,
                    shipment: shipment_stream(order)?,
                    order: order.clone(),
                };
                refused(commands.execute(ship).await)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Fires payment timeouts: cancels the order unless it was paid (a paid
/// order refuses the cancellation, and nothing happens).
#[derive(Clone, Copy, Debug, Default)]
pub struct PaymentTimeouts;

impl ScheduleHandler for PaymentTimeouts {
    type Error = FulfilmentError;

    fn queue(&self) -> &'static str {
        PAYMENT_TIMEOUTS
    }

    async fn fire<S: EventStore + ScheduleStore, Ser: EventSerializer>(
        &mut self,
        message: &ScheduledMessage,
        commands: &mut Commands<'_, S, Ser>,
    ) -> Result<(), FulfilmentError> {
        let timeout: PaymentTimeout = serde_json::from_value(message.payload().clone())?;
        let cancel = CancelOrder {
            order_stream: order_stream(&timeout.order)?,
            inventory: inventory_stream(&timeout.sku)?,
            order: timeout.order.clone(),
            reason: CancelReason::PaymentTimeout,
        };
        refused(commands.execute(cancel).await)?;
        Ok(())
    }
}
