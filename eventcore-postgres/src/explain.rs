//! EXPLAIN of every hot query against a populated schema, with the generic
//! plans prepared statements end up using: each must be an index scan.
//! Run with `--nocapture` to see the plans.

use eventcore::{
    EventMetadata, SerializedEvent, StreamId,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent, StreamWrite},
};
use sqlx::Row;

use crate::{PostgresConfig, PostgresStore, SchemaName, store::Statements};

async fn populated_store() -> PostgresStore {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let random = uuid::Uuid::now_v7().simple().to_string();
    let schema = SchemaName::try_new(format!("ec_test_{}_{}", std::process::id(), &random[16..]))
        .expect("schema name");
    let store = PostgresConfig::from_url(url)
        .schema(schema)
        .connect()
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    for batch in 0..200 {
        let writes = (0..5)
            .map(|s| {
                let id = StreamId::try_new(format!("stream-{batch}-{s}")).expect("id");
                let events = (0..6)
                    .map(|n| {
                        let kind = if n % 3 == 0 { "Opened" } else { "Deposited" };
                        NewEvent::new(
                            SerializedEvent::new(kind, "{\"n\":1}"),
                            EventMetadata::new(),
                        )
                    })
                    .collect();
                StreamWrite::new(id, ExpectedVersion::NO_STREAM, events)
            })
            .collect();
        store
            .append(AppendBatch::try_new(writes).expect("batch"))
            .await
            .expect("append");
    }
    sqlx::raw_sql(&format!(
        "ANALYZE \"{}\".events; ANALYZE \"{}\".streams",
        store.schema(),
        store.schema()
    ))
    .execute(store.pool())
    .await
    .expect("analyze");
    store
}

async fn explain(store: &PostgresStore, name: &str, types: &str, sql: &str, args: &str) -> String {
    let mut conn = store.pool().acquire().await.expect("connection");
    let script =
        format!("SET plan_cache_mode = force_generic_plan; PREPARE {name}{types} AS {sql}");
    sqlx::raw_sql(&script)
        .execute(&mut *conn)
        .await
        .expect("prepare");
    let rows = sqlx::query(&format!("EXPLAIN (COSTS OFF) EXECUTE {name}{args}"))
        .fetch_all(&mut *conn)
        .await
        .expect("explain");
    sqlx::raw_sql(&format!("DEALLOCATE {name}; RESET plan_cache_mode"))
        .execute(&mut *conn)
        .await
        .expect("deallocate");
    let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
    plan.join("\n")
}

#[tokio::test]
async fn every_hot_query_uses_an_index() {
    let store = populated_store().await;
    let sql = Statements::new(store.schema());
    let s = store.schema().to_string();
    let lock =
        format!("SELECT version FROM \"{s}\".streams WHERE stream_id = $1 FOR NO KEY UPDATE");
    // The two reads of `read_head` (migration 5), which EXPLAIN of the
    // function call does not show.
    let head_safe = format!(
        "SELECT coalesce(max(e.global_position), 0) FROM \"{s}\".events AS e \
         WHERE e.global_position < $1"
    );
    let head_newest = format!("SELECT max(e.global_position) FROM \"{s}\".events AS e");
    let cases = [
        (
            "read_streams",
            "(text[], bigint[])",
            sql.read_streams.as_str(),
            "(ARRAY['stream-7-1','stream-9-3'], ARRAY[0, 5]::bigint[])",
        ),
        (
            "stream_version",
            "(text)",
            sql.stream_version.as_str(),
            "('stream-7-1')",
        ),
        ("append_lock", "(text)", lock.as_str(), "('stream-7-1')"),
        (
            "read_all",
            "(bigint, bigint, bigint)",
            sql.read_all.unfiltered.as_str(),
            "(0, 100, 9223372036854775807)",
        ),
        (
            "read_all_types",
            "(bigint, bigint, bigint, text[])",
            sql.read_all.by_type.as_str(),
            "(0, 100, 9223372036854775807, ARRAY['Opened'])",
        ),
        (
            "read_all_prefix",
            "(bigint, bigint, bigint, text)",
            sql.read_all.by_prefix.as_str(),
            "(0, 100, 9223372036854775807, 'stream-7-')",
        ),
        (
            "head_safe",
            "(bigint)",
            head_safe.as_str(),
            "(9223372036854775807)",
        ),
        ("head_newest", "", head_newest.as_str(), ""),
        (
            "count_events",
            "(bigint, bigint, bigint)",
            sql.count_events.as_str(),
            "(0, 9223372036854775807, 1000000)",
        ),
    ];
    for (name, types, query, args) in cases {
        let plan = explain(&store, name, types, query, args).await;
        println!("---- {name}\n{plan}\n");
        assert!(
            !plan.contains("Seq Scan on events"),
            "{name} scans events sequentially:\n{plan}"
        );
        assert!(
            !plan.contains("Seq Scan on streams"),
            "{name} scans streams sequentially:\n{plan}"
        );
        if name.starts_with("read_all") {
            assert!(
                plan.contains("Index Scan using events_pkey on events e")
                    && !plan.contains("Bitmap"),
                "{name} must walk events_pkey in position order (a filter index plus a sort \
                 reads every remaining row on every call):\n{plan}"
            );
        }
    }
    sqlx::raw_sql(&format!("DROP SCHEMA \"{s}\" CASCADE"))
        .execute(store.pool())
        .await
        .expect("drop");
}
