//! The typed subcommands, mounted as a user would: decoding a stream with
//! the application's event type, and checking that every stored event
//! reads.

#![cfg(test)]

use clap::Parser;
use eventcore::{
    EventMetadata, SerializedEvent, StreamId,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_cli::{TypedCommand, TypedError};
use eventcore_memory::MemoryStore;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
enum BankEvent {
    Deposited { cents: u64 },
}

#[derive(Parser)]
struct BankCli {
    #[command(subcommand)]
    command: TypedCommand,
    #[arg(long)]
    json: bool,
}

async fn store_with(events: &[(&'static str, &str, u32)]) -> MemoryStore {
    let store = MemoryStore::new();
    let events = events
        .iter()
        .map(|(event_type, payload, version)| {
            NewEvent::new(
                SerializedEvent::new(*event_type, *payload).with_schema_version(*version),
                EventMetadata::new(),
            )
        })
        .collect();
    store
        .append(AppendBatch::single(
            StreamId::try_new("account-1").unwrap(),
            ExpectedVersion::Any,
            events,
        ))
        .await
        .unwrap();
    store
}

async fn run(store: &MemoryStore, args: &[&str]) -> (Result<(), TypedError>, String) {
    let cli = BankCli::parse_from(std::iter::once("bank").chain(args.iter().copied()));
    let mut out = Vec::new();
    let result = cli
        .command
        .run::<BankEvent, _>(store, cli.json, &mut out)
        .await;
    (result, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn decode_prints_the_events_with_the_applications_type() {
    let store = store_with(&[
        ("Deposited", r#"{"cents":5}"#, 1),
        ("Deposited", r#"{"amount":5}"#, 2),
    ])
    .await;
    let (result, text) = run(&store, &["decode", "account-1"]).await;
    result.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with("account-1 v1  Deposited { cents: 5 }"),
        "{text}"
    );
    assert!(lines[1].contains("Deposited (does not decode:"), "{text}");

    let (result, json) = run(&store, &["--json", "decode", "account-1"]).await;
    result.unwrap();
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["event"]["Deposited"]["cents"], 5);
    assert_eq!(first["version"], 1);

    let (result, _) = run(&store, &["decode", "account-2"]).await;
    let error = result.unwrap_err();
    assert_eq!(error.code(), 3);
    assert_eq!(error.to_string(), "stream account-2 has no events");
    let (result, _) = run(&store, &["decode", ""]).await;
    assert_eq!(result.unwrap_err().code(), 2);
}

#[tokio::test]
async fn check_lists_what_does_not_read_and_fails_with_its_own_code() {
    let store = store_with(&[
        ("Deposited", r#"{"cents":5}"#, 1),
        ("Deposited", r#"{"amount":5}"#, 2),
        ("Withdrawn", r#"{"cents":5}"#, 1),
        ("Withdrawn", r#"{"cents":6}"#, 1),
    ])
    .await;
    let (result, text) = run(&store, &["check"]).await;
    let error = result.unwrap_err();
    assert_eq!(error.code(), 6);
    assert_eq!(
        error.to_string(),
        "3 stored event(s) do not read with this build"
    );
    assert!(
        text.starts_with("scanned 4 events; these do not read:"),
        "{text}"
    );
    assert!(text.contains("  Withdrawn v1: 2 event(s)"), "{text}");

    let (result, _) = run(&store, &["check", "--prefix", "other-"]).await;
    result.unwrap();
}
