//! Given/when/then tests for every e-commerce command, including each
//! business rule's refusal. Histories mix order and product streams with
//! `Given::and`.

#![cfg(test)]

use eventcore::{CommandError, StreamId};
use eventcore_examples::ecommerce::{
    CancelOrder, OrderEvent, OrderId, OrderLine, PlaceOrder, Price, ProductEvent, ProductId,
    Quantity, RestockProduct, ShipOrder, ShopError, ShopEvent, Stock,
};
use eventcore_testing::{given_no_events, scenario::Given};

fn product(id: &str) -> ProductId {
    ProductId::try_new(id).unwrap()
}

fn order(id: &str) -> OrderId {
    OrderId::try_new(id).unwrap()
}

fn qty(units: i64) -> Quantity {
    Quantity::try_new(units).unwrap()
}

fn line(id: &str, units: i64) -> OrderLine {
    OrderLine::new(
        product(id),
        qty(units),
        Price::try_from_cents(1_000).unwrap(),
    )
}

/// An expected event's stream: expectations mix orders and products.
fn on(id: impl Into<StreamId>) -> StreamId {
    id.into()
}

fn restocked(units: i64) -> ShopEvent {
    ProductEvent::Restocked {
        quantity: qty(units),
    }
    .into()
}

fn reserved(id: &str, units: i64) -> ShopEvent {
    ProductEvent::Reserved {
        order: order(id),
        quantity: qty(units),
    }
    .into()
}

fn placed(lines: &[OrderLine]) -> ShopEvent {
    OrderEvent::Placed {
        lines: lines.to_vec(),
    }
    .into()
}

fn place(id: &str, lines: &[OrderLine]) -> PlaceOrder {
    PlaceOrder::new(order(id), lines.to_vec()).unwrap()
}

/// Lamps (5) and desks (2) in stock.
fn stocked() -> Given<ShopEvent> {
    given_no_events()
        .and(&product("lamp"), restocked(5))
        .and(&product("desk"), restocked(2))
}

/// [`stocked`], and order 1 placed for 2 lamps and 1 desk.
fn with_order_1() -> Given<ShopEvent> {
    let lines = [line("lamp", 2), line("desk", 1)];
    stocked()
        .and(&order("1"), placed(&lines))
        .and(&product("lamp"), reserved("1", 2))
        .and(&product("desk"), reserved("1", 1))
}

#[test]
fn restocking_a_new_product_puts_it_in_stock() {
    given_no_events()
        .when(RestockProduct {
            product: product("lamp"),
            quantity: qty(7),
        })
        .then_emits([(product("lamp"), restocked(7))]);
}

#[test]
fn restocking_past_the_capacity_is_refused() {
    let mut history = given_no_events();
    for _ in 0..10 {
        history = history.and(&product("lamp"), restocked(10_000));
    }
    history
        .and(&order("1"), placed(&[line("lamp", 1)]))
        .and(&product("lamp"), reserved("1", 1))
        .when(RestockProduct {
            product: product("lamp"),
            quantity: qty(1),
        })
        .then_fails_with(ShopError::OverCapacity {
            product: product("lamp"),
            on_hand: Stock::CAPACITY,
            incoming: qty(1),
        });
}

#[test]
fn placing_an_order_reserves_every_line_in_one_write() {
    let lines = [line("lamp", 2), line("desk", 2)];
    stocked().when(place("1", &lines)).then_emits([
        (on(order("1")), placed(&lines)),
        (on(product("lamp")), reserved("1", 2)),
        (on(product("desk")), reserved("1", 2)),
    ]);
}

#[test]
fn an_order_is_placed_once() {
    with_order_1()
        .when(place("1", &[line("lamp", 1)]))
        .then_fails_with(ShopError::OrderAlreadyPlaced(order("1")));
}

#[test]
fn a_cancelled_order_cannot_be_placed_again() {
    with_order_1()
        .and(&order("1"), OrderEvent::Cancelled.into())
        .when(place("1", &[line("lamp", 1)]))
        .then_fails_with(ShopError::OrderAlreadyPlaced(order("1")));
}

#[test]
fn an_order_beyond_the_stock_of_one_product_is_refused_whole() {
    // The lamps are there; the desks are not: nothing is reserved.
    let outcome = stocked()
        .when(place("1", &[line("lamp", 1), line("desk", 3)]))
        .into_result();
    let Err(CommandError::Rejected(refusal)) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        refusal.to_string(),
        "product desk has 2 units available, fewer than the 3 ordered"
    );
    stocked()
        .when(place("1", &[line("lamp", 1), line("desk", 3)]))
        .then_fails_with(ShopError::InsufficientStock {
            product: product("desk"),
            available: 2,
            requested: qty(3),
        });
}

#[test]
fn reserved_stock_is_not_available() {
    with_order_1()
        .when(place("2", &[line("lamp", 4)]))
        .then_fails_with(ShopError::InsufficientStock {
            product: product("lamp"),
            available: 3,
            requested: qty(4),
        });
}

