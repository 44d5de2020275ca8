//! An e-commerce shop: orders that reserve stock on every one of their
//! products atomically, however many there are.
//!
//! - Validated input: [`ProductId`], [`OrderId`], [`Quantity`] and
//!   [`Price`] refuse invalid raw data with an [`InvalidInput`] naming the
//!   value and the rule, when built and when deserialized.
//! - Events: an order's ([`OrderEvent`]) and a product's
//!   ([`ProductEvent`]) are separate enums, composed into [`ShopEvent`]
//!   with `#[event(compose)]`; [`Order`] and [`Stock`] fold their own part.
//! - Commands: [`PlaceOrder`] names its products through its lines
//!   (`#[stream(ids = OrderLine::product)]`); [`CancelOrder`] and
//!   [`ShipOrder`] name only the order and discover its products from it
//!   (`#[command(resolver, discovered_state = Stock)]`);
//!   [`RestockProduct`]. Refusals are [`ShopError`]s.
//! - [`Inventory`]: available, reserved and shipped units per product.
//!
//! `cargo run -p eventcore-examples --bin shop` runs a shop day.
//!
//! ```
//! use eventcore::CommandExecutor;
//! use eventcore_examples::ecommerce::{
//!     CancelOrder, OrderId, OrderLine, PlaceOrder, Price, ProductEvent, ProductId, Quantity,
//!     RestockProduct, Stock,
//! };
//! use eventcore_memory::MemoryStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let executor = CommandExecutor::new(MemoryStore::new());
//! let (lamp, desk) = (ProductId::try_new("lamp")?, ProductId::try_new("desk")?);
//! for product in [&lamp, &desk] {
//!     let quantity = Quantity::try_new(5)?;
//!     executor.execute(RestockProduct { product: product.clone(), quantity }).await?;
//! }
//!
//! let order = OrderId::try_new("1001")?;
//! let line = |product: &ProductId, units| -> Result<OrderLine, Box<dyn std::error::Error>> {
//!     Ok(OrderLine::new(product.clone(), Quantity::try_new(units)?, Price::try_from_cents(2_500)?))
//! };
//! executor.execute(PlaceOrder::new(order.clone(), vec![line(&lamp, 2)?, line(&desk, 1)?])?).await?;
//! let stock: Stock = executor.load::<_, ProductEvent>(lamp.stream_id()).await?;
//! assert_eq!((stock.available, stock.reserved), (3, 2));
//!
//! // Cancelling names only the order: its products are found from its lines.
//! executor.execute(CancelOrder { order }).await?;
//! let stock: Stock = executor.load::<_, ProductEvent>(lamp.stream_id()).await?;
//! assert_eq!((stock.available, stock.reserved), (5, 0));
//! # Ok(())
//! # }
//! ```

mod commands;
mod events;
mod ids;
mod inventory;
mod settle;
mod state;
mod units;

pub use commands::{PlaceOrder, RestockProduct, ShopError};
pub use events::{OrderEvent, OrderLine, ProductEvent, ShopEvent};
pub use ids::{InvalidInput, OrderId, ProductId};
pub use inventory::Inventory;
pub use settle::{CancelOrder, ShipOrder};
pub use state::{Order, OrderStatus, Stock};
pub use units::{Price, Quantity};
