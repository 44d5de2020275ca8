use std::collections::HashMap;

use eventcore::{
    EventSerializer, JsonSerializer, RecordedEvent, StoreError, StreamId,
    store::{EventStore, StoredEvent},
};

use super::{
    CancelReason, Closed, ShopEvent, inventory_stream, order_stream, shipment_stream, wallet_stream,
};

/// How one order ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderOutcome {
    /// The order.
    pub order: String,
    /// Its terminal state, if it reached one.
    pub closed: Option<Closed>,
}

/// What [`audit`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audit {
    /// Each order's outcome.
    pub orders: Vec<OrderOutcome>,
    /// Each sku's units on the shelf.
    pub stock: Vec<(String, i64)>,
    /// Each wallet's balance, in cents.
    pub wallets: Vec<(String, u64)>,
    /// Every broken rule, described; empty when the shop is consistent.
    pub violations: Vec<String>,
}

impl Audit {
    /// Orders per outcome: shipped, then cancelled by reason, then open.
    #[must_use]
    pub fn tally(&self) -> Vec<(String, usize)> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for outcome in &self.orders {
            let key = match outcome.closed {
                Some(Closed::Shipped) => "shipped".to_owned(),
                Some(Closed::Cancelled(reason)) => format!("cancelled ({reason:?})"),
                None => "open".to_owned(),
            };
            *counts.entry(key).or_default() += 1;
        }
        let mut tally: Vec<_> = counts.into_iter().collect();
        tally.sort();
        tally
    }
}

/// One stream's events, decoded.
pub(super) async fn read<S: EventStore>(
    store: &S,
    stream: &StreamId,
) -> Result<Vec<RecordedEvent<ShopEvent>>, StoreError> {
    let read = store.read_streams(std::slice::from_ref(stream)).await?;
    read.streams()[0]
        .events()
        .iter()
        .map(|stored: &StoredEvent| {
            let payload = JsonSerializer.decode::<ShopEvent>(stored)?;
            Ok(RecordedEvent::new(
                stored.stream_id().clone(),
                stored.version(),
                stored.position(),
                stored.metadata().clone(),
                payload,
            ))
        })
        .collect()
}

/// One order's events, one line each.
pub async fn story<S: EventStore>(store: &S, order: &str) -> Result<Vec<String>, StoreError> {
    let events = read(store, &order_stream(order)?).await?;
    Ok(events
        .iter()
        .map(|e| match e.payload() {
            ShopEvent::OrderPlaced {
                sku,
                quantity,
                amount_cents,
                wallet,
                ..
            } => format!("placed: {quantity} x {sku} for {amount_cents} cents, paid by {wallet}"),
            ShopEvent::ItemsReserved { .. } => "stock reserved".to_owned(),
            ShopEvent::PaymentSubmitted { .. } => "payment submitted".to_owned(),
            ShopEvent::OrderPaid { .. } => "paid".to_owned(),
            ShopEvent::OrderCancelled { reason, .. } => format!("cancelled: {reason:?}"),
            ShopEvent::OrderShipped { .. } => "shipped".to_owned(),
            other => format!("{other:?}"),
        })
        .collect())
}

/// Per order, what the inventory, wallet and shipment streams did.
#[derive(Default)]
struct Effects {
    reserved: u32,
    released: u32,
    charged: u32,
    shipped_parcels: u32,
    quantity: i64,
}

/// Reads every order, sku and wallet and checks the saga's rules: each
/// order closed exactly once; a shipped order charged once, reserved once,
/// never released, with one parcel; a cancelled order never charged, its
/// reservation (if any) released once; no shelf below zero, and, once every
/// order is closed, each shelf's stock equal to what arrived less what
/// shipped. `skus` lists each sku with the units restocked.
pub async fn audit<S: EventStore>(
    store: &S,
    orders: &[String],
    skus: &[(String, i64)],
    wallets: &[String],
) -> Result<Audit, StoreError> {
    let mut out = Audit::default();
    let mut effects: HashMap<String, Effects> = HashMap::new();
    for (sku, restocked) in skus {
        audit_shelf(store, sku, *restocked, &mut out, &mut effects).await?;
    }
    for wallet in wallets {
        let mut balance: u64 = 0;
        for event in read(store, &wallet_stream(wallet)?).await? {
            match event.payload() {
                ShopEvent::WalletFunded { cents } => balance += cents,
                ShopEvent::Charged { order, cents } => {
                    balance = balance.saturating_sub(*cents);
                    effects.entry(order.clone()).or_default().charged += 1;
                }
                _ => {}
            }
        }
        out.wallets.push((wallet.clone(), balance));
    }
    let mut shipped_units: HashMap<String, i64> = HashMap::new();
    for order in orders {
        let (outcome, sku, quantity) = audit_order(store, order, &mut out, &mut effects).await?;
        if outcome.closed == Some(Closed::Shipped) {
            *shipped_units.entry(sku).or_default() += quantity;
        }
        out.orders.push(outcome);
    }
    if out.orders.iter().all(|o| o.closed.is_some()) {
        for (sku, restocked) in skus {
            let shelf = out
                .stock
                .iter()
                .find(|(s, _)| s == sku)
                .map_or(0, |(_, n)| *n);
            let shipped = shipped_units.get(sku).copied().unwrap_or(0);
            if shelf != restocked - shipped {
                out.violations.push(format!(
                    "{sku}: {shelf} on the shelf, {restocked} arrived and {shipped} shipped"
                ));
            }
        }
    }
    Ok(out)
}