#[test]
fn released_stock_is_available_again() {
    let released = ProductEvent::Released {
        order: order("1"),
        quantity: qty(2),
    };
    with_order_1()
        .and(&order("1"), OrderEvent::Cancelled.into())
        .and(&product("lamp"), released.into())
        .when(place("2", &[line("lamp", 5)]))
        .then_emits([
            (on(order("2")), placed(&[line("lamp", 5)])),
            (on(product("lamp")), reserved("2", 5)),
        ]);
}

#[test]
fn shipped_stock_is_gone() {
    let shipped = ProductEvent::Shipped {
        order: order("1"),
        quantity: qty(2),
    };
    with_order_1()
        .and(&product("lamp"), shipped.into())
        .when(place("2", &[line("lamp", 4)]))
        .then_fails_with(ShopError::InsufficientStock {
            product: product("lamp"),
            available: 3,
            requested: qty(4),
        });
}

#[test]
fn a_product_never_restocked_cannot_be_ordered() {
    stocked()
        .when(place("1", &[line("lamp", 1), line("chair", 1)]))
        .then_fails_with(ShopError::UnknownProduct(product("chair")));
}

#[test]
fn cancelling_releases_the_stock_of_every_product_of_the_order() {
    with_order_1()
        .when(CancelOrder { order: order("1") })
        .then_emits([
            (on(order("1")), OrderEvent::Cancelled.into()),
            (
                on(product("lamp")),
                ProductEvent::Released {
                    order: order("1"),
                    quantity: qty(2),
                }
                .into(),
            ),
            (
                on(product("desk")),
                ProductEvent::Released {
                    order: order("1"),
                    quantity: qty(1),
                }
                .into(),
            ),
        ]);
}

#[test]
fn an_order_never_placed_cannot_be_cancelled_or_shipped() {
    stocked()
        .when(CancelOrder { order: order("9") })
        .then_fails_with(ShopError::OrderNotFound(order("9")));
    stocked()
        .when(ShipOrder { order: order("9") })
        .then_fails_with(ShopError::OrderNotFound(order("9")));
}

#[test]
fn a_cancelled_order_cannot_be_cancelled_or_shipped() {
    let cancelled = || with_order_1().and(&order("1"), OrderEvent::Cancelled.into());
    cancelled()
        .when(CancelOrder { order: order("1") })
        .then_fails_with(ShopError::OrderCancelled(order("1")));
    cancelled()
        .when(ShipOrder { order: order("1") })
        .then_fails_with(ShopError::OrderCancelled(order("1")));
}

#[test]
fn a_shipped_order_cannot_be_cancelled_or_shipped() {
    let shipped = || with_order_1().and(&order("1"), OrderEvent::Shipped.into());
    shipped()
        .when(CancelOrder { order: order("1") })
        .then_fails_with(ShopError::OrderShipped(order("1")));
    shipped()
        .when(ShipOrder { order: order("1") })
        .then_fails_with(ShopError::OrderShipped(order("1")));
}

#[test]
fn shipping_moves_the_reserved_units_of_every_product_out() {
    with_order_1()
        .when(ShipOrder { order: order("1") })
        .then_emits([
            (on(order("1")), OrderEvent::Shipped.into()),
            (
                on(product("lamp")),
                ProductEvent::Shipped {
                    order: order("1"),
                    quantity: qty(2),
                }
                .into(),
            ),
            (
                on(product("desk")),
                ProductEvent::Shipped {
                    order: order("1"),
                    quantity: qty(1),
                }
                .into(),
            ),
        ]);
}

#[test]
fn a_lost_reservation_is_never_released_or_shipped() {
    // The order says it reserved a desk; the desk's stream says otherwise
    // (a hand-edited history): reserved stock must not go below zero.
    let lines = [line("lamp", 2), line("desk", 1)];
    let history = || {
        stocked()
            .and(&order("1"), placed(&lines))
            .and(&product("lamp"), reserved("1", 2))
    };
    let refusal = ShopError::ReservationMissing {
        order: order("1"),
        product: product("desk"),
        reserved: 0,
        quantity: qty(1),
    };
    history()
        .when(CancelOrder { order: order("1") })
        .then_fails_with(refusal.clone());
    history()
        .when(ShipOrder { order: order("1") })
        .then_fails_with(refusal);
}

#[test]
fn a_discovered_product_without_events_holds_no_reservation() {
    let outcome = given_no_events()
        .and(&order("1"), placed(&[line("ghost", 1)]))
        .when(CancelOrder { order: order("1") })
        .into_result();
    assert!(
        matches!(
            outcome,
            Err(CommandError::Rejected(ShopError::ReservationMissing {
                reserved: 0,
                ..
            }))
        ),
        "{outcome:?}"
    );
}
