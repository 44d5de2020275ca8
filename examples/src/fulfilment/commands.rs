use eventcore::{Command, CommandLogic, StreamId, emit, require};

use super::{CancelReason, Inventory, Order, Shipment, ShopEvent, Wallet};

/// Why the shop refused a command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShopError {
    /// The order was placed before.
    #[error("order {0} already exists")]
    OrderExists(String),
    /// The order was never placed.
    #[error("order {0} does not exist")]
    OrderNotFound(String),
    /// The order is shipped or cancelled.
    #[error("order {0} is closed")]
    OrderClosed(String),
    /// The order's stock is not reserved yet, so it cannot be paid.
    #[error("order {0} has no stock reserved yet")]
    NotReserved(String),
    /// A payment was already submitted for the order.
    #[error("a payment for order {0} was already submitted")]
    PaymentAlreadySubmitted(String),
    /// Not enough stock.
    #[error("{available} in stock, {requested} requested")]
    OutOfStock {
        /// On the shelf.
        available: i64,
        /// Asked for.
        requested: u32,
    },
    /// The wallet cannot pay.
    #[error("the wallet holds {balance} cents, the order costs {amount}")]
    InsufficientFunds {
        /// In the wallet.
        balance: u64,
        /// The price.
        amount: u64,
    },
    /// The order is paid: it is shipped, never cancelled.
    #[error("order {0} is paid")]
    AlreadyPaid(String),
    /// The order is not paid, so it does not ship.
    #[error("order {0} is not paid")]
    NotPaid(String),
}

/// Puts stock on the shelf.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct Restock {
    /// The sku's inventory stream.
    #[stream(state = Inventory)]
    pub inventory: StreamId,
    /// How many.
    pub quantity: u32,
}

impl CommandLogic for Restock {
    type Error = ShopError;

    fn handle(&self, _: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        emit!(
            streams.inventory,
            ShopEvent::Restocked {
                quantity: self.quantity
            }
        );
        Ok(())
    }
}

/// Puts money in a wallet.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct FundWallet {
    /// The wallet's stream.
    #[stream(state = Wallet)]
    pub wallet: StreamId,
    /// How much, in cents.
    pub cents: u64,
}

impl CommandLogic for FundWallet {
    type Error = ShopError;

    fn handle(&self, _: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        emit!(
            streams.wallet,
            ShopEvent::WalletFunded { cents: self.cents }
        );
        Ok(())
    }
}

/// A customer places an order.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct PlaceOrder {
    /// The order's stream.
    #[stream(state = Order)]
    pub order_stream: StreamId,
    /// The order.
    pub order: String,
    /// What it buys.
    pub sku: String,
    /// How many.
    pub quantity: u32,
    /// The price, in cents.
    pub amount_cents: u64,
    /// Who pays.
    pub wallet: String,
}

impl CommandLogic for PlaceOrder {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        require!(
            state.order_stream.placed.is_none(),
            ShopError::OrderExists(self.order.clone())
        );
        emit!(
            streams.order_stream,
            ShopEvent::OrderPlaced {
                order: self.order.clone(),
                sku: self.sku.clone(),
                quantity: self.quantity,
                amount_cents: self.amount_cents,
                wallet: self.wallet.clone(),
            }
        );
        Ok(())
    }
}

/// The customer pays for a reserved order (the process charges the wallet).
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct SubmitPayment {
    /// The order's stream.
    #[stream(state = Order)]
    pub order_stream: StreamId,
    /// The order.
    pub order: String,
}

impl CommandLogic for SubmitPayment {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        let order = &state.order_stream;
        let Some((sku, _, _, wallet)) = &order.placed else {
            return Err(ShopError::OrderNotFound(self.order.clone()));
        };
        require!(
            order.closed.is_none(),
            ShopError::OrderClosed(self.order.clone())
        );
        require!(order.reserved, ShopError::NotReserved(self.order.clone()));
        require!(
            !order.payment_submitted,
            ShopError::PaymentAlreadySubmitted(self.order.clone())
        );
        emit!(
            streams.order_stream,
            ShopEvent::PaymentSubmitted {
                order: self.order.clone(),
                wallet: wallet.clone(),
                sku: sku.clone(),
            }
        );
        Ok(())
    }
}

