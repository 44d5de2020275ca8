//! The schema name and the SQL text built from it once per store.

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

    /// The name as a quoted SQL identifier.
    pub(crate) fn quoted(&self) -> String {
        // Validation admits no '"', so quoting needs no escaping.
        format!("\"{}\"", self.0)
    }

    /// The LISTEN/NOTIFY channel for this schema's appends.
    pub(crate) fn channel(&self) -> String {
        format!("eventcore_appended_{}", self.0)
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

/// Columns every event query selects, in the order `decode_event` reads them.
const EVENT_COLUMNS: &str =
    "e.global_position, e.stream_id, e.version, e.event_type, e.payload::text, e.metadata::text";

/// The bound below which every position is final: positions are
/// `xid8 << 20 | n`, and no transaction older than the snapshot's xmin can
/// still commit.
const SAFE_BOUND: &str = "(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)";

/// Every statement the store runs, rendered for one schema. Each is sent as
/// a prepared statement, which sqlx caches per connection.
#[derive(Debug)]
pub(crate) struct Statements {
    pub append: String,
    pub append_committed: String,
    pub read_streams: String,
    pub stream_versions: String,
    pub stream_version: String,
    /// Indexed by `[has_prefix as usize][has_types as usize]`.
    pub read_all: [[String; 2]; 2],
    pub head_position: String,
    pub count_events: String,
    pub load_checkpoint: String,
    pub save_checkpoint: String,
    pub acquire_lease: String,
    pub renew_lease: String,
    pub release_lease: String,
}

impl Statements {
    pub(crate) fn new(schema: &SchemaName) -> Self {
        let s = schema.quoted();
        // `bound` is the gap-safe limit; `newest` the newest committed
        // position, visible but maybe not yet safe: when it is past `bound`
        // the reader knows an older transaction is still open.
        let read_all = |prefix: bool, types: bool| {
            let mut sql = format!(
                "SELECT h.bound, h.newest, {EVENT_COLUMNS} \
                 FROM (SELECT {SAFE_BOUND} AS bound, \
                              (SELECT max(global_position) FROM {s}.events) AS newest) AS h \
                 LEFT JOIN LATERAL (SELECT * FROM {s}.events AS e \
                     WHERE e.global_position > $1 AND e.global_position < h.bound"
            );
            if prefix {
                // Written so no index can serve it: read_all must walk
                // `events_pkey` in position order. An index on the filter
                // plus a sort reads every remaining row on every call when
                // the planner misjudges how many rows match (as it does on
                // a freshly loaded table).
                sql.push_str(" AND left(e.stream_id, char_length($3)) = $3");
            }
            if types {
                sql.push_str(if prefix {
                    " AND (e.event_type || '') = ANY($4)"
                } else {
                    " AND (e.event_type || '') = ANY($3)"
                });
            }
            sql.push_str(
                " ORDER BY e.global_position LIMIT $2) AS e ON true ORDER BY e.global_position",
            );
            sql
        };
        Self {
            append: format!(
                "SELECT conflict_index, actual_version, first_position, new_versions \
                 FROM {s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ),
            append_committed: format!(
                "CALL {s}.append_events_committed($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                 NULL, NULL, NULL, NULL)"
            ),
            // The OFFSET 0 keeps the version lookup a per-stream index probe
            // (the planner would otherwise hash the whole table when it
            // misjudges the array's length).
            read_streams: format!(
                "SELECT r.idx, coalesce(st.version, 0), {EVENT_COLUMNS} \
                 FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(stream_id, after, idx) \
                 LEFT JOIN LATERAL (SELECT version FROM {s}.streams AS st \
                     WHERE st.stream_id = r.stream_id OFFSET 0) AS st ON true \
                 LEFT JOIN {s}.events AS e ON e.stream_id = r.stream_id AND e.version > r.after \
                 ORDER BY r.idx, e.version"
            ),
            stream_versions: format!(
                "SELECT stream_id, version FROM {s}.streams WHERE stream_id = ANY($1)"
            ),
            stream_version: format!("SELECT version FROM {s}.streams WHERE stream_id = $1"),
            count_events: format!(
                "SELECT count(*) FROM (SELECT 1 FROM {s}.events \
                 WHERE global_position > $1 AND global_position <= $2 LIMIT $3) AS capped"
            ),
            read_all: [
                [read_all(false, false), read_all(false, true)],
                [read_all(true, false), read_all(true, true)],
            ],
            head_position: format!(
                "SELECT coalesce((SELECT max(e.global_position) FROM {s}.events AS e \
                                  WHERE e.global_position < {SAFE_BOUND}), 0), \
                        (SELECT max(global_position) FROM {s}.events)"
            ),
            load_checkpoint: format!("SELECT position FROM {s}.checkpoints WHERE name = $1"),
            save_checkpoint: format!(
                "SELECT saved, fenced_out, actual FROM {s}.save_checkpoint($1, $2, $3, $4, $5)"
            ),
            // A new tenure (other holder, or the lease lapsed) bumps the token.
            acquire_lease: format!(
                "INSERT INTO {s}.leases AS l (name, holder, token, expires_at) \
                 VALUES ($1, $2, 1, clock_timestamp() + $3::interval) \
                 ON CONFLICT (name) DO UPDATE SET \
                     token = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp() \
                                  THEN l.token ELSE l.token + 1 END, \
                     holder = EXCLUDED.holder, \
                     expires_at = EXCLUDED.expires_at \
                 WHERE l.holder = EXCLUDED.holder OR l.expires_at <= clock_timestamp() \
                 RETURNING l.token, l.expires_at"
            ),
            renew_lease: format!(
                "UPDATE {s}.leases AS l SET expires_at = clock_timestamp() + $4::interval \
                 WHERE l.name = $1 AND l.holder = $2 AND l.token = $3 AND l.expires_at > clock_timestamp() \
                 RETURNING l.expires_at"
            ),
            release_lease: format!(
                "UPDATE {s}.leases AS l SET expires_at = least(l.expires_at, clock_timestamp()) \
                 WHERE l.name = $1 AND l.holder = $2 AND l.token = $3"
            ),
        }
    }
}

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
