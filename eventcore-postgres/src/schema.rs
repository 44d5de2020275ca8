//! The schema that holds a store's tables, and SQL templated with it.

use std::fmt;

use eventcore::ValidationError;

/// The PostgreSQL schema that holds the event store's tables.
///
/// Two applications can share one database by using different schemas. A
/// name is 1 to 48 characters of lowercase ASCII letters, digits and `_`, and
/// does not start with a digit or `pg_`; it is always used quoted, so it can
/// never inject SQL.
///
/// ```
/// use eventcore_postgres::SchemaName;
///
/// let schema = SchemaName::try_new("billing_events")?;
/// assert_eq!(schema.as_str(), "billing_events");
/// assert!(SchemaName::try_new("Billing").is_err());
/// assert!(SchemaName::try_new("x; drop table events").is_err());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SchemaName(String);

impl SchemaName {
    /// The longest accepted name. It leaves room for the notification
    /// channel name within PostgreSQL's 63-byte identifier limit.
    pub const MAX_LEN: usize = 48;

    /// The default schema, `eventcore`.
    #[must_use]
    pub fn default_schema() -> Self {
        Self("eventcore".to_owned())
    }

    /// Validates a schema name.
    pub fn try_new(name: impl AsRef<str>) -> Result<Self, ValidationError> {
        let name = name.as_ref();
        let rule = if name.is_empty() {
            Some("must not be empty".to_owned())
        } else if name.len() > Self::MAX_LEN {
            Some(format!("must be at most {} characters long", Self::MAX_LEN))
        } else if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            Some("may contain only lowercase ASCII letters, digits and '_'".to_owned())
        } else if name.as_bytes()[0].is_ascii_digit() {
            Some("must not start with a digit".to_owned())
        } else if name.starts_with("pg_") {
            Some("must not start with \"pg_\", which PostgreSQL reserves".to_owned())
        } else {
            None
        };
        match rule {
            Some(rule) => Err(ValidationError::invalid("SchemaName", name, rule)),
            None => Ok(Self(name.to_owned())),
        }
    }

    /// The name, unquoted.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as a quoted SQL identifier, for queries of your own on the
    /// store's tables (the name's rules leave nothing to escape).
    ///
    /// ```
    /// use eventcore_postgres::SchemaName;
    ///
    /// assert_eq!(SchemaName::try_new("bank")?.quoted(), "\"bank\"");
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    #[must_use]
    pub fn quoted(&self) -> String {
        // Validation admits no '"', so quoting needs no escaping.
        format!("\"{}\"", self.0)
    }

    /// The prefix of [`channel`](Self::channel): with the longest name it
    /// stays within PostgreSQL's 63-byte identifier limit.
    const CHANNEL_PREFIX: &'static str = "eventcore_";

    /// The LISTEN/NOTIFY channel for this schema's appends:
    /// `eventcore_<schema>`.
    ///
    /// ```
    /// use eventcore_postgres::SchemaName;
    ///
    /// let longest = SchemaName::try_new("s".repeat(SchemaName::MAX_LEN))?;
    /// assert!(longest.channel().len() <= 63);
    /// assert_eq!(SchemaName::default().channel(), "eventcore_eventcore");
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    #[must_use]
    pub fn channel(&self) -> String {
        format!("{}{}", Self::CHANNEL_PREFIX, self.0)
    }
}

impl Default for SchemaName {
    fn default() -> Self {
        Self::default_schema()
    }
}

impl fmt::Debug for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Replaces the `__SCHEMA__` placeholder in SQL text.
pub(crate) fn render(template: &str, schema: &SchemaName) -> String {
    template.replace("__SCHEMA__", &schema.quoted())
}

// Every accepted name yields a channel PostgreSQL accepts (NAMEDATALEN - 1).
const _: () = assert!(SchemaName::CHANNEL_PREFIX.len() + SchemaName::MAX_LEN <= 63);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_follow_the_identifier_rule() {
        for good in ["eventcore", "_x", "app_1", &"a".repeat(48)] {
            assert!(SchemaName::try_new(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1abc",
            "Abc",
            "a-b",
            "a\"b",
            "pg_temp",
            &"a".repeat(49),
            "ä",
        ] {
            assert!(SchemaName::try_new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejected_schema_name_error_names_value_and_rule() {
        let err = SchemaName::try_new("My Schema")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "SchemaName \"My Schema\" is invalid: may contain only lowercase ASCII letters, digits and '_'"
            )
        );
    }
}
