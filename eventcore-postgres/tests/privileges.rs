//! Least-privilege deployments: a migrating role with only USAGE and CREATE
//! on a schema a DBA prepared, and a runtime role with only the grants the
//! crate docs list. Roles are cluster-wide, so each test makes its own,
//! uniquely named, and drops them.

#![cfg(test)]

mod common;

use std::time::Duration;

use common::{TestResult, event, id};
use eventcore::{
    GlobalPosition, IdempotencyKey, StoreError, StreamVersion, Timestamp,
    store::{
        AppendBatch, CheckpointStore, EventStore, ExpectedVersion, IdempotencyClaim, LeaseStore,
        ScheduleStore, ScheduledMessage, Settled,
    },
};
use eventcore_postgres::{PostgresConfig, PostgresStore, sqlx};

/// Roles made for one test, dropped with everything they own.
struct Roles {
    admin: sqlx::PgPool,
    names: Vec<String>,
}

impl Roles {
    async fn drop_all(self) {
        for name in &self.names {
            let _ = sqlx::raw_sql(&format!(
                "DROP OWNED BY {name} CASCADE; DROP ROLE IF EXISTS {name}"
            ))
            .execute(&self.admin)
            .await;
        }
    }
}

fn url_as(role: &str) -> String {
    common::database_url().replacen("postgres@", &format!("{role}@"), 1)
}

#[tokio::test]
async fn a_least_privilege_role_migrates_and_a_runtime_role_runs() -> TestResult {
    let admin = sqlx::PgPool::connect(&common::database_url()).await?;
    let schema = common::fresh_schema();
    let suffix = &schema.as_str()["ec_test_".len()..];
    let (migrator, runtime) = (format!("ec_mig_{suffix}"), format!("ec_run_{suffix}"));
    let roles = Roles {
        admin: admin.clone(),
        names: vec![migrator.clone(), runtime.clone()],
    };
    let s = format!("\"{schema}\"");
    // What a DBA does once: the roles, and a schema the migrator may fill.
    sqlx::raw_sql(&format!(
        "CREATE ROLE {migrator} LOGIN; CREATE ROLE {runtime} LOGIN; \
         CREATE SCHEMA {s}; GRANT USAGE, CREATE ON SCHEMA {s} TO {migrator}; \
         GRANT USAGE ON SCHEMA {s} TO {runtime}"
    ))
    .execute(&admin)
    .await?;

    let outcome = async {
        // Before the fix: "permission denied for database" from CREATE SCHEMA
        // IF NOT EXISTS, although the schema existed.
        let as_migrator = PostgresConfig::from_url(url_as(&migrator))
            .schema(schema.clone())
            .connect()
            .await?;
        as_migrator.migrate().await?;
        as_migrator.migrate().await?; // idempotent under the same grants

        // The runtime grants the migrating role (which owns the tables)
        // gives, as the crate docs list them.
        sqlx::raw_sql(&format!(
            "GRANT SELECT, INSERT, UPDATE ON {s}.events, {s}.streams, {s}.checkpoints, {s}.leases, \
             {s}.idempotency_keys, {s}.scheduled_messages TO {runtime}; \
             GRANT DELETE ON {s}.idempotency_keys, {s}.scheduled_messages TO {runtime}; \
             GRANT USAGE, SELECT ON SEQUENCE {s}.append_epochs TO {runtime}; \
             GRANT EXECUTE ON ALL ROUTINES IN SCHEMA {s} TO {runtime}"
        ))
        .execute(as_migrator.pool())
        .await?;

        let store: PostgresStore = PostgresConfig::from_url(url_as(&runtime))
            .schema(schema.clone())
            .connect()
            .await?;
        runs_as_runtime(&store).await?;
        // The runtime role cannot change the schema: migrating is refused
        // with a typed error, not a panic.
        let refused = store.migrate().await;
        assert!(
            matches!(refused, Err(StoreError::Backend { .. })),
            "{refused:?}"
        );
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    }
    .await;
    sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"))
        .execute(&admin)
        .await?;
    roles.drop_all().await;
    outcome
}

/// What the running application does, each allowed by the runtime grants:
/// appends (alone, in a transaction, with an idempotency key), reads,
/// leases, checkpoints and purging expired keys.
async fn runs_as_runtime(
    store: &PostgresStore,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let written = store
        .append(AppendBatch::single(
            id("least-privilege"),
            ExpectedVersion::NO_STREAM,
            vec![event("E", &serde_json::json!({}))],
        ))
        .await?;
    let mut tx = store.begin().await?;
    store
        .append_in(
            &mut tx,
            AppendBatch::single(
                id("least-privilege"),
                ExpectedVersion::Exact(written.events[0].version),
                vec![event("E", &serde_json::json!({}))],
            ),
        )
        .await?;
    tx.commit().await?;
    let key = IdempotencyKey::try_new("least-privilege")?;
    store
        .append(
            AppendBatch::single(
                id("least-privilege"),
                ExpectedVersion::Exact(StreamVersion::new(2)),
                vec![event("E", &serde_json::json!({}))],
            )
            .with_idempotency(
                IdempotencyClaim::new(key.clone(), "Test", uuid::Uuid::nil())
                    .retained_for(Duration::ZERO),
            ),
        )
        .await?;
    assert_eq!(store.purge_idempotency_records().await?, 1);
    let timer = ScheduledMessage::new(key, "runtime", Timestamp::now(), serde_json::json!(1))?;
    assert!(store.schedule(timer.clone()).await?);
    let due = store.due_messages("runtime", Timestamp::now(), 10).await?;
    assert_eq!(due, vec![timer.clone()]);
    assert!(store.settle(timer.id(), Settled::Fired).await?);
    let later = Timestamp::new(Timestamp::now().into_inner() + chrono::TimeDelta::seconds(1));
    assert_eq!(store.purge_settled(later).await?, 1);
    let read = store.read_streams(&[id("least-privilege")]).await?;
    assert_eq!(read.version_of(&id("least-privilege")).value(), 3);
    let lease = store
        .try_acquire_lease("p", "runtime", Duration::from_secs(5))
        .await?
        .expect("a free lease");
    store
        .save_checkpoint(
            "p",
            GlobalPosition::START,
            written.events[0].position,
            Some(&lease),
        )
        .await?;
    assert_eq!(
        store.load_checkpoint("p").await?,
        Some(written.events[0].position)
    );
    Ok(())
}
