//! A day in the e-commerce shop on the in-memory store: the warehouse
//! restocks, eight customers place orders at once (each order reserving
//! stock on all of its products, or on none), some change their minds and
//! cancel while the warehouse ships, and the inventory projection, read
//! from its `ReadModel`, is printed and checked against every product's
//! stream.
//!
//! `cargo run -p eventcore-examples --bin shop`

use std::{error::Error, process::ExitCode, time::Duration};

use eventcore::{
    CommandError, CommandExecutor, RetryPolicy,
    projection::{ProjectionRunner, ReadModel, RunnerConfig},
    store::EventStore,
};
use eventcore_examples::ecommerce::{
    CancelOrder, Inventory, OrderId, OrderLine, PlaceOrder, Price, ProductEvent, ProductId,
    Quantity, RestockProduct, ShipOrder, ShopError, Stock,
};
use eventcore_memory::MemoryStore;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};

/// The catalogue: each product, its morning delivery and its price.
const CATALOGUE: [(&str, i64, i64); 4] = [
    ("desk-lamp", 90, 2_499),
    ("oak-desk", 30, 34_900),
    ("office-chair", 70, 15_950),
    ("bookshelf", 50, 8_900),
];
const CUSTOMERS: u64 = 8;
const ORDERS_PER_CUSTOMER: usize = 15;

type ShopResult<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;
type Executor = CommandExecutor<MemoryStore>;

