//! Eight tasks place and cancel orders over three products with limited
//! stock, then race each other to cancel or ship the same orders, on the
//! in-memory store and on PostgreSQL. Afterwards, from the stored events:
//!
//! - no product's available or reserved stock ever went below zero;
//! - every order is all-or-nothing: a placed order's reservations (and
//!   their release or shipment) are on all of its products, a refused
//!   order's on none;
//! - each order was settled (cancelled or shipped) at most once, by
//!   exactly one of the racing tasks;
//! - stock is conserved: restocked = available + reserved + shipped, and
//!   the inventory projection agrees with every product's stream.

#![cfg(test)]

mod common;

use std::{collections::BTreeMap, time::Duration};

use common::TestResult;
use eventcore::{
    CommandError, CommandExecutor, EventSerializer, JsonSerializer, RetryPolicy,
    projection::{ProjectionRunner, ReadModel, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore},
};
use eventcore_examples::ecommerce::{
    CancelOrder, Inventory, OrderEvent, OrderId, OrderLine, PlaceOrder, Price, ProductEvent,
    ProductId, Quantity, RestockProduct, ShipOrder, ShopError, ShopEvent, Stock,
};
use eventcore_memory::MemoryStore;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};

const PRODUCTS: [&str; 3] = ["lamp", "desk", "chair"];
const RESTOCKED: i64 = 40;
const TASKS: u64 = 8;
const ORDERS_PER_TASK: usize = 12;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What became of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Refused,
    Open,
    Cancelled,
    Shipped,
}

