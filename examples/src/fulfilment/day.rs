use std::time::Duration;

use eventcore::{CommandError, CommandExecutor, StoreError, store::EventStore};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{
    FundWallet, Order, PlaceOrder, Restock, ShopError, SubmitPayment, inventory_stream,
    order_stream, wallet_stream,
};

/// How a customer behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Customer {
    /// Pays from a wallet that holds enough.
    Pays,
    /// Pays from a wallet that cannot cover the order: compensation.
    PaysShort,
    /// Never pays: the timeout cancels the order.
    NeverPays,
}

/// One order of the day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedOrder {
    /// The order.
    pub order: String,
    /// What it buys.
    pub sku: String,
    /// How many.
    pub quantity: u32,
    /// The price, in cents.
    pub amount_cents: u64,
    /// The paying wallet.
    pub wallet: String,
    /// What the customer does.
    pub customer: Customer,
}

/// A shop day: stock, wallets and orders, all named under one prefix so
/// several days can share a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    /// Each sku and the units it starts with.
    pub skus: Vec<(String, u32)>,
    /// Each wallet and the cents it starts with.
    pub wallets: Vec<(String, u64)>,
    /// The orders, in the order they are placed.
    pub orders: Vec<PlannedOrder>,
}

impl Day {
    /// `orders` orders over three skus (stocked for about two thirds of
    /// the demand, so some orders find no stock), from customers who mostly
    /// pay, some short, some never; the same `seed` gives the same day.
    #[must_use]
    pub fn plan(prefix: &str, orders: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let skus: Vec<String> = ["lamp", "chair", "desk"]
            .iter()
            .map(|s| format!("{prefix}-{s}"))
            .collect();
        let mut demand = vec![0_u32; skus.len()];
        let mut wallets = Vec::new();
        let mut planned = Vec::with_capacity(orders);
        for n in 0..orders {
            let which = rng.random_range(0..skus.len());
            let quantity = rng.random_range(1..=3);
            demand[which] += quantity;
            let amount_cents = u64::from(quantity) * 1_500;
            let customer = match rng.random_range(0..10) {
                0 | 1 => Customer::PaysShort,
                2 => Customer::NeverPays,
                _ => Customer::Pays,
            };
            let wallet = format!("{prefix}-customer-{n}");
            let funds = match customer {
                Customer::Pays => amount_cents * 3,
                Customer::PaysShort => amount_cents / 2,
                Customer::NeverPays => 0,
            };
            wallets.push((wallet.clone(), funds));
            planned.push(PlannedOrder {
                order: format!("{prefix}-{n}"),
                sku: skus[which].clone(),
                quantity,
                amount_cents,
                wallet,
                customer,
            });
        }
        let skus = skus
            .into_iter()
            .zip(demand)
            .map(|(sku, wanted)| (sku, wanted * 2 / 3))
            .collect();
        Self {
            skus,
            wallets,
            orders: planned,
        }
    }

    /// The order names.
    #[must_use]
    pub fn order_names(&self) -> Vec<String> {
        self.orders.iter().map(|o| o.order.clone()).collect()
    }

    /// The skus with their starting stock, as [`audit`](super::audit) takes them.
    #[must_use]
    pub fn stock(&self) -> Vec<(String, i64)> {
        self.skus
            .iter()
            .map(|(sku, units)| (sku.clone(), i64::from(*units)))
            .collect()
    }

    /// The wallet names.
    #[must_use]
    pub fn wallet_names(&self) -> Vec<String> {
        self.wallets.iter().map(|(w, _)| w.clone()).collect()
    }

    /// Stocks the shelves and funds the wallets.
    pub async fn open<S: EventStore>(&self, executor: &CommandExecutor<S>) -> Result<(), DayError> {
        for (sku, quantity) in &self.skus {
            let inventory = inventory_stream(sku)?;
            executor
                .execute(Restock {
                    inventory,
                    quantity: *quantity,
                })
                .await?;
        }
        for (wallet, cents) in &self.wallets {
            let wallet = wallet_stream(wallet)?;
            executor
                .execute(FundWallet {
                    wallet,
                    cents: *cents,
                })
                .await?;
        }
        Ok(())
    }

    /// Places every order and, for customers who pay, submits the payment
    /// once the stock is reserved (or gives up if the order closes first),
    /// from `tasks` concurrent customers' tasks.
    pub async fn shop<S: EventStore + Clone + 'static>(
        &self,
        executor: &CommandExecutor<S>,
        tasks: usize,
    ) -> Result<(), DayError> {
        let mut running = Vec::new();
        for chunk in self
            .orders
            .chunks(self.orders.len().div_ceil(tasks.max(1)).max(1))
        {
            let (executor, chunk) = (executor.clone(), chunk.to_vec());
            running.push(tokio::spawn(async move {
                for order in &chunk {
                    customer(&executor, order).await?;
                }
                Ok::<(), DayError>(())
            }));
        }
        for task in running {
            task.await.map_err(|e| DayError::Task(e.to_string()))??;
        }
        Ok(())
    }

    /// Waits until every order is shipped or cancelled, or `timeout`
    /// passes. Returns how many are still open.
    pub async fn wait_until_closed<S: EventStore>(
        &self,
        executor: &CommandExecutor<S>,
        timeout: Duration,
    ) -> Result<usize, DayError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut open = 0;
            for order in &self.orders {
                if order_state(executor, &order.order).await?.closed.is_none() {
                    open += 1;
                }
            }
            if open == 0 || tokio::time::Instant::now() >= deadline {
                return Ok(open);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What went wrong running a day.
#[derive(Debug, thiserror::Error)]
pub enum DayError {
    /// A command failed.
    #[error(transparent)]
    Command(#[from] CommandError<ShopError>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A name made no valid stream id.
    #[error(transparent)]
    Invalid(#[from] eventcore::ValidationError),
    /// A customer's task ended abnormally.
    #[error("a customer task ended abnormally: {0}")]
    Task(String),
    /// The order was never reserved nor closed.
    #[error("order {0} was neither reserved nor closed in time")]
    Stuck(String),
}

async fn order_state<S: EventStore>(
    executor: &CommandExecutor<S>,
    order: &str,
) -> Result<Order, DayError> {
    let events = super::audit::read(executor.store(), &order_stream(order)?).await?;
    let mut state = Order::default();
    for event in &events {
        eventcore::Fold::fold(&mut state, event);
    }
    Ok(state)
}

/// One customer: places the order, then pays as planned.
async fn customer<S: EventStore>(
    executor: &CommandExecutor<S>,
    planned: &PlannedOrder,
) -> Result<(), DayError> {
    let order_stream = order_stream(&planned.order)?;
    executor
        .execute(PlaceOrder {
            order_stream: order_stream.clone(),
            order: planned.order.clone(),
            sku: planned.sku.clone(),
            quantity: planned.quantity,
            amount_cents: planned.amount_cents,
            wallet: planned.wallet.clone(),
        })
        .await?;
    if planned.customer == Customer::NeverPays {
        return Ok(());
    }
    for _ in 0..600 {
        let submit = SubmitPayment {
            order_stream: order_stream.clone(),
            order: planned.order.clone(),
        };
        match executor.execute(submit).await {
            Ok(_)
            | Err(CommandError::Rejected(
                ShopError::OrderClosed(_) | ShopError::PaymentAlreadySubmitted(_),
            )) => return Ok(()),
            Err(CommandError::Rejected(ShopError::NotReserved(_))) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(DayError::Stuck(planned.order.clone()))
}