/// Folds one inventory stream: its shelf, and each order's reservations
/// and releases.
async fn audit_shelf<S: EventStore>(
    store: &S,
    sku: &str,
    restocked: i64,
    out: &mut Audit,
    effects: &mut HashMap<String, Effects>,
) -> Result<(), StoreError> {
    let (mut shelf, mut arrived) = (0_i64, 0_i64);
    for event in read(store, &inventory_stream(sku)?).await? {
        match event.payload() {
            ShopEvent::Restocked { quantity } => {
                shelf += i64::from(*quantity);
                arrived += i64::from(*quantity);
            }
            ShopEvent::StockReserved { order, quantity } => {
                shelf -= i64::from(*quantity);
                let entry = effects.entry(order.clone()).or_default();
                entry.reserved += 1;
                entry.quantity = i64::from(*quantity);
            }
            ShopEvent::StockReleased { order, quantity } => {
                shelf += i64::from(*quantity);
                effects.entry(order.clone()).or_default().released += 1;
            }
            _ => {}
        }
        if shelf < 0 {
            out.violations
                .push(format!("{sku}: the shelf went to {shelf}"));
        }
    }
    if arrived != restocked {
        out.violations
            .push(format!("{sku}: {arrived} arrived, {restocked} expected"));
    }
    out.stock.push((sku.to_owned(), shelf));
    Ok(())
}

/// Checks one order against its effects; returns its outcome, sku and
/// reserved quantity.
async fn audit_order<S: EventStore>(
    store: &S,
    order: &str,
    out: &mut Audit,
    effects: &mut HashMap<String, Effects>,
) -> Result<(OrderOutcome, String, i64), StoreError> {
    let mut closed = None;
    let mut terminal = 0;
    let mut sku = String::new();
    for event in read(store, &order_stream(order)?).await? {
        match event.payload() {
            ShopEvent::OrderPlaced { sku: s, .. } => sku.clone_from(s),
            ShopEvent::OrderShipped { .. } => {
                terminal += 1;
                closed = Some(Closed::Shipped);
            }
            ShopEvent::OrderCancelled { reason, .. } => {
                terminal += 1;
                closed = Some(Closed::Cancelled(*reason));
            }
            _ => {}
        }
    }
    for event in read(store, &shipment_stream(order)?).await? {
        if let ShopEvent::ShipmentCreated { .. } = event.payload() {
            effects.entry(order.to_owned()).or_default().shipped_parcels += 1;
        }
    }
    let e = effects.remove(order).unwrap_or_default();
    let mut broken = |rule: &str| out.violations.push(format!("order {order}: {rule}"));
    if terminal > 1 || (terminal == 0 && closed.is_some()) {
        broken(&format!("{terminal} terminal events"));
    }
    if e.reserved > 1 || e.released > 1 || e.charged > 1 || e.shipped_parcels > 1 {
        broken("an effect happened twice");
    }
    match closed {
        Some(Closed::Shipped)
            if (e.reserved, e.released, e.charged, e.shipped_parcels) != (1, 0, 1, 1) =>
        {
            broken("shipped without exactly one reservation, charge and parcel");
        }
        Some(Closed::Cancelled(reason)) => {
            if e.charged != 0 || e.shipped_parcels != 0 {
                broken("cancelled but charged or shipped");
            }
            if e.released != e.reserved {
                broken("cancelled without releasing its stock");
            }
            if reason == CancelReason::OutOfStock && e.reserved != 0 {
                broken("cancelled for want of stock it had reserved");
            }
        }
        Some(Closed::Shipped) | None => {}
    }
    let outcome = OrderOutcome {
        order: order.to_owned(),
        closed,
    };
    Ok((outcome, sku, e.quantity))
}
