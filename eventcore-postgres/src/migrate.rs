//! Embedded, versioned migrations, applied under an advisory lock.
//!
//! NOTE: hand-written rather than sqlx's `migrate!`, which embeds fixed SQL:
//! ours is a template rendered for each store's schema, and its bookkeeping
//! lives in that schema. So the workspace does not enable sqlx's `migrate`
//! feature.

use eventcore::StoreError;
use sqlx::{Executor, PgPool, Row};

use crate::{SchemaName, error::SqlxErrors, schema::render, transaction::Transaction};

/// One embedded migration. `sql` is a template with a `__SCHEMA__`
/// placeholder.
struct Migration {
    version: i32,
    description: &'static str,
    sql: &'static str,
}

/// Every migration, in order. Never edit one that has shipped: add a new one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "event store",
        sql: include_str!("../migrations/0001_event_store.sql"),
    },
    Migration {
        version: 2,
        description: "leaner append function",
        sql: include_str!("../migrations/0002_leaner_append.sql"),
    },
    Migration {
        version: 3,
        description: "drop the event type index",
        sql: include_str!("../migrations/0003_drop_type_index.sql"),
    },
    Migration {
        version: 4,
        description: "committed append procedure and checkpoint compare-and-set",
        sql: include_str!("../migrations/0004_committed_append_and_checkpoint_cas.sql"),
    },
    Migration {
        version: 5,
        description: "store-local visibility: positions from epochs, readers wait only for this store's appends",
        sql: include_str!("../migrations/0005_store_local_visibility.sql"),
    },
    Migration {
        version: 6,
        description: "schema versions: each event keeps its type's schema version, payloads hold the event's data alone",
        sql: include_str!("../migrations/0006_schema_versions.sql"),
    },
    Migration {
        version: 7,
        description: "idempotency keys: a batch's claim is recorded with the positions it wrote, in its transaction",
        sql: include_str!("../migrations/0007_idempotency_keys.sql"),
    },
    Migration {
        version: 8,
        description: "scheduled messages: timers kept until a scheduler fires them",
        sql: include_str!("../migrations/0008_scheduled_messages.sql"),
    },
    Migration {
        version: 9,
        description: "snapshots: one folded state per stream and state type",
        sql: include_str!("../migrations/0009_snapshots.sql"),
    },
    Migration {
        version: 10,
        description: "projection controls: pause, resume and rebuild requests runners obey",
        sql: include_str!("../migrations/0010_projection_controls.sql"),
    },
    Migration {
        version: 11,
        description: "group append: several batches in one transaction, each with its own outcome",
        sql: include_str!("../migrations/0011_group_append.sql"),
    },
];

/// One migration this build embeds, and when the store's schema got it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationInfo {
    /// Its number; migrations apply in this order.
    pub version: i32,
    /// What it does.
    pub description: &'static str,
    /// When it was applied to the schema; `None` while pending.
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every embedded migration with its state in `schema` (all pending when
/// the schema or its bookkeeping does not exist yet).
pub(crate) async fn status(
    pool: &PgPool,
    schema: &SchemaName,
    errors: SqlxErrors,
) -> Result<Vec<MigrationInfo>, StoreError> {
    let map = errors.on("migrations");
    let table = format!("{}.eventcore_migrations", schema.quoted());
    let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(&table)
        .fetch_one(pool)
        .await
        .map_err(&map)?;
    let applied: Vec<(i32, chrono::DateTime<chrono::Utc>)> = if exists {
        sqlx::query_as(&format!("SELECT version, applied_at FROM {table}"))
            .fetch_all(pool)
            .await
            .map_err(&map)?
    } else {
        Vec::new()
    };
    Ok(MIGRATIONS
        .iter()
        .map(|m| MigrationInfo {
            version: m.version,
            description: m.description,
            applied_at: applied
                .iter()
                .find(|(version, _)| *version == m.version)
                .map(|(_, at)| *at),
        })
        .collect())
}

/// FNV-1a over the template text: detects a migration edited after it was
/// applied. Not a security measure.
fn checksum(sql: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sql.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Applies every pending migration in one transaction.
///
/// A transaction-scoped advisory lock keyed on the schema serializes
/// concurrent migrators (other processes included): the second one waits,
/// then finds nothing left to do.
pub(crate) async fn run(
    pool: &PgPool,
    schema: &SchemaName,
    errors: SqlxErrors,
) -> Result<(), StoreError> {
    let map = errors.on("migrate");
    let s = schema.quoted();
    // Cancel-safe: a migration dropped half-way closes its connection.
    let mut tx = Transaction::begin(pool, errors).await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("eventcore-postgres migrate {}", schema.as_str()))
        .execute(&mut *tx)
        .await
        .map_err(&map)?;
    // Create the schema only when it is missing: `CREATE SCHEMA IF NOT
    // EXISTS` needs CREATE on the database even when the schema exists, so
    // a role that a DBA gave only USAGE and CREATE on a prepared schema
    // could not migrate.
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(&map)?;
    if !exists {
        tx.execute(format!("CREATE SCHEMA {s}").as_str())
            .await
            .map_err(&map)?;
    }
    // A query without arguments goes out as a simple query, so it may hold
    // several statements. (Not `sqlx::raw_sql`: its generic `execute` makes
    // this future not `Send` for every lifetime, and `migrate()` could then
    // not be spawned.)
    let bookkeeping = format!(
        "CREATE TABLE IF NOT EXISTS {s}.eventcore_migrations ( \
             version integer PRIMARY KEY, \
             description text NOT NULL, \
             checksum text NOT NULL, \
             applied_at timestamptz NOT NULL DEFAULT now())"
    );
    tx.execute(bookkeeping.as_str()).await.map_err(&map)?;
    let applied = sqlx::query(&format!(
        "SELECT version, checksum FROM {s}.eventcore_migrations ORDER BY version"
    ))
    .fetch_all(&mut *tx)
    .await
    .map_err(&map)?;
    let mut applied_versions = Vec::with_capacity(applied.len());
    for row in &applied {
        let version: i32 = row.try_get("version").map_err(&map)?;
        let sum: String = row.try_get("checksum").map_err(&map)?;
        match MIGRATIONS.iter().find(|m| m.version == version) {
            Some(m) if checksum(m.sql) != sum => {
                return Err(StoreError::Corrupt {
                    detail: format!(
                        "migration {version} ({}) in schema {schema} was applied from different SQL \
                         than this build embeds (checksum {sum}, expected {})",
                        m.description,
                        checksum(m.sql)
                    ),
                });
            }
            Some(_) => applied_versions.push(version),
            None => {
                return Err(StoreError::Corrupt {
                    detail: format!(
                        "schema {schema} has migration {version}, which this build does not know; \
                         it was migrated by a newer eventcore-postgres"
                    ),
                });
            }
        }
    }
    for migration in MIGRATIONS
        .iter()
        .filter(|m| !applied_versions.contains(&m.version))
    {
        tracing::info!(schema = %schema, version = migration.version, "applying migration");
        let sql = render(migration.sql, schema);
        tx.execute(sql.as_str()).await.map_err(&map)?;
        sqlx::query(&format!(
            "INSERT INTO {s}.eventcore_migrations (version, description, checksum) VALUES ($1, $2, $3)"
        ))
        .bind(migration.version)
        .bind(migration.description)
        .bind(checksum(migration.sql))
        .execute(&mut *tx)
        .await
        .map_err(&map)?;
    }
    tx.commit().await
}