#[derive(Clone, Debug)]
struct Tried {
    id: OrderId,
    lines: Vec<OrderLine>,
    fate: Fate,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_orders_on_memory_keep_every_order_whole() -> TestResult {
    shop_day(MemoryStore::new()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_orders_on_postgres_keep_every_order_whole() -> TestResult {
    let store = common::fresh_store("shop").await?;
    // Run in a task so that the schema is dropped even when a check fails.
    let result = tokio::spawn(shop_day(store.clone())).await;
    common::drop_schema(&store).await?;
    match result {
        Ok(checked) => checked,
        Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
        Err(failed) => Err(failed.into()),
    }
}

async fn shop_day<S>(store: S) -> TestResult
where
    S: EventStore + CheckpointStore + LeaseStore + Clone + 'static,
{
    let executor = CommandExecutor::new(store.clone()).retry_policy(
        RetryPolicy::new()
            .with_max_attempts(200)
            .max_delay(Duration::from_millis(20)),
    );
    let inventory = ReadModel::new(Inventory::new());
    let runner =
        ProjectionRunner::new(store.clone(), inventory.clone(), RunnerConfig::default()).start();
    let products: Vec<ProductId> = PRODUCTS
        .iter()
        .map(ProductId::try_new)
        .collect::<Result<_, _>>()?;
    for product in &products {
        let quantity = Quantity::try_new(RESTOCKED)?;
        let product = product.clone();
        executor
            .execute(RestockProduct { product, quantity })
            .await?;
    }

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (executor, products) = (executor.clone(), products.clone());
        tasks.push(tokio::spawn(async move {
            place_and_cancel(task, &executor, &products).await
        }));
    }
    let mut orders = Vec::new();
    for task in tasks {
        orders.extend(task.await??);
    }
    race_to_settle(&executor, &mut orders).await?;

    let head = store.head_position().await?;
    assert!(
        runner
            .wait_for_position(head, Duration::from_secs(30))
            .await,
        "the inventory lags"
    );
    let projected = inventory.read(Inventory::clone).await;
    runner.shutdown().await?;
    for product in &products {
        let stock: Stock = executor
            .load::<_, ProductEvent>(product.stream_id())
            .await?;
        audit_product(&store, product, &stock, &orders).await?;
        assert_eq!(projected.stock(product), Some(stock), "{product}");
    }
    for order in &orders {
        audit_order(&store, order).await?;
    }
    let fates = |fate| orders.iter().filter(|o| o.fate == fate).count();
    assert!(fates(Fate::Open) > 0 && fates(Fate::Cancelled) > 0 && fates(Fate::Shipped) > 0);
    assert!(fates(Fate::Refused) > 0, "stock never ran out: {orders:?}");
    Ok(())
}

/// One task: places orders of 1 to 3 random products, and cancels about a
/// third of them right away, which frees stock for the others.
async fn place_and_cancel<S: EventStore>(
    task: u64,
    executor: &CommandExecutor<S>,
    products: &[ProductId],
) -> Result<Vec<Tried>, Error> {
    let mut rng = StdRng::seed_from_u64(task);
    let mut tried = Vec::new();
    for i in 0..ORDERS_PER_TASK {
        let mut chosen = products.to_vec();
        chosen.shuffle(&mut rng);
        chosen.truncate(rng.random_range(1..=products.len()));
        let mut lines = Vec::new();
        for product in chosen {
            let quantity = Quantity::try_new(rng.random_range(1..=6))?;
            lines.push(OrderLine::new(
                product,
                quantity,
                Price::try_from_cents(1_250)?,
            ));
        }
        let id = OrderId::try_new(format!("t{task}-{i}"))?;
        let fate = match executor
            .execute(PlaceOrder::new(id.clone(), lines.clone())?)
            .await
        {
            Ok(_) => Fate::Open,
            Err(CommandError::Rejected(ShopError::InsufficientStock { .. })) => Fate::Refused,
            Err(other) => return Err(other.into()),
        };
        let fate = if fate == Fate::Open && rng.random_ratio(1, 3) {
            executor.execute(CancelOrder { order: id.clone() }).await?;
            Fate::Cancelled
        } else {
            fate
        };
        tried.push(Tried { id, lines, fate });
    }
    Ok(tried)
}

/// Every task tries to settle every other open order at once, each task
/// cancelling some and shipping the others: exactly one may win each
/// order.
async fn race_to_settle<S: EventStore + Clone + 'static>(
    executor: &CommandExecutor<S>,
    orders: &mut [Tried],
) -> TestResult {
    let contested: Vec<OrderId> = orders
        .iter()
        .filter(|o| o.fate == Fate::Open)
        .map(|o| o.id.clone())
        .step_by(2)
        .collect();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (executor, mut contested) = (executor.clone(), contested.clone());
        contested.shuffle(&mut StdRng::seed_from_u64(100 + task));
        tasks.push(tokio::spawn(async move {
            let mut won = Vec::new();
            for (i, order) in (0_u64..).zip(contested) {
                let outcome = if (task + i) % 2 == 0 {
                    executor
                        .execute(CancelOrder {
                            order: order.clone(),
                        })
                        .await
                        .map(|_| Fate::Cancelled)
                } else {
                    executor
                        .execute(ShipOrder {
                            order: order.clone(),
                        })
                        .await
                        .map(|_| Fate::Shipped)
                };
                match outcome {
                    Ok(fate) => won.push((order, fate)),
                    Err(CommandError::Rejected(
                        ShopError::OrderCancelled(_) | ShopError::OrderShipped(_),
                    )) => {}
                    Err(other) => return Err(Error::from(other)),
                }
            }
            Ok(won)
        }));
    }
    let mut winners: BTreeMap<OrderId, Vec<Fate>> = BTreeMap::new();
    for task in tasks {
        for (order, fate) in task.await?? {
            winners.entry(order).or_default().push(fate);
        }
    }
    for order in &contested {
        let won = winners.get(order).map_or(&[][..], Vec::as_slice);
        assert_eq!(won.len(), 1, "order {order} was settled by {won:?}");
        if let Some(tried) = orders.iter_mut().find(|o| o.id == *order) {
            tried.fate = won[0];
        }
    }
    Ok(())
}

