//! Validated input types: invalid raw data is rejected here, at construction,
//! so commands only ever hold valid values.

use std::fmt;

use eventcore::{StreamId, ValidationError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money in cents, never negative, at most
/// [`Money::MAX_CENTS`].
///
/// ```
/// use eventcore_examples::banking::Money;
///
/// let price = Money::try_from_cents(1_250)?;
/// assert_eq!(price.to_string(), "12.50");
/// assert!(Money::try_from_cents(-1).is_err());
/// assert_eq!(Money::parse("3.07")?.cents(), 307);
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(u64);

impl Money {
    /// The largest amount accepted: one trillion (10^12) whole units.
    pub const MAX_CENTS: u64 = 100_000_000_000_000;

    /// Zero.
    pub const ZERO: Self = Self(0);

    /// Accepts `0..=MAX_CENTS` cents.
    pub fn try_from_cents(cents: i64) -> Result<Self, ValidationError> {
        let Ok(cents) = u64::try_from(cents) else {
            return Err(ValidationError::invalid(
                "Money",
                cents,
                "must not be negative",
            ));
        };
        if cents > Self::MAX_CENTS {
            return Err(ValidationError::invalid(
                "Money",
                cents,
                format!("must be at most {} cents", Self::MAX_CENTS),
            ));
        }
        Ok(Self(cents))
    }

    /// Parses `"12"`, `"12.3"` or `"12.34"` (whole units, optional cents).
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let rule = "must look like 12, 12.3 or 12.34 (digits, at most two decimals)";
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 2 {
            return Err(ValidationError::invalid("Money", text, rule));
        }
        let whole: i64 = whole
            .parse()
            .map_err(|_| ValidationError::invalid("Money", text, rule))?;
        let cents: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        let total = whole
            .checked_mul(100)
            .and_then(|c| c.checked_add(cents))
            .ok_or_else(|| ValidationError::invalid("Money", text, "is too large"))?;
        Self::try_from_cents(total)
    }

    /// The amount in cents.
    #[must_use]
    pub const fn cents(self) -> u64 {
        self.0
    }

    /// `self + other`, or `None` past [`Money::MAX_CENTS`].
    #[must_use]
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0
            .checked_add(other.0)
            .filter(|c| *c <= Self::MAX_CENTS)
            .map(Self)
    }

    /// `self - other`, or `None` below zero.
    #[must_use]
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.0.checked_sub(other.0).map(Self)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let cents = u64::deserialize(deserializer)?;
        let cents = i64::try_from(cents).map_err(serde::de::Error::custom)?;
        Self::try_from_cents(cents).map_err(serde::de::Error::custom)
    }
}

/// A strictly positive amount: what deposits, withdrawals and transfers move.
///
/// ```
/// use eventcore_examples::banking::{Amount, Money};
///
/// assert!(Amount::try_new(Money::ZERO).is_err());
/// assert_eq!(Amount::try_from_cents(5)?.money().cents(), 5);
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Amount(Money);

impl Amount {
    /// Accepts any non-zero [`Money`].
    pub fn try_new(money: Money) -> Result<Self, ValidationError> {
        if money == Money::ZERO {
            return Err(ValidationError::invalid(
                "Amount",
                money,
                "must be greater than zero",
            ));
        }
        Ok(Self(money))
    }

    /// Accepts `1..=Money::MAX_CENTS` cents.
    pub fn try_from_cents(cents: i64) -> Result<Self, ValidationError> {
        Self::try_new(Money::try_from_cents(cents)?)
    }

    /// The amount as money.
    #[must_use]
    pub const fn money(self) -> Money {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_new(Money::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// An account number: 1 to 32 ASCII letters, digits, `-` or `_`. Its
/// stream is `account-<number>`.
///
/// ```
/// use eventcore::StreamId;
/// use eventcore_examples::banking::AccountId;
///
/// let id = AccountId::try_new("alice-1")?;
/// assert_eq!(StreamId::from(id).as_str(), "account-alice-1");
/// assert!(AccountId::try_new("no spaces").is_err());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId {
    /// `account-<number>`; the number is the part after the prefix. One
    /// shared string, so cloning an id is cheap.
    stream: StreamId,
}

impl AccountId {
    /// The prefix of every account stream.
    pub const STREAM_PREFIX: &'static str = "account-";

    /// Validates an account number.
    pub fn try_new(number: impl AsRef<str>) -> Result<Self, ValidationError> {
        let number = number.as_ref();
        let valid_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if number.is_empty() || number.len() > 32 || !number.chars().all(valid_char) {
            return Err(ValidationError::invalid(
                "AccountId",
                number.escape_debug(),
                "must be 1 to 32 ASCII letters, digits, '-' or '_'",
            ));
        }
        let stream = StreamId::try_new(format!("{}{number}", Self::STREAM_PREFIX))?;
        Ok(Self { stream })
    }

    /// The account number.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let stream = self.stream.as_str();
        stream.strip_prefix(Self::STREAM_PREFIX).unwrap_or(stream)
    }

    /// The account's stream.
    #[must_use]
    pub const fn stream_id(&self) -> &StreamId {
        &self.stream
    }
}

impl From<AccountId> for StreamId {
    fn from(id: AccountId) -> Self {
        id.stream
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::try_new(raw).map_err(serde::de::Error::custom)
    }
}

/// The name of an account's owner: 1 to 100 characters, not blank.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Owner(String);

impl Owner {
    /// Validates an owner name.
    pub fn try_new(name: impl Into<String>) -> Result<Self, ValidationError> {
        let name = name.into();
        let length = name.chars().count();
        if name.trim().is_empty() || length > 100 || name.chars().any(char::is_control) {
            return Err(ValidationError::invalid(
                "Owner",
                name.escape_debug(),
                "must be 1 to 100 characters, not blank, without control characters",
            ));
        }
        Ok(Self(name))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Owner {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_new(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}
