//! The shop's validated types: valid input is accepted and round-trips
//! through JSON; invalid raw input is refused, when built and when
//! deserialized, with a message naming the value and the rule.

#![cfg(test)]

use eventcore::StreamId;
use eventcore_examples::ecommerce::{
    InvalidInput, OrderId, OrderLine, PlaceOrder, Price, ProductId, Quantity,
};
use proptest::prelude::*;

/// Checks that `value` serializes to JSON and reads back as itself.
fn round_trips<T>(value: &T) -> Result<(), TestCaseError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).unwrap();
    prop_assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), value);
    Ok(())
}

fn line(product: &str, units: i64) -> OrderLine {
    OrderLine::new(
        ProductId::try_new(product).unwrap(),
        Quantity::try_new(units).unwrap(),
        Price::try_from_cents(100).unwrap(),
    )
}

proptest! {
    #[test]
    fn valid_product_ids_round_trip(id in "[a-z0-9-]{1,32}") {
        let product = ProductId::try_new(&id).unwrap();
        prop_assert_eq!(product.as_str(), id.as_str());
        let stream = StreamId::from(&product);
        prop_assert_eq!(stream.as_str(), format!("product-{id}"));
        prop_assert_eq!(&ProductId::from_stream(product.stream_id()).unwrap(), &product);
        round_trips(&product)?;
    }

    #[test]
    fn invalid_product_ids_are_refused(id in "|[a-z0-9-]{33,40}|[a-z0-9-]*[A-Z_ ./#\n\u{e9}][a-z0-9-]*") {
        let err = ProductId::try_new(&id).unwrap_err();
        let message = err.to_string();
        prop_assert!(message.contains(&format!("{id:?}")), "{}", message);
        prop_assert!(message.ends_with(ProductId::RULE), "{}", message);
        let json = serde_json::to_string(&id).unwrap();
        let refused = serde_json::from_str::<ProductId>(&json).unwrap_err().to_string();
        prop_assert!(refused.contains(ProductId::RULE), "{}", refused);
    }

    #[test]
    fn valid_order_ids_round_trip(id in "[A-Za-z0-9_-]{1,32}") {
        let order = OrderId::try_new(&id).unwrap();
        prop_assert_eq!(order.as_str(), id.as_str());
        prop_assert_eq!(order.stream_id().as_str(), format!("order-{id}"));
        round_trips(&order)?;
    }

    #[test]
    fn invalid_order_ids_are_refused(id in "|[a-z0-9]{33,40}|[a-z0-9]*[ ./#\n\t\u{e9}][a-z0-9]*") {
        let message = OrderId::try_new(&id).unwrap_err().to_string();
        prop_assert!(message.starts_with(&format!("order id {id:?} is invalid")), "{}", message);
        prop_assert!(message.ends_with(OrderId::RULE), "{}", message);
        let json = serde_json::to_string(&id).unwrap();
        prop_assert!(serde_json::from_str::<OrderId>(&json).is_err());
    }

    #[test]
    fn valid_quantities_round_trip(units in 1..=i64::from(Quantity::MAX)) {
        let quantity = Quantity::try_new(units).unwrap();
        prop_assert_eq!(i64::from(quantity.get()), units);
        round_trips(&quantity)?;
    }

    #[test]
    fn invalid_quantities_are_refused(
        units in prop_oneof![i64::MIN..=0, i64::from(Quantity::MAX) + 1..=i64::MAX]
    ) {
        let err = Quantity::try_new(units).unwrap_err();
        prop_assert_eq!(&err, &InvalidInput::Quantity { value: units, rule: Quantity::RULE });
        prop_assert_eq!(err.to_string(), format!("quantity {units} is invalid: {}", Quantity::RULE));
        prop_assert!(serde_json::from_str::<Quantity>(&units.to_string()).is_err());
    }

    #[test]
    fn valid_prices_round_trip(cents in 1..=Price::MAX_CENTS.cast_signed()) {
        let price = Price::try_from_cents(cents).unwrap();
        prop_assert_eq!(price.cents().cast_signed(), cents);
        prop_assert_eq!(price.to_string(), format!("{}.{:02}", cents / 100, cents % 100));
        round_trips(&price)?;
    }

    #[test]
    fn invalid_prices_are_refused(
        cents in prop_oneof![i64::MIN..=0, Price::MAX_CENTS.cast_signed() + 1..=i64::MAX]
    ) {
        let message = Price::try_from_cents(cents).unwrap_err().to_string();
        prop_assert_eq!(message, format!("price {cents} (in cents) is invalid: {}", Price::RULE));
        prop_assert!(serde_json::from_str::<Price>(&cents.to_string()).is_err());
    }

    #[test]
    fn orders_of_distinct_products_are_accepted(
        products in prop::collection::btree_set("[a-z]{1,8}", 1..=OrderLine::MAX_PER_ORDER),
        units in 1..=i64::from(Quantity::MAX),
    ) {
        let lines: Vec<OrderLine> = products.iter().map(|p| line(p, units)).collect();
        let order = OrderId::try_new("o").unwrap();
        let place = PlaceOrder::new(order, lines.clone()).unwrap();
        prop_assert_eq!(place.lines(), lines.as_slice());
        round_trips(&lines)?;
    }
}

#[test]
fn the_rules_name_the_limits() {
    assert!(Quantity::RULE.contains(&Quantity::MAX.to_string()));
    assert!(Price::RULE.contains(&Price::MAX_CENTS.to_string()));
}

#[test]
fn an_order_needs_lines() {
    let order = OrderId::try_new("o").unwrap();
    let err = PlaceOrder::new(order.clone(), Vec::new()).unwrap_err();
    assert_eq!(err, InvalidInput::NoLines(order));
    assert_eq!(
        err.to_string(),
        "order o is invalid: it must have at least one line"
    );
}

#[test]
fn an_order_names_each_product_once() {
    let order = OrderId::try_new("o").unwrap();
    let lines = vec![line("lamp", 1), line("desk", 1), line("lamp", 2)];
    let err = PlaceOrder::new(order.clone(), lines).unwrap_err();
    assert_eq!(
        err.to_string(),
        "order o is invalid: product lamp is on more than one line (put its quantities on one line)"
    );
}

#[test]
fn an_order_has_at_most_max_lines() {
    let order = OrderId::try_new("o").unwrap();
    let lines = (0..=OrderLine::MAX_PER_ORDER)
        .map(|i| line(&format!("p{i}"), 1))
        .collect();
    let err = PlaceOrder::new(order.clone(), lines).unwrap_err();
    assert_eq!(
        err,
        InvalidInput::TooManyLines {
            order,
            lines: OrderLine::MAX_PER_ORDER + 1
        }
    );
    assert!(err.to_string().contains("at most 16"), "{err}");
}

#[test]
fn order_lines_refuse_invalid_fields_when_deserialized() {
    let valid = r#"{"product":"lamp","quantity":2,"unit_price":1999}"#;
    let line: OrderLine = serde_json::from_str(valid).unwrap();
    assert_eq!(line.total_cents(), 3_998);
    for invalid in [
        r#"{"product":"Lamp","quantity":2,"unit_price":1999}"#,
        r#"{"product":"lamp","quantity":0,"unit_price":1999}"#,
        r#"{"product":"lamp","quantity":2,"unit_price":-1}"#,
    ] {
        let err = serde_json::from_str::<OrderLine>(invalid).unwrap_err();
        assert!(err.to_string().contains("is invalid: must be"), "{err}");
    }
}