#[tokio::main]
async fn main() -> ExitCode {
    match day().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("shop: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What the customers did: their open orders, and how many were refused.
#[derive(Default)]
struct Orders {
    open: Vec<OrderId>,
    placed: usize,
    refused: usize,
    cancelled: usize,
    retries: u32,
}

async fn day() -> ShopResult {
    println!("EventCore shop day on the in-memory store");
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone()).retry_policy(
        RetryPolicy::new()
            .with_max_attempts(100)
            .max_delay(Duration::from_millis(20)),
    );
    let inventory = ReadModel::new(Inventory::new());
    let runner =
        ProjectionRunner::new(store.clone(), inventory.clone(), RunnerConfig::default()).start();

    let mut catalogue = Vec::new();
    for (name, units, cents) in CATALOGUE {
        let (product, quantity) = (ProductId::try_new(name)?, Quantity::try_new(units)?);
        executor
            .execute(RestockProduct {
                product: product.clone(),
                quantity,
            })
            .await?;
        println!("restocked {quantity:>3} x {product}");
        catalogue.push((product, Price::try_from_cents(cents)?));
    }

    let orders = customers(&executor, &catalogue).await?;
    println!(
        "{CUSTOMERS} customers at once: {} orders placed, {} refused for lack of stock (an order short of one product reserves none), {} cancelled by their customer; version conflicts retried: {}",
        orders.placed, orders.refused, orders.cancelled, orders.retries
    );
    close_of_day(&executor, &orders.open).await?;

    let head = store.head_position().await?;
    let caught_up = runner
        .wait_for_position(head, Duration::from_secs(10))
        .await;
    let checked = report(&executor, &inventory, &catalogue).await;
    runner.shutdown().await?;
    if !caught_up {
        return Err("the inventory projection did not catch up within 10 s".into());
    }
    checked
}

/// Runs the customers at once; each places orders of one to three random
/// products and cancels about one in five.
async fn customers(executor: &Executor, catalogue: &[(ProductId, Price)]) -> ShopResult<Orders> {
    let mut tasks = Vec::new();
    for customer in 0..CUSTOMERS {
        let (executor, catalogue) = (executor.clone(), catalogue.to_vec());
        tasks.push(tokio::spawn(async move {
            shop(customer, &executor, &catalogue).await
        }));
    }
    let mut all = Orders::default();
    for task in tasks {
        let orders = task.await??;
        all.open.extend(orders.open);
        all.placed += orders.placed;
        all.refused += orders.refused;
        all.cancelled += orders.cancelled;
        all.retries += orders.retries;
    }
    Ok(all)
}

async fn shop(
    customer: u64,
    executor: &Executor,
    catalogue: &[(ProductId, Price)],
) -> ShopResult<Orders> {
    let mut rng = StdRng::seed_from_u64(customer);
    let mut orders = Orders::default();
    for n in 0..ORDERS_PER_CUSTOMER {
        let mut chosen = catalogue.to_vec();
        chosen.shuffle(&mut rng);
        chosen.truncate(rng.random_range(1..=3));
        let mut lines = Vec::new();
        for (product, price) in chosen {
            let quantity = Quantity::try_new(rng.random_range(1..=3))?;
            lines.push(OrderLine::new(product, quantity, price));
        }
        let order = OrderId::try_new(format!("c{customer}-{n}"))?;
        match executor
            .execute(PlaceOrder::new(order.clone(), lines)?)
            .await
        {
            Ok(done) => {
                orders.placed += 1;
                orders.retries += done.attempts.saturating_sub(1);
            }
            Err(CommandError::Rejected(ShopError::InsufficientStock { .. })) => {
                orders.refused += 1;
                continue;
            }
            Err(other) => return Err(other.into()),
        }
        if rng.random_ratio(1, 5) {
            executor.execute(CancelOrder { order }).await?;
            orders.cancelled += 1;
        } else {
            orders.open.push(order);
        }
    }
    Ok(orders)
}

/// The warehouse ships two open orders in three while customers cancel one
/// in four: where both go for the same order, one of them is refused.
async fn close_of_day(executor: &Executor, open: &[OrderId]) -> ShopResult {
    let to_ship: Vec<OrderId> = open
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 0)
        .map(|(_, order)| order.clone())
        .collect();
    let to_cancel: Vec<OrderId> = open.iter().step_by(4).cloned().collect();
    let warehouse = {
        let executor = executor.clone();
        tokio::spawn(async move {
            let mut outcomes = (0, 0);
            for order in to_ship {
                match executor.execute(ShipOrder { order }).await {
                    Ok(_) => outcomes.0 += 1,
                    Err(CommandError::Rejected(ShopError::OrderCancelled(_))) => outcomes.1 += 1,
                    Err(other) => return Err(other),
                }
            }
            Ok(outcomes)
        })
    };
    let mut cancelled = (0, 0);
    for order in to_cancel {
        match executor.execute(CancelOrder { order }).await {
            Ok(_) => cancelled.0 += 1,
            Err(CommandError::Rejected(ShopError::OrderShipped(_))) => cancelled.1 += 1,
            Err(other) => return Err(other.into()),
        }
    }
    let shipped = warehouse.await??;
    println!(
        "close of day: {} orders shipped ({} were cancelled first), {} more cancelled ({} had shipped first), {} left open",
        shipped.0,
        shipped.1,
        cancelled.0,
        cancelled.1,
        open.len() - shipped.0 - cancelled.0
    );
    Ok(())
}

/// Prints the inventory from the projection and checks every row against
/// the product's stream, folded by `executor.load`.
async fn report(
    executor: &Executor,
    inventory: &ReadModel<Inventory>,
    catalogue: &[(ProductId, Price)],
) -> ShopResult {
    println!(
        "\n{:<14} {:>9} {:>9} {:>9} {:>9}   stream",
        "product", "restocked", "available", "reserved", "shipped"
    );
    for (product, _) in catalogue {
        let projected = inventory
            .read(|i| i.stock(product))
            .await
            .unwrap_or_default();
        let folded: Stock = executor
            .load::<_, ProductEvent>(product.stream_id())
            .await?;
        let agrees = if projected == folded {
            "agrees"
        } else {
            "DIFFERS"
        };
        println!(
            "{:<14} {:>9} {:>9} {:>9} {:>9}   {agrees}",
            product.as_str(),
            projected.restocked,
            projected.available,
            projected.reserved,
            projected.shipped
        );
        if projected != folded {
            return Err(format!(
                "the inventory shows {projected:?} for {product}, its stream {folded:?}"
            )
            .into());
        }
        if !folded.is_conserved() {
            return Err(format!("{product} lost stock: {folded:?}").into());
        }
    }
    println!(
        "\nevery unit restocked is available, reserved or shipped; no stock went below zero; the projection agrees with every product's stream"
    );
    Ok(())
}
