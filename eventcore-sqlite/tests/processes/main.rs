//! Several processes on one file. This test binary is its own harness
//! (`harness = false`): run plainly it runs the tests below, and the tests
//! start copies of it as child processes (`--child <role> ...`) that
//! append, project, or append until they are killed.
//!
//! - Two processes append to shared streams while a third runs a
//!   projection: the projection sees every acknowledged event exactly
//!   once, positions and versions are dense.
//! - A process appending in a loop is killed with SIGKILL at random
//!   moments: after each kill the file passes an integrity check and
//!   holds every batch whose append returned `Ok`, and no partial batch.

mod children;

use std::{
    collections::BTreeMap,
    error::Error,
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Child, Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

use eventcore::{
    StreamId,
    store::{EventFilter, EventStore},
};
use eventcore_sqlite::{SqliteStore, sqlx};
use rand::Rng;
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

/// A test: its name and its body.
type Test = (&'static str, fn() -> TestResult);

macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+).into());
        }
    };
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start a runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    if args.first().map(String::as_str) == Some("--child") {
        return match runtime.block_on(children::run(&args[1..])) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("child {args:?} failed: {error}");
                ExitCode::FAILURE
            }
        };
    }
    // Like libtest: positional arguments filter the tests by name.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let tests: [Test; 2] = [
        (
            "two_processes_append_while_a_third_projects",
            two_processes_append_while_a_third_projects,
        ),
        (
            "appends_acknowledged_before_a_sigkill_survive_it",
            appends_acknowledged_before_a_sigkill_survive_it,
        ),
    ];
    let (mut passed, mut failed, mut filtered) = (0, 0, 0);
    println!();
    for (name, test) in tests {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            filtered += 1;
            continue;
        }
        match test() {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(error) => {
                println!("test {name} ... FAILED\n    {error}");
                failed += 1;
            }
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {failed} failed; 0 ignored; 0 measured; {filtered} filtered out\n"
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A copy of this binary in `role`.
fn child(role: &str, args: &[&str]) -> TestResult<Child> {
    Ok(Command::new(std::env::current_exe()?)
        .arg("--child")
        .arg(role)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?)
}

/// Waits for `child` at most `limit`, then kills it and fails.
fn finish(mut child: Child, limit: Duration, what: &str) -> TestResult<String> {
    let deadline = Instant::now() + limit;
    while child.try_wait()?.is_none() {
        if Instant::now() >= deadline {
            child.kill()?;
            return Err(format!("{what} still ran after {limit:?}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output()?;
    ensure!(output.status.success(), "{what} failed: {}", output.status);
    Ok(String::from_utf8(output.stdout)?)
}

/// The acknowledged batches in a child's output: `ok <batch> <events>`.
fn acknowledged(output: &str) -> BTreeMap<u64, u64> {
    output
        .lines()
        .filter_map(|line| {
            let mut words = line.strip_prefix("ok ")?.split(' ');
            Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?))
        })
        .collect()
}

fn two_processes_append_while_a_third_projects() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("shared.db");
    let file = path.to_str().ok_or("a temporary path that is not UTF-8")?;
    let runtime = tokio::runtime::Runtime::new()?;
    let store = runtime.block_on(SqliteStore::open(&path))?;
    let mut projector = child("project", &[file])?;
    std::thread::sleep(Duration::from_millis(300));
    let writers = [
        child("append", &[file, "a", "150"])?,
        child("append", &[file, "b", "150"])?,
    ];
    let mut acked = BTreeMap::new();
    for (writer, process) in ["a", "b"].into_iter().zip(writers) {
        let output = finish(process, Duration::from_mins(2), "an appender")?;
        acked.insert(writer, acknowledged(&output));
    }
    let head = runtime.block_on(store.head_position())?;
    let mut stdin = projector.stdin.take().ok_or("the projector has no stdin")?;
    writeln!(stdin, "{}", head.value())?;
    drop(stdin);
    let seen = finish(projector, Duration::from_mins(1), "the projector")?;
    let records: Vec<Value> = seen
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;

    // Every position from 1 to the head, once each, in order.
    let positions: Vec<u64> = records
        .iter()
        .filter_map(|r| r["position"].as_u64())
        .collect();
    let dense: Vec<u64> = (1..=head.value()).collect();
    ensure!(
        positions == dense,
        "the projection saw positions {positions:?}, not 1..={head}"
    );
    // Every acknowledged event, once, with its batch whole.
    let mut events: BTreeMap<(String, u64), u64> = BTreeMap::new();
    for record in &records {
        let writer = record["writer"]
            .as_str()
            .ok_or("a record without a writer")?;
        let batch = record["batch"].as_u64().ok_or("a record without a batch")?;
        *events.entry((writer.to_owned(), batch)).or_default() += 1;
    }
    let expected: BTreeMap<(String, u64), u64> = acked
        .iter()
        .flat_map(|(writer, batches)| {
            batches
                .iter()
                .map(|(batch, n)| (((*writer).to_owned(), *batch), *n))
        })
        .collect();
    ensure!(
        expected.len() == 300,
        "{} batches acknowledged, not 300",
        expected.len()
    );
    ensure!(
        events == expected,
        "seen batches differ from the acknowledged ones"
    );
    // Versions are dense in every stream.
    let mut versions: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for record in &records {
        let stream = record["stream"]
            .as_str()
            .ok_or("a record without a stream")?;
        let version = record["version"]
            .as_u64()
            .ok_or("a record without a version")?;
        versions.entry(stream.to_owned()).or_default().push(version);
    }
    for (stream, seen) in versions {
        let dense: Vec<u64> = (1..=seen.len() as u64).collect();
        ensure!(seen == dense, "stream {stream} has versions {seen:?}");
    }
    Ok(())
}

fn appends_acknowledged_before_a_sigkill_survive_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("durable.db");
    let file = path.to_str().ok_or("a temporary path that is not UTF-8")?;
    let runtime = tokio::runtime::Runtime::new()?;
    drop(runtime.block_on(SqliteStore::open(&path))?);
    let mut rng = rand::rng();
    let mut total_acked = 0;
    for round in 0..6 {
        let stream = format!("durable-{round}");
        let mut writer = child("durable", &[file, &stream])?;
        let stdout = writer.stdout.take().ok_or("the child has no stdout")?;
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        std::thread::sleep(Duration::from_millis(rng.random_range(150..600)));
        writer.kill()?; // SIGKILL on Unix
        writer.wait()?;
        let lines = reader.join().map_err(|_| "the reader thread panicked")?;
        let acked = acknowledged(&lines.join("\n"));
        total_acked += acked.len();
        runtime.block_on(check_after_kill(&path, &stream, &acked))?;
    }
    ensure!(
        total_acked > 0,
        "no append was acknowledged before any kill"
    );
    Ok(())
}

/// The file after a kill: intact, every acknowledged batch whole, no
/// partial batch.
async fn check_after_kill(path: &Path, stream: &str, acked: &BTreeMap<u64, u64>) -> TestResult {
    let store = SqliteStore::open(path).await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(store.readers())
        .await?;
    ensure!(
        integrity == "ok",
        "integrity check after the kill: {integrity}"
    );
    let id = StreamId::try_new(stream)?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let events = read
        .stream(&id)
        .map(|s| s.events().to_vec())
        .unwrap_or_default();
    let mut batches: BTreeMap<u64, u64> = BTreeMap::new();
    for (i, event) in events.iter().enumerate() {
        ensure!(
            event.version().value() == i as u64 + 1,
            "{stream}: versions not dense"
        );
        let payload: Value = serde_json::from_str(event.json())?;
        let batch = payload["batch"]
            .as_u64()
            .ok_or("an event without a batch")?;
        *batches.entry(batch).or_default() += 1;
    }
    for (batch, n) in &batches {
        ensure!(
            *n == children::DURABLE_BATCH,
            "{stream}: batch {batch} has {n} events"
        );
    }
    for batch in acked.keys() {
        ensure!(
            batches.contains_key(batch),
            "{stream}: acknowledged batch {batch} is lost"
        );
    }
    // And the global log agrees with the stream.
    let all = store
        .read_all(
            eventcore::GlobalPosition::START,
            &EventFilter::all(),
            1_000_000,
        )
        .await?;
    let in_stream = all.iter().filter(|e| e.stream_id() == &id).count();
    ensure!(
        in_stream == events.len(),
        "{stream}: read_all and read_streams disagree"
    );
    Ok(())
}
