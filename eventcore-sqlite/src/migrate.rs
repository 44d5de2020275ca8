//! The schema's migrations, embedded in the crate and applied in order.

use eventcore::StoreError;
use sqlx::{Executor, Row, SqliteConnection};

use crate::SqliteStore;

/// One embedded migration.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "event store",
    sql: include_str!("../migrations/0001_event_store.sql"),
}];

/// A migration and whether this file has it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationInfo {
    /// Its number; migrations apply in this order.
    pub version: i64,
    /// What it does.
    pub name: &'static str,
    /// Whether the file has it.
    pub applied: bool,
}

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS eventcore_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)";

impl SqliteStore {
    /// Applies every migration the file lacks, in one transaction, and
    /// returns how many it applied (0 when the file is up to date). Safe
    /// to run from several processes at once: they queue on the write
    /// lock, and the later ones find nothing to do.
    ///
    /// A file migrated by a newer version of this crate (it has a
    /// migration this one does not know) is refused with
    /// [`StoreError::Corrupt`] rather than used with a schema this code
    /// does not understand.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        const OPERATION: &str = "migrate";
        let map = self.shared.errors.on(OPERATION);
        let mut tx = self.shared.begin(OPERATION).await?;
        let result = self.apply_missing(&mut tx, &map).await;
        let count = tx.end(result).await?;
        if count > 0 {
            tracing::info!(file = %self.shared.path, applied = count, "eventcore-sqlite: migrated");
        }
        Ok(count)
    }

    /// Applies the migrations the file lacks, inside a write transaction.
    async fn apply_missing(
        &self,
        tx: &mut SqliteConnection,
        map: &impl Fn(sqlx::Error) -> StoreError,
    ) -> Result<usize, StoreError> {
        sqlx::query(CREATE_LEDGER)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM eventcore_migrations")
            .fetch_all(&mut *tx)
            .await
            .map_err(map)?;
        self.refuse_unknown(&applied)?;
        let mut count = 0;
        for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
            Executor::execute(&mut *tx, sqlx::raw_sql(migration.sql))
                .await
                .map_err(map)?;
            sqlx::query("INSERT INTO eventcore_migrations (version, name) VALUES (?1, ?2)")
                .bind(migration.version)
                .bind(migration.name)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            count += 1;
        }
        Ok(count)
    }

    /// Every migration this crate knows, and whether the file has it.
    pub async fn migrations(&self) -> Result<Vec<MigrationInfo>, StoreError> {
        const OPERATION: &str = "migrations";
        let map = self.shared.errors.on(OPERATION);
        let ledger: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'eventcore_migrations'",
        )
        .fetch_optional(&self.shared.readers)
        .await
        .map_err(&map)?;
        let applied: Vec<i64> = if ledger.is_some() {
            sqlx::query("SELECT version FROM eventcore_migrations")
                .fetch_all(&self.shared.readers)
                .await
                .map_err(&map)?
                .iter()
                .map(|row| row.try_get("version"))
                .collect::<Result<_, _>>()
                .map_err(&map)?
        } else {
            Vec::new()
        };
        self.refuse_unknown(&applied)?;
        Ok(MIGRATIONS
            .iter()
            .map(|m| MigrationInfo {
                version: m.version,
                name: m.name,
                applied: applied.contains(&m.version),
            })
            .collect())
    }

    fn refuse_unknown(&self, applied: &[i64]) -> Result<(), StoreError> {
        match applied
            .iter()
            .find(|v| !MIGRATIONS.iter().any(|m| m.version == **v))
        {
            Some(unknown) => Err(StoreError::Corrupt {
                detail: format!(
                    "{} has migration {unknown}, which this version of eventcore-sqlite \
                     does not know (it knows 1 to {}): it was written by a newer version",
                    self.shared.path,
                    MIGRATIONS.len()
                ),
            }),
            None => Ok(()),
        }
    }
}