/// The decoded events of one stream.
async fn events_of<S: EventStore>(
    store: &S,
    stream: &eventcore::StreamId,
) -> Result<Vec<ShopEvent>, Error> {
    let read = store.read_streams(std::slice::from_ref(stream)).await?;
    let mut events = Vec::new();
    for stream in read.streams() {
        for stored in stream.events() {
            events.push(JsonSerializer.decode::<ShopEvent>(stored)?);
        }
    }
    Ok(events)
}

/// Checks a product's stream event by event (nothing below zero), every
/// order's events on it against the order's fate, and the stock's totals.
async fn audit_product<S: EventStore>(
    store: &S,
    product: &ProductId,
    stock: &Stock,
    orders: &[Tried],
) -> TestResult {
    let (mut available, mut reserved) = (0_i64, 0_i64);
    let mut per_order: BTreeMap<OrderId, Vec<ProductEvent>> = BTreeMap::new();
    for event in events_of(store, product.stream_id()).await? {
        let ShopEvent::Product(event) = event else {
            panic!("an order's event in {product}'s stream: {event:?}");
        };
        match &event {
            ProductEvent::Restocked { quantity } => available += i64::from(quantity.get()),
            ProductEvent::Reserved { quantity, .. } => {
                available -= i64::from(quantity.get());
                reserved += i64::from(quantity.get());
            }
            ProductEvent::Released { quantity, .. } => {
                available += i64::from(quantity.get());
                reserved -= i64::from(quantity.get());
            }
            ProductEvent::Shipped { quantity, .. } => reserved -= i64::from(quantity.get()),
        }
        assert!(
            available >= 0 && reserved >= 0,
            "{product}: {available} available, {reserved} reserved"
        );
        if let Some(order) = event.order() {
            per_order
                .entry(order.clone())
                .or_default()
                .push(event.clone());
        }
    }
    let mut expected = Stock {
        known: true,
        restocked: RESTOCKED.cast_unsigned(),
        ..Stock::default()
    };
    for order in orders {
        let line = order.lines.iter().find(|l| l.product == *product);
        let seen = per_order.remove(&order.id).unwrap_or_default();
        let (order_id, quantity) = (order.id.clone(), line.map(|l| l.quantity));
        let want = match (quantity, order.fate) {
            (None, _) | (_, Fate::Refused) => vec![],
            (Some(quantity), fate) => {
                let reserved = ProductEvent::Reserved {
                    order: order_id.clone(),
                    quantity,
                };
                let units = quantity.units();
                match fate {
                    Fate::Open => {
                        expected.reserved += units;
                        vec![reserved]
                    }
                    Fate::Cancelled => vec![
                        reserved,
                        ProductEvent::Released {
                            order: order_id,
                            quantity,
                        },
                    ],
                    _ => {
                        expected.shipped += units;
                        vec![
                            reserved,
                            ProductEvent::Shipped {
                                order: order_id,
                                quantity,
                            },
                        ]
                    }
                }
            }
        };
        assert_eq!(
            seen, want,
            "order {} ({:?}) on {product}",
            order.id, order.fate
        );
    }
    assert!(
        per_order.is_empty(),
        "events of unknown orders on {product}: {per_order:?}"
    );
    expected.available = expected.restocked - expected.reserved - expected.shipped;
    assert_eq!(*stock, expected, "{product}");
    assert!(stock.is_conserved(), "{product}: {stock:?}");
    Ok(())
}

/// Checks an order's own stream against its fate.
async fn audit_order<S: EventStore>(store: &S, order: &Tried) -> TestResult {
    let placed = ShopEvent::from(OrderEvent::Placed {
        lines: order.lines.clone(),
    });
    let want = match order.fate {
        Fate::Refused => vec![],
        Fate::Open => vec![placed],
        Fate::Cancelled => vec![placed, OrderEvent::Cancelled.into()],
        Fate::Shipped => vec![placed, OrderEvent::Shipped.into()],
    };
    assert_eq!(
        events_of(store, order.id.stream_id()).await?,
        want,
        "order {}",
        order.id
    );
    Ok(())
}
