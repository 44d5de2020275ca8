//! Quantities and prices: validated numbers.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::InvalidInput;

/// A number of units on an order line or in a restock: 1 to
/// [`Quantity::MAX`].
///
/// ```
/// use eventcore_examples::ecommerce::Quantity;
///
/// assert_eq!(Quantity::try_new(3)?.get(), 3);
/// assert!(Quantity::try_new(-1).is_err());
/// assert!(Quantity::try_new(i64::from(Quantity::MAX) + 1).is_err());
/// # Ok::<(), eventcore_examples::ecommerce::InvalidInput>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(u32);

impl Quantity {
    /// The largest quantity accepted.
    pub const MAX: u32 = 10_000;
    /// The rule a quantity follows.
    pub const RULE: &'static str = "must be between 1 and 10000";

    /// Accepts `1..=Quantity::MAX`.
    pub fn try_new(units: i64) -> Result<Self, InvalidInput> {
        match u32::try_from(units) {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(InvalidInput::Quantity {
                value: units,
                rule: Self::RULE,
            }),
        }
    }

    /// The number of units.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The number of units, widened for stock arithmetic.
    #[must_use]
    pub fn units(self) -> u64 {
        u64::from(self.0)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_new(i64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A unit price in cents: 1 to [`Price::MAX_CENTS`] (a shop gives nothing
/// away on an order line).
///
/// ```
/// use eventcore_examples::ecommerce::Price;
///
/// let price = Price::try_from_cents(1_999)?;
/// assert_eq!(price.to_string(), "19.99");
/// assert!(Price::try_from_cents(0).is_err());
/// # Ok::<(), eventcore_examples::ecommerce::InvalidInput>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(u64);

impl Price {
    /// The highest price accepted: one million whole units.
    pub const MAX_CENTS: u64 = 100_000_000;
    /// The rule a price follows.
    pub const RULE: &'static str = "must be between 1 and 100000000 cents";

    /// Accepts `1..=Price::MAX_CENTS` cents.
    pub fn try_from_cents(cents: i64) -> Result<Self, InvalidInput> {
        match u64::try_from(cents) {
            Ok(c) if (1..=Self::MAX_CENTS).contains(&c) => Ok(Self(c)),
            _ => Err(InvalidInput::Price {
                value: cents,
                rule: Self::RULE,
            }),
        }
    }

    /// The price in cents.
    #[must_use]
    pub const fn cents(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_from_cents(i64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}
