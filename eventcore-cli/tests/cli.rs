//! The built `eventcore` binary against the test PostgreSQL, end to end:
//! migrate (dry run, then for real), status, one stream, the projections,
//! a live tail, and the exit codes of what goes wrong.

#![cfg(test)]

use std::{
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use eventcore::{
    EventMetadata, SerializedEvent, StreamId,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_postgres::{PostgresConfig, PostgresStore, SchemaName, sqlx};
use serde_json::Value;

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A schema of this test's own.
fn fresh_schema() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("ec_cli_{}_{nanos}", std::process::id())
}

fn eventcore(schema: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eventcore"));
    command
        .env("DATABASE_URL", database_url())
        .arg("--schema")
        .arg(schema)
        .args(args);
    command
}

fn run(schema: &str, args: &[&str]) -> Output {
    eventcore(schema, args).output().unwrap()
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

/// Waits for `child` at most `limit`; a child still running then is
/// killed and the test fails with what it printed, rather than hanging.
fn within(limit: Duration, mut child: Child) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            child.kill().unwrap();
            let output = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}; printed {:?}, said {:?}",
                String::from_utf8_lossy(&output.stdout),
                stderr(&output)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn append(store: &PostgresStore, stream: &str, event_type: &'static str, n: u64) {
    let event = SerializedEvent::new(event_type, format!("{{\"n\":{n}}}"));
    let batch = AppendBatch::single(
        StreamId::try_new(stream).unwrap(),
        ExpectedVersion::Any,
        vec![NewEvent::new(event, EventMetadata::new())],
    );
    store.append(batch).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_status_stream_projections_and_tail_end_to_end() {
    let schema = fresh_schema();
    let s = schema.as_str();

    // A fresh schema: status says it is not migrated (exit 4).
    let status = run(s, &["--json", "status"]);
    assert_eq!(status.status.code(), Some(4), "{}", stderr(&status));
    assert_eq!(json_lines(&status)[0]["migrations_applied"], 0);
    assert!(stderr(&status).contains("eventcore migrate"));

    // The dry run lists every migration and applies none.
    let dry = run(s, &["migrate", "--dry-run", "--json"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let pending = json_lines(&dry);
    assert!(pending.len() >= 9, "{pending:?}");
    assert!(pending.iter().all(|m| m["state"] == "pending"));
    assert_eq!(pending[0]["version"], 1);
    assert_eq!(run(s, &["--json", "status"]).status.code(), Some(4));

    let migrate = run(s, &["migrate"]);
    assert_eq!(migrate.status.code(), Some(0), "{}", stderr(&migrate));
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("applied   1  event store"));
    let again = run(s, &["migrate", "--dry-run"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stdout.is_empty());
    assert!(stderr(&again).contains("up to date"), "{}", stderr(&again));

    let store = PostgresConfig::from_url(database_url())
        .schema(SchemaName::try_new(s).unwrap())
        .connect()
        .await
        .unwrap();
    append(&store, "account-a", "Opened", 1).await;
    append(&store, "account-a", "Deposited", 2).await;
    append(&store, "account-b", "Opened", 3).await;
    let stream = run(s, &["stream", "account-a", "--json"]);
    assert_eq!(stream.status.code(), Some(0), "{}", stderr(&stream));
    let events = json_lines(&stream);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["version"], 1);
    assert_eq!(events[1]["type"], "Deposited");
    assert_eq!(events[1]["payload"]["n"], 2);
    // A projection that processed the first event (positions on
    // PostgreSQL are not dense: they come from transaction ids).
    let first = events[0]["position"].as_i64().unwrap();
    sqlx::query(&format!(
        "INSERT INTO \"{s}\".checkpoints (name, position) VALUES ('balances', $1)"
    ))
    .bind(first)
    .execute(store.pool())
    .await
    .unwrap();
    let text = run(s, &["stream", "account-a"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("account-a v2  Deposited"));

    let status = run(s, &["status", "--json"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let status = &json_lines(&status)[0];
    assert_eq!(status["events"], 3);
    assert_eq!(status["streams"], 2);
    assert_eq!(status["migrations_pending"], 0);
    assert_eq!(status["projections"][0]["name"], "balances");
    assert_eq!(status["projections"][0]["lag"], 2);
    assert_eq!(status["projections"][0]["lease_holder"], Value::Null);

    let listed = json_lines(&run(s, &["projections", "list", "--json"]));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["position"], first);

    // From the start: the three events, then it stops at the limit.
    let tail = run(s, &["tail", "--after", "0", "--limit", "3", "--json"]);
    assert_eq!(tail.status.code(), Some(0), "{}", stderr(&tail));
    let read = json_lines(&tail);
    assert_eq!(read.len(), 3);
    let third = read[2]["position"].as_u64().unwrap().to_string();

    // Live: a tail filtered to account-c sees the event appended after it
    // started, and nothing else. It starts after the third event rather
    // than at the head, so a slow start cannot put the head past the
    // events appended below.
    let live = eventcore(
        s,
        &[
            "tail",
            "--after",
            &third,
            "--prefix",
            "account-c",
            "--type",
            "Opened",
            "--limit",
            "1",
            "--json",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    append(&store, "account-a", "Deposited", 4).await;
    append(&store, "account-c", "Closed", 5).await;
    append(&store, "account-c", "Opened", 6).await;
    let live = tokio::task::spawn_blocking(move || within(Duration::from_mins(1), live))
        .await
        .unwrap();
    assert_eq!(live.status.code(), Some(0), "{}", stderr(&live));
    let seen = json_lines(&live);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["stream"], "account-c");
    assert_eq!(seen[0]["payload"]["n"], 6);

    sqlx::query(&format!("DROP SCHEMA \"{s}\" CASCADE"))
        .execute(store.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_goes_wrong_is_said_on_stderr_with_an_exit_code_that_means_it() {
    let schema = fresh_schema();
    let s = schema.as_str();
    assert_eq!(run(s, &["migrate"]).status.code(), Some(0));

    let missing = run(s, &["stream", "account-z"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(stderr(&missing).contains("account-z has no events"));
    let invalid = run(s, &["stream", ""]);
    assert_eq!(invalid.status.code(), Some(2), "{}", stderr(&invalid));
    let bad_schema = run("no spaces allowed", &["status"]);
    assert_eq!(bad_schema.status.code(), Some(2), "{}", stderr(&bad_schema));
    let usage = run(s, &["frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));
    let no_url = Command::new(env!("CARGO_BIN_EXE_eventcore"))
        .env_remove("DATABASE_URL")
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(no_url.status.code(), Some(2));
    assert!(stderr(&no_url).contains("DATABASE_URL"));
    let unreachable = Command::new(env!("CARGO_BIN_EXE_eventcore"))
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/postgres")
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(
        unreachable.status.code(),
        Some(1),
        "{}",
        stderr(&unreachable)
    );
    assert!(stderr(&unreachable).to_lowercase().contains("refused"));

    let store = PostgresConfig::from_url(database_url())
        .schema(SchemaName::try_new(s).unwrap())
        .connect()
        .await
        .unwrap();
    sqlx::query(&format!("DROP SCHEMA \"{s}\" CASCADE"))
        .execute(store.pool())
        .await
        .unwrap();
}
