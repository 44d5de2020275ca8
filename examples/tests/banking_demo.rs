//! The README demo (`--bin banking`) on an SQLite file, run twice: the
//! second run continues from the balances the first one left, in the events
//! and in the exactly-once balance table of the same file.

#![cfg(test)]

use std::{collections::BTreeMap, path::Path, process::Command};

use eventcore::{GlobalPosition, store::EventStore};
use eventcore_examples::banking::{self, AccountId, Money, SqliteBalanceTable};
use eventcore_sqlite::SqliteStore;

/// Runs the demo on `file` and returns what it printed.
fn run_demo(file: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_banking"))
        .arg("--file")
        .arg(file)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains(&file.display().to_string()), "{stdout}");
    stdout
}

/// The demo's report: account → [before, after, projection, table].
fn reported(stdout: &str) -> BTreeMap<String, Vec<String>> {
    let rows: BTreeMap<_, _> = stdout
        .lines()
        .filter(|line| line.starts_with("demo-"))
        .map(|line| {
            let mut cells = line.split_whitespace().map(str::to_owned);
            (cells.next().unwrap(), cells.collect::<Vec<_>>())
        })
        .collect();
    assert_eq!(rows.len(), 10, "{stdout}");
    rows
}

/// What the file holds once the demo has exited: every account's folded
/// balance and its row in the balance table, and the head position.
async fn stored(file: &Path) -> (BTreeMap<String, (Money, Option<Money>)>, GlobalPosition) {
    let store = SqliteStore::open(file).await.unwrap();
    let table = SqliteBalanceTable::create(&store).await.unwrap();
    let mut accounts = BTreeMap::new();
    for i in 0..10 {
        let account = AccountId::try_new(format!("demo-{i}")).unwrap();
        let folded = banking::balance(&store, &account).await.unwrap();
        let in_table = table.balance(&account).await.unwrap();
        accounts.insert(account.to_string(), (folded, in_table));
    }
    (accounts, store.head_position().await.unwrap())
}

/// Checks that the file agrees with the report's `after` column and with
/// its own table, and that the total is the ten opening balances.
fn check_file_matches(stored: &BTreeMap<String, (Money, Option<Money>)>, stdout: &str) {
    let rows = reported(stdout);
    let mut total = Money::ZERO;
    for (account, (folded, in_table)) in stored {
        assert_eq!(rows[account][1], folded.to_string(), "{account}: {stdout}");
        assert_eq!(*in_table, Some(*folded), "{account}");
        total = total.checked_add(*folded).unwrap();
    }
    assert_eq!(total, Money::parse("10000.00").unwrap());
}

#[tokio::test]
async fn a_second_run_on_the_same_file_continues_from_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");

    let first = run_demo(&file);
    assert!(
        first.contains("opened 10 accounts with 1000.00 each"),
        "{first}"
    );
    assert!(reported(&first).values().all(|row| row[0] == "1000.00"));
    let (after_first, head_first) = stored(&file).await;
    check_file_matches(&after_first, &first);

    let second = run_demo(&file);
    assert!(second.contains("opened by an earlier run"), "{second}");
    let rows = reported(&second);
    for (account, (folded, _)) in &after_first {
        assert_eq!(rows[account][0], folded.to_string(), "{account}: {second}");
    }
    let (after_second, head_second) = stored(&file).await;
    check_file_matches(&after_second, &second);
    assert!(head_second > head_first, "{head_first} then {head_second}");
    assert_ne!(after_first, after_second, "the second run moved no money");
}

#[test]
fn an_unknown_argument_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_banking"))
        .arg("--frobnicate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown argument \"--frobnicate\""),
        "{stderr}"
    );
    assert!(stderr.contains("usage: banking"), "{stderr}");
}
