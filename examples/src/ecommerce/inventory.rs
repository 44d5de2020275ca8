//! The inventory: available, reserved and shipped units of every product,
//! kept up to date from the product streams.

use std::collections::BTreeMap;

use eventcore::{Fold, RecordedEvent, projection::Projection, store::EventFilter};

use super::{InvalidInput, ProductEvent, ProductId, Stock};

/// Every product's [`Stock`], folded from the product streams exactly as
/// the commands fold them.
///
/// It reads only [`ProductEvent`]s, the product's part of the composed
/// [`ShopEvent`](super::ShopEvent): order events are not even read. Share
/// it with the runner through a
/// [`ReadModel`](eventcore::projection::ReadModel) to query it while it
/// runs.
///
/// ```
/// use eventcore::projection::Projection;
/// use eventcore_examples::ecommerce::Inventory;
///
/// let inventory = Inventory::new();
/// assert_eq!(inventory.name(), Inventory::NAME);
/// assert!(inventory.products().next().is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    products: BTreeMap<ProductId, Stock>,
}

impl Inventory {
    /// The projection's name, which keys its checkpoint and lease.
    pub const NAME: &'static str = "ecommerce-inventory";

    /// An empty inventory.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// One product's stock, if any event of it was seen.
    #[must_use]
    pub fn stock(&self, product: &ProductId) -> Option<Stock> {
        self.products.get(product).copied()
    }

    /// Every product seen, with its stock, sorted by product id.
    pub fn products(&self) -> impl Iterator<Item = (&ProductId, &Stock)> {
        self.products.iter()
    }
}

impl Projection for Inventory {
    type Event = ProductEvent;
    /// A product event in a stream that is not a product's.
    type Error = InvalidInput;

    fn name(&self) -> &str {
        Self::NAME
    }

    fn filter(&self) -> EventFilter {
        EventFilter::decodable::<ProductEvent>().with_stream_prefix(ProductId::STREAM_PREFIX)
    }

    async fn apply(&mut self, events: &[RecordedEvent<ProductEvent>]) -> Result<(), InvalidInput> {
        for event in events {
            let product = ProductId::from_stream(event.stream_id())?;
            self.products.entry(product).or_default().fold(event);
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), InvalidInput> {
        self.products.clear();
        Ok(())
    }
}
