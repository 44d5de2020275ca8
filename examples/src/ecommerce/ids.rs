//! The shop's ids, and the error every validated type refuses raw input
//! with.

use std::fmt;

use eventcore::StreamId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::OrderLine;

/// Raw input a validated type (or an order's lines) refused: the value and
/// the rule it breaks.
///
/// ```
/// use eventcore_examples::ecommerce::{ProductId, Quantity};
///
/// let err = Quantity::try_new(0).unwrap_err();
/// assert_eq!(err.to_string(), "quantity 0 is invalid: must be between 1 and 10000");
/// let err = ProductId::try_new("Lamp!").unwrap_err();
/// assert!(err.to_string().starts_with(r#"product id "Lamp!" is invalid: must be"#));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    /// Not a product id.
    #[error("product id {value:?} is invalid: {rule}")]
    ProductId {
        /// The refused text (shown quoted, special characters escaped).
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not an order id.
    #[error("order id {value:?} is invalid: {rule}")]
    OrderId {
        /// The refused text (shown quoted, special characters escaped).
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not a quantity.
    #[error("quantity {value} is invalid: {rule}")]
    Quantity {
        /// The refused number.
        value: i64,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// Not a price.
    #[error("price {value} (in cents) is invalid: {rule}")]
    Price {
        /// The refused number of cents.
        value: i64,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// An order without lines.
    #[error("order {0} is invalid: it must have at least one line")]
    NoLines(OrderId),
    /// An order with more lines than [`OrderLine::MAX_PER_ORDER`].
    #[error("order {order} is invalid: it has {lines} lines, at most {max} are allowed", max = OrderLine::MAX_PER_ORDER)]
    TooManyLines {
        /// The order.
        order: OrderId,
        /// How many lines it has.
        lines: usize,
    },
    /// An order naming a product on two lines.
    #[error(
        "order {order} is invalid: product {product} is on more than one line (put its quantities on one line)"
    )]
    DuplicateProduct {
        /// The order.
        order: OrderId,
        /// The product named twice.
        product: ProductId,
    },
}

/// Checks `text` as the number of an id: 1 to 32 characters, each
/// accepted by `valid_char`.
fn check_number(text: &str, valid_char: fn(char) -> bool) -> bool {
    !text.is_empty() && text.len() <= 32 && text.chars().all(valid_char)
}

/// A product's id: 1 to 32 lowercase ASCII letters, digits or `-`. Its
/// stream is `product-<id>`.
///
/// ```
/// use eventcore::StreamId;
/// use eventcore_examples::ecommerce::ProductId;
///
/// let lamp = ProductId::try_new("desk-lamp")?;
/// assert_eq!(StreamId::from(lamp).as_str(), "product-desk-lamp");
/// assert!(ProductId::try_new("Desk Lamp").is_err());
/// # Ok::<(), eventcore_examples::ecommerce::InvalidInput>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProductId {
    /// `product-<id>`, one shared string: cloning an id is cheap.
    stream: StreamId,
}

impl ProductId {
    /// The prefix of every product stream.
    pub const STREAM_PREFIX: &'static str = "product-";
    /// The rule a product id follows.
    pub const RULE: &'static str = "must be 1 to 32 lowercase ASCII letters, digits or '-'";

    /// Validates a product id.
    pub fn try_new(id: impl AsRef<str>) -> Result<Self, InvalidInput> {
        let id = id.as_ref();
        let refused = |rule: String| InvalidInput::ProductId {
            value: id.to_owned(),
            rule,
        };
        let valid_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !check_number(id, valid_char) {
            return Err(refused(Self::RULE.to_owned()));
        }
        let stream = StreamId::try_new(format!("{}{id}", Self::STREAM_PREFIX))
            .map_err(|e| refused(e.to_string()))?;
        Ok(Self { stream })
    }

    /// The product of the stream `stream`, if it is a product's.
    pub fn from_stream(stream: &StreamId) -> Result<Self, InvalidInput> {
        let id = stream.as_str();
        match id.strip_prefix(Self::STREAM_PREFIX) {
            Some(id) => Self::try_new(id),
            None => Err(InvalidInput::ProductId {
                value: id.to_owned(),
                rule: format!("a product's stream starts with {:?}", Self::STREAM_PREFIX),
            }),
        }
    }

    /// The id, without the stream's prefix.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let stream = self.stream.as_str();
        stream.strip_prefix(Self::STREAM_PREFIX).unwrap_or(stream)
    }

    /// The product's stream.
    #[must_use]
    pub const fn stream_id(&self) -> &StreamId {
        &self.stream
    }
}

/// An order id: 1 to 32 ASCII letters, digits, `-` or `_`. Its stream is
/// `order-<id>`.
///
/// ```
/// use eventcore::StreamId;
/// use eventcore_examples::ecommerce::OrderId;
///
/// let order = OrderId::try_new("A-1001")?;
/// assert_eq!(StreamId::from(order).as_str(), "order-A-1001");
/// assert!(OrderId::try_new("").is_err());
/// # Ok::<(), eventcore_examples::ecommerce::InvalidInput>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderId {
    /// `order-<id>`, one shared string: cloning an id is cheap.
    stream: StreamId,
}

impl OrderId {
    /// The prefix of every order stream.
    pub const STREAM_PREFIX: &'static str = "order-";
    /// The rule an order id follows.
    pub const RULE: &'static str = "must be 1 to 32 ASCII letters, digits, '-' or '_'";

    /// Validates an order id.
    pub fn try_new(id: impl AsRef<str>) -> Result<Self, InvalidInput> {
        let id = id.as_ref();
        let refused = |rule: String| InvalidInput::OrderId {
            value: id.to_owned(),
            rule,
        };
        let valid_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if !check_number(id, valid_char) {
            return Err(refused(Self::RULE.to_owned()));
        }
        let stream = StreamId::try_new(format!("{}{id}", Self::STREAM_PREFIX))
            .map_err(|e| refused(e.to_string()))?;
        Ok(Self { stream })
    }

    /// The id, without the stream's prefix.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let stream = self.stream.as_str();
        stream.strip_prefix(Self::STREAM_PREFIX).unwrap_or(stream)
    }

    /// The order's stream.
    #[must_use]
    pub const fn stream_id(&self) -> &StreamId {
        &self.stream
    }
}

/// Both ids convert into their streams, by value and by reference (so that
/// `#[stream(ids = OrderLine::product)]` can name a line's product through
/// a borrowing accessor).
macro_rules! id_conversions {
    ($($id:ident),*) => {$(
        impl From<$id> for StreamId {
            fn from(id: $id) -> Self {
                id.stream
            }
        }

        impl From<&$id> for StreamId {
            fn from(id: &$id) -> Self {
                id.stream.clone()
            }
        }

        impl fmt::Display for $id {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $id {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $id {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::try_new(raw).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

id_conversions!(ProductId, OrderId);