/// Sets stock aside for an open order, on the order and the inventory at
/// once. Reserving again is a no-op.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct ReserveStock {
    /// The order's stream.
    #[stream(state = Order)]
    pub order_stream: StreamId,
    /// The sku's inventory stream.
    #[stream(state = Inventory)]
    pub inventory: StreamId,
    /// The order.
    pub order: String,
    /// How many.
    pub quantity: u32,
}

impl CommandLogic for ReserveStock {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        require!(
            state.order_stream.closed.is_none(),
            ShopError::OrderClosed(self.order.clone())
        );
        if state.order_stream.reserved {
            return Ok(());
        }
        require!(
            state.inventory.available >= i64::from(self.quantity),
            ShopError::OutOfStock {
                available: state.inventory.available,
                requested: self.quantity,
            }
        );
        emit!(
            streams.inventory,
            ShopEvent::StockReserved {
                order: self.order.clone(),
                quantity: self.quantity,
            }
        );
        emit!(
            streams.order_stream,
            ShopEvent::ItemsReserved {
                order: self.order.clone()
            }
        );
        Ok(())
    }
}

/// Charges the wallet for an open order and marks it paid, at once.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct ChargePayment {
    /// The order's stream.
    #[stream(state = Order)]
    pub order_stream: StreamId,
    /// The paying wallet's stream.
    #[stream(state = Wallet)]
    pub wallet: StreamId,
    /// The order.
    pub order: String,
}

impl CommandLogic for ChargePayment {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        let order = &state.order_stream;
        let Some((_, _, amount, _)) = &order.placed else {
            return Err(ShopError::OrderNotFound(self.order.clone()));
        };
        // Like a payment provider's charge, this charges whenever it is
        // asked to: the process's idempotency key is what keeps a payment
        // delivered twice from being charged twice.
        require!(
            order.closed.is_none(),
            ShopError::OrderClosed(self.order.clone())
        );
        require!(
            state.wallet.balance >= *amount,
            ShopError::InsufficientFunds {
                balance: state.wallet.balance,
                amount: *amount,
            }
        );
        emit!(
            streams.wallet,
            ShopEvent::Charged {
                order: self.order.clone(),
                cents: *amount,
            }
        );
        emit!(
            streams.order_stream,
            ShopEvent::OrderPaid {
                order: self.order.clone()
            }
        );
        Ok(())
    }
}

/// Cancels an unpaid order and releases its reservation, at once.
/// Cancelling a closed order is a no-op; a paid order is refused.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct CancelOrder {
    /// The order's stream.
    #[stream(state = Order)]
    pub order_stream: StreamId,
    /// The sku's inventory stream.
    #[stream(state = Inventory)]
    pub inventory: StreamId,
    /// The order.
    pub order: String,
    /// Why.
    pub reason: CancelReason,
}

impl CommandLogic for CancelOrder {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        if state.order_stream.closed.is_some() {
            return Ok(());
        }
        require!(
            !state.order_stream.paid,
            ShopError::AlreadyPaid(self.order.clone())
        );
        emit!(
            streams.order_stream,
            ShopEvent::OrderCancelled {
                order: self.order.clone(),
                reason: self.reason,
            }
        );
        if let Some(quantity) = state.inventory.reserved.get(&self.order) {
            emit!(
                streams.inventory,
                ShopEvent::StockReleased {
                    order: self.order.clone(),
                    quantity: *quantity,
                }
            );
        }
        Ok(())
    }
}

/// Ships a paid order. Shipping a closed order again is a no-op.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct ShipOrder {
    /// The order's stream.
    #[stream(state = Order)]
    pub order_stream: StreamId,
    /// The order's shipment stream.
    #[stream(state = Shipment)]
    pub shipment: StreamId,
    /// The order.
    pub order: String,
}

impl CommandLogic for ShipOrder {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        if state.order_stream.closed.is_some() {
            return Ok(());
        }
        require!(
            state.order_stream.paid,
            ShopError::NotPaid(self.order.clone())
        );
        emit!(
            streams.shipment,
            ShopEvent::ShipmentCreated {
                order: self.order.clone()
            }
        );
        emit!(
            streams.order_stream,
            ShopEvent::OrderShipped {
                order: self.order.clone()
            }
        );
        Ok(())
    }
}
