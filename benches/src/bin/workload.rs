//! The EventCore workload runner (`just workload`).
//!
//! Runs the bank workloads W1–W5 of issue 7 on the in-memory store and on
//! PostgreSQL, and measures in the same run the raw-SQL limit of the
//! database: single-row `INSERT` commits per second through the same kind
//! of pool, from 1 and from 8 connections. Every PostgreSQL result is
//! printed next to that limit as a ratio.
//!
//! ```text
//! workload [--store memory|postgres|both] [--runs N] [--json] [--only W1,W3,...]
//! ```
//!
//! With `--runs N` the whole suite runs N times and the final table gives
//! the median of every figure. `--json` prints one JSON object per result
//! line (each run's lines, then the medians) instead of tables.

// Counts and durations here are far below 2^52: converting them to f64 for
// rates loses nothing.
#![allow(clippy::cast_precision_loss)]

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    str::FromStr,
    sync::Arc,
    time::{Duration, Instant},
};

use eventcore::{
    CommandExecutor, CommandLogic, GlobalPosition, RetryPolicy,
    projection::{ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore},
};
use eventcore_benches::{
    BenchResult,
    audit::{Audit, audit},
    pg::{self, PgFixture},
    seed,
    stats::{median, percentile},
};
use eventcore_examples::banking::{AccountId, Amount, BalanceProjection, Deposit, TransferMoney};
use eventcore_memory::MemoryStore;
use eventcore_postgres::sqlx::{self, PgPool, postgres::PgPoolOptions};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;

/// Opening balance of funded accounts in W2 and W3: large enough that no
/// transfer (at most [`MAX_TRANSFER_CENTS`]) is ever refused.
const FUNDED_CENTS: i64 = 100_000_000;
const MAX_TRANSFER_CENTS: i64 = 100;
/// How long each raw-SQL measurement runs.
const RAW_DURATION: Duration = Duration::from_secs(3);
/// Batch size of the projection runner in W5.
const W5_BATCH: usize = 1_000;

/// Retries for the concurrent workloads: enough attempts that every command
/// succeeds, short backoff so the contention latency stays low.
fn contention_policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(10_000)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(10))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Backend {
    Memory,
    Postgres,
}

impl Backend {
    const fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
enum Workload {
    W1,
    W2Single,
    W2Eight,
    W3,
    W4,
    W5,
}

impl Workload {
    const ALL: [Self; 6] = [
        Self::W1,
        Self::W2Single,
        Self::W2Eight,
        Self::W3,
        Self::W4,
        Self::W5,
    ];

    const fn label(self) -> &'static str {
        match self {
            Self::W1 => "W1 deposit",
            Self::W2Single | Self::W2Eight => "W2 transfer",
            Self::W3 => "W3 contention",
            Self::W4 => "W4 long stream",
            Self::W5 => "W5 catch-up",
        }
    }

    const fn group(self) -> &'static str {
        match self {
            Self::W1 => "W1",
            Self::W2Single | Self::W2Eight => "W2",
            Self::W3 => "W3",
            Self::W4 => "W4",
            Self::W5 => "W5",
        }
    }

    /// Concurrent tasks; this also picks the raw-SQL limit it is compared
    /// with (1 or 8 connections).
    const fn tasks(self) -> usize {
        match self {
            Self::W1 | Self::W2Single | Self::W4 | Self::W5 => 1,
            Self::W2Eight | Self::W3 => 8,
        }
    }
}

/// One result line.
#[derive(Clone, Debug, Serialize)]
struct Measure {
    /// `"median"` for the summary lines, else the run number.
    run: String,
    store: Backend,
    workload: &'static str,
    tasks: usize,
    /// Commands executed (events applied for W5).
    commands: usize,
    seconds: f64,
    /// Commands per second (events per second for W5).
    per_second: f64,
    unit: &'static str,
    p50_ms: f64,
    p99_ms: f64,
    ms_per_command: f64,
    retries: u64,
    invariant_ok: bool,
    invariant: String,
    /// The raw-SQL limit this result is compared with (PostgreSQL only).
    raw_commits_per_second: Option<f64>,
    raw_connections: Option<usize>,
    /// `per_second / raw_commits_per_second`.
    ratio: Option<f64>,
    #[serde(skip)]
    key: Workload,
}

/// The raw-SQL limit of one run.
#[derive(Clone, Copy, Debug, Serialize)]
struct RawLimit {
    run: usize,
    one_connection: f64,
    eight_connections: f64,
}

#[derive(Debug)]
struct Args {
    stores: Vec<Backend>,
    runs: usize,
    json: bool,
    only: Vec<Workload>,
}

fn parse_args() -> BenchResult<Args> {
    let mut args = Args {
        stores: vec![Backend::Memory, Backend::Postgres],
        runs: 1,
        json: false,
        only: Workload::ALL.to_vec(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => args.json = true,
            "--store" => {
                args.stores = match it.next().as_deref() {
                    Some("memory") => vec![Backend::Memory],
                    Some("postgres") => vec![Backend::Postgres],
                    Some("both") => vec![Backend::Memory, Backend::Postgres],
                    other => {
                        return Err(format!("--store memory|postgres|both, not {other:?}").into());
                    }
                };
            }
            "--runs" => {
                let n = it.next().ok_or("--runs needs a number")?;
                args.runs = usize::from_str(&n)?.max(1);
            }
            "--only" => {
                let list = it.next().ok_or("--only needs a list such as W1,W3")?;
                let groups: Vec<String> = list.split(',').map(str::to_uppercase).collect();
                args.only = Workload::ALL
                    .into_iter()
                    .filter(|w| groups.iter().any(|g| g == w.group()))
                    .collect();
                if args.only.is_empty() {
                    return Err(format!("--only {list}: no workload among W1..W5").into());
                }
            }
            "-h" | "--help" => {
                println!(
                    "workload [--store memory|postgres|both] [--runs N] [--json] [--only W1,W2,W3,W4,W5]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    Ok(args)
}

fn main() -> BenchResult {
    let args = parse_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> BenchResult {
    let mut stores = args.stores.clone();
    if stores.contains(&Backend::Postgres) && !pg::reachable().await {
        let note = format!(
            "PostgreSQL is not reachable at {}: skipping the PostgreSQL workloads",
            redact(&pg::database_url())
        );
        if stores.len() == 1 {
            return Err(note.into());
        }
        eprintln!("note: {note}");
        stores.retain(|s| *s != Backend::Postgres);
    }

    let mut all: Vec<Measure> = Vec::new();
    let mut raws: Vec<RawLimit> = Vec::new();
    for run in 1..=args.runs {
        let mut lines = Vec::new();
        for &store in &stores {
            let raw = if store == Backend::Postgres {
                let limit = raw_limit(run).await?;
                if args.json {
                    println!("{}", serde_json::to_string(&RawJson::from(limit))?);
                }
                raws.push(limit);
                Some(limit)
            } else {
                None
            };
            for &workload in &args.only {
                eprintln!("run {run}: {} {} ...", store.name(), describe(workload));
                let mut m = match store {
                    Backend::Memory => run_workload(workload, store, MemoryStore::new()).await?,
                    Backend::Postgres => {
                        let fixture = PgFixture::new(workload.group()).await?;
                        let result = run_workload(workload, store, fixture.store.clone()).await;
                        fixture.drop_schema().await?;
                        result?
                    }
                };
                m.run = run.to_string();
                if let Some(raw) = raw {
                    let (conns, base) = if workload.tasks() == 1 {
                        (1, raw.one_connection)
                    } else {
                        (8, raw.eight_connections)
                    };
                    m.raw_commits_per_second = Some(base);
                    m.raw_connections = Some(conns);
                    m.ratio = Some(m.per_second / base);
                }
                if args.json {
                    println!("{}", serde_json::to_string(&m)?);
                }
                lines.push(m);
            }
        }
        if !args.json && args.runs > 1 {
            println!("run {run} of {}:", args.runs);
            print!("{}", table(&lines));
            println!();
        }
        all.extend(lines);
    }

    let medians = medians(&all, args.runs);
    if args.json {
        for m in &medians {
            println!("{}", serde_json::to_string(m)?);
        }
    } else {
        if args.runs > 1 {
            println!("medians of {} runs:", args.runs);
        }
        print!("{}", table(&medians));
        if !raws.is_empty() {
            let one: Vec<f64> = raws.iter().map(|r| r.one_connection).collect();
            let eight: Vec<f64> = raws.iter().map(|r| r.eight_connections).collect();
            println!(
                "\nraw-SQL limit (single-row INSERT commits/s, pool of {}): 1 connection {:.0}, 8 connections {:.0}{}",
                pg::POOL_SIZE,
                median(&one).unwrap_or(f64::NAN),
                median(&eight).unwrap_or(f64::NAN),
                if args.runs > 1 {
                    " (medians; ratios above are medians of per-run ratios)"
                } else {
                    ""
                }
            );
        }
        println!();
        print!("{}", targets(&medians));
    }
    if medians.iter().any(|m| !m.invariant_ok) {
        return Err("an invariant check failed (see the table)".into());
    }
    Ok(())
}

#[derive(Serialize)]
struct RawJson {
    run: String,
    store: &'static str,
    workload: &'static str,
    one_connection_commits_per_second: f64,
    eight_connections_commits_per_second: f64,
}

impl From<RawLimit> for RawJson {
    fn from(r: RawLimit) -> Self {
        Self {
            run: r.run.to_string(),
            store: "postgres",
            workload: "raw INSERT limit",
            one_connection_commits_per_second: r.one_connection,
            eight_connections_commits_per_second: r.eight_connections,
        }
    }
}

fn describe(workload: Workload) -> String {
    format!("{} ({} task(s))", workload.label(), workload.tasks())
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// The raw-SQL limit.

/// Single-row `INSERT` commits per second into a scratch table, from 1 and
/// from 8 connections of a pool sized like the store's, measured before
/// and after... once per run, just before the PostgreSQL workloads.
async fn raw_limit(run: usize) -> BenchResult<RawLimit> {
    let pool = PgPoolOptions::new()
        .max_connections(pg::POOL_SIZE)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&pg::database_url())
        .await?;
    let schema = pg::fresh_schema_name("raw");
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&pool)
        .await?;
    let table = format!("\"{schema}\".scratch");
    sqlx::query(&format!(
        "CREATE TABLE {table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL)"
    ))
    .execute(&pool)
    .await?;
    let insert = Arc::new(format!("INSERT INTO {table} (payload) VALUES ($1::jsonb)"));
    let outcome = async {
        let one = insert_rate(&pool, &insert, 1).await?;
        let eight = insert_rate(&pool, &insert, 8).await?;
        BenchResult::Ok(RawLimit {
            run,
            one_connection: one,
            eight_connections: eight,
        })
    }
    .await;
    pg::drop_schema(&pool, &schema).await?;
    pool.close().await;
    outcome
}

async fn insert_rate(pool: &PgPool, insert: &Arc<String>, connections: usize) -> BenchResult<f64> {
    // Warm the connections and the statement cache.
    for _ in 0..connections * 4 {
        sqlx::query(insert.as_str())
            .bind(r#"{"Deposited":{"amount":1}}"#)
            .execute(pool)
            .await?;
    }
    let started = Instant::now();
    let deadline = started + RAW_DURATION;
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (pool, insert) = (pool.clone(), Arc::clone(insert));
        tasks.push(tokio::spawn(async move {
            let mut count = 0_u64;
            while Instant::now() < deadline {
                sqlx::query(insert.as_str())
                    .bind(r#"{"Deposited":{"amount":1}}"#)
                    .execute(&pool)
                    .await?;
                count += 1;
            }
            Ok::<u64, sqlx::Error>(count)
        }));
    }
    let mut total = 0_u64;
    for task in tasks {
        total += task.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

// ---------------------------------------------------------------------------
// Driving commands.

struct Drive {
    elapsed: Duration,
    latencies: Vec<Duration>,
    retries: u64,
    failures: usize,
    first_failure: Option<String>,
}

/// Runs each task's commands from its own Tokio task, timing every one.
async fn drive<S, C>(executor: &CommandExecutor<S>, per_task: Vec<Vec<C>>) -> BenchResult<Drive>
where
    S: EventStore + Clone + 'static,
    C: CommandLogic + 'static,
    C::State: Send,
{
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(per_task.len());
    for commands in per_task {
        let executor = executor.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(commands.len());
            let mut retries = 0_u64;
            let mut failures = 0_usize;
            let mut first_failure = None;
            for command in commands {
                let t = Instant::now();
                match executor.execute(command).await {
                    Ok(done) => {
                        latencies.push(t.elapsed());
                        retries += u64::from(done.attempts.saturating_sub(1));
                    }
                    Err(e) => {
                        failures += 1;
                        first_failure.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            (latencies, retries, failures, first_failure)
        }));
    }
    let mut drive = Drive {
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        retries: 0,
        failures: 0,
        first_failure: None,
    };
    for task in tasks {
        let (latencies, retries, failures, first) = task.await?;
        drive.latencies.extend(latencies);
        drive.retries += retries;
        drive.failures += failures;
        if drive.first_failure.is_none() {
            drive.first_failure = first;
        }
    }
    drive.elapsed = started.elapsed();
    drive.latencies.sort_unstable();
    Ok(drive)
}

fn measure(
    store: Backend,
    workload: Workload,
    drive: &Drive,
    commands: usize,
    checks: Vec<(bool, String)>,
) -> Measure {
    let secs = drive.elapsed.as_secs_f64();
    let mut failed: Vec<String> = checks
        .into_iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, why)| why)
        .collect();
    if drive.failures > 0 {
        failed.insert(
            0,
            format!(
                "{} of {commands} failed, first: {}",
                drive.failures,
                drive.first_failure.as_deref().unwrap_or("?")
            ),
        );
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Measure {
        run: String::new(),
        store,
        workload: workload.label(),
        tasks: workload.tasks(),
        commands,
        seconds: secs,
        per_second: commands as f64 / secs,
        unit: "commands/s",
        p50_ms: ms(percentile(&drive.latencies, 50)),
        p99_ms: ms(percentile(&drive.latencies, 99)),
        ms_per_command: secs * 1e3 / commands as f64,
        retries: drive.retries,
        invariant_ok: failed.is_empty(),
        invariant: if failed.is_empty() {
            "ok".to_owned()
        } else {
            failed.join("; ")
        },
        raw_commits_per_second: None,
        raw_connections: None,
        ratio: None,
        key: workload,
    }
}

fn check(ok: bool, why: impl FnOnce() -> String) -> (bool, String) {
    (ok, if ok { String::new() } else { why() })
}

fn conservation_checks(
    audit: &Audit,
    expected_total: i128,
    expected_events: usize,
) -> Vec<(bool, String)> {
    vec![
        check(audit.total_cents == expected_total, || {
            format!(
                "total {} cents, expected {expected_total}",
                audit.total_cents
            )
        }),
        check(audit.went_negative.is_empty(), || {
            format!("negative balance in {:?}", audit.went_negative)
        }),
        check(audit.events == expected_events, || {
            format!("{} events, expected {expected_events}", audit.events)
        }),
    ]
}

// ---------------------------------------------------------------------------
// The workloads.

async fn run_workload<S>(workload: Workload, backend: Backend, store: S) -> BenchResult<Measure>
where
    S: EventStore + CheckpointStore + LeaseStore + Clone + 'static,
{
    match workload {
        Workload::W1 => w1(backend, store).await,
        Workload::W2Single | Workload::W2Eight => w2(backend, store, workload).await,
        Workload::W3 => w3(backend, store).await,
        Workload::W4 => w4(backend, store).await,
        Workload::W5 => w5(backend, store).await,
    }
}

/// W1: 10,000 single-stream deposits to random accounts among 1,000, from
/// one task.
async fn w1<S: EventStore + Clone + 'static>(backend: Backend, store: S) -> BenchResult<Measure> {
    const ACCOUNTS: usize = 1_000;
    const COMMANDS: usize = 10_000;
    let executor = CommandExecutor::new(store.clone());
    let accounts = seed::accounts("w1", ACCOUNTS)?;
    seed::open_all(&executor, &accounts, 0).await?;

    let mut rng = StdRng::seed_from_u64(1);
    let mut deposited: i128 = 0;
    let mut commands = Vec::with_capacity(COMMANDS);
    for _ in 0..COMMANDS {
        let cents = rng.random_range(1..=1_000);
        deposited += i128::from(cents);
        commands.push(Deposit {
            account: accounts[rng.random_range(0..ACCOUNTS)].clone(),
            amount: Amount::try_from_cents(cents)?,
        });
    }
    let drive = drive(&executor, vec![commands]).await?;
    let audit = audit(&store, &accounts).await?;
    let checks = conservation_checks(&audit, deposited, ACCOUNTS + COMMANDS);
    Ok(measure(backend, Workload::W1, &drive, COMMANDS, checks))
}

fn random_transfers(
    rng: &mut StdRng,
    accounts: &[AccountId],
    count: usize,
) -> BenchResult<Vec<TransferMoney>> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let from = rng.random_range(0..accounts.len());
        let to = (from + rng.random_range(1..accounts.len())) % accounts.len();
        let amount = Amount::try_from_cents(rng.random_range(1..=MAX_TRANSFER_CENTS))?;
        out.push(TransferMoney::new(
            accounts[from].clone(),
            accounts[to].clone(),
            amount,
        )?);
    }
    Ok(out)
}

/// Funds `accounts`, runs `total` transfers among them from `tasks` tasks
/// and checks conservation.
async fn transfers<S: EventStore + Clone + 'static>(
    backend: Backend,
    store: S,
    workload: Workload,
    accounts: &[AccountId],
    total: usize,
) -> BenchResult<Measure> {
    let executor = CommandExecutor::new(store.clone()).retry_policy(contention_policy());
    seed::open_all(&executor, accounts, FUNDED_CENTS).await?;
    let tasks = workload.tasks();
    let mut rng = StdRng::seed_from_u64(2);
    let per_task = (0..tasks)
        .map(|t| {
            random_transfers(
                &mut rng,
                accounts,
                total / tasks + usize::from(t < total % tasks),
            )
        })
        .collect::<BenchResult<Vec<_>>>()?;
    let drive = drive(&executor, per_task).await?;
    let audit = audit(&store, accounts).await?;
    let expected = i128::from(FUNDED_CENTS) * accounts.len() as i128;
    let checks = conservation_checks(&audit, expected, accounts.len() + 2 * total);
    Ok(measure(backend, workload, &drive, total, checks))
}

/// W2: 1,000 funded accounts, 10,000 two-stream transfers between random
/// distinct accounts, from 1 or from 8 tasks.
async fn w2<S: EventStore + Clone + 'static>(
    backend: Backend,
    store: S,
    workload: Workload,
) -> BenchResult<Measure> {
    let accounts = seed::accounts("w2", 1_000)?;
    transfers(backend, store, workload, &accounts, 10_000).await
}

/// W3: 10 accounts, 8 tasks, 2,000 transfers among them.
async fn w3<S: EventStore + Clone + 'static>(backend: Backend, store: S) -> BenchResult<Measure> {
    let accounts = seed::accounts("w3", 10)?;
    transfers(backend, store, Workload::W3, &accounts, 2_000).await
}

/// W4: one account with 10,000 events, then 100 deposits on it.
async fn w4<S: EventStore + Clone + 'static>(backend: Backend, store: S) -> BenchResult<Measure> {
    const HISTORY: usize = 10_000;
    const COMMANDS: usize = 100;
    let account = AccountId::try_new("w4-long")?;
    // Opened (zero) + 9,999 deposits of one cent.
    seed::seed_account(&store, &account, HISTORY - 1, 1, 1_000).await?;
    let executor = CommandExecutor::new(store.clone());
    let commands: Vec<Deposit> = (0..COMMANDS)
        .map(|_| {
            Ok(Deposit {
                account: account.clone(),
                amount: Amount::try_from_cents(100)?,
            })
        })
        .collect::<BenchResult<_>>()?;
    let drive = drive(&executor, vec![commands]).await?;
    let audit = audit(&store, std::slice::from_ref(&account)).await?;
    let expected = (HISTORY as i128 - 1) + 100 * COMMANDS as i128;
    let checks = conservation_checks(&audit, expected, HISTORY + COMMANDS);
    Ok(measure(backend, Workload::W4, &drive, COMMANDS, checks))
}

/// W5: 100,000 events (1,000 accounts of 100 events), then a balance
/// projection from position 0 to the head.
async fn w5<S>(backend: Backend, store: S) -> BenchResult<Measure>
where
    S: EventStore + CheckpointStore + LeaseStore + Clone + 'static,
{
    const ACCOUNTS: usize = 1_000;
    const PER_ACCOUNT: usize = 100;
    const EVENTS: usize = ACCOUNTS * PER_ACCOUNT;
    let accounts = seed::accounts("w5", ACCOUNTS)?;
    for account in &accounts {
        seed::seed_account(&store, account, PER_ACCOUNT - 1, 7, PER_ACCOUNT).await?;
    }
    let head: GlobalPosition = store.head_position().await?;

    let balances = BalanceProjection::named(format!("w5-{}", pg::fresh_schema_name("p")));
    let read_model = balances.clone();
    let started = Instant::now();
    let handle = ProjectionRunner::new(
        store.clone(),
        balances,
        RunnerConfig::default().batch_size(W5_BATCH),
    )
    .start();
    let caught_up = handle
        .wait_for_position(head, Duration::from_mins(10))
        .await;
    let elapsed = started.elapsed();
    handle.shutdown().await?;

    let audit = audit(&store, &accounts).await?;
    let projected = read_model.balances();
    let mismatched = accounts
        .iter()
        .filter(|a| {
            let folded = audit
                .balances
                .get(a.stream_id().as_str())
                .copied()
                .unwrap_or(-1);
            read_model
                .balance(a)
                .is_none_or(|m| i128::from(m.cents()) != folded)
        })
        .count();
    let expected_total = 7 * (PER_ACCOUNT as i128 - 1) * ACCOUNTS as i128;
    let mut checks = conservation_checks(&audit, expected_total, EVENTS);
    checks.push(check(caught_up, || {
        "projection did not reach the head within 600 s".to_owned()
    }));
    checks.push(check(
        projected.len() == ACCOUNTS && mismatched == 0,
        || {
            format!(
                "projection has {} accounts, {mismatched} disagree with their streams",
                projected.len()
            )
        },
    ));
    let drive = Drive {
        elapsed,
        latencies: Vec::new(),
        retries: 0,
        failures: 0,
        first_failure: None,
    };
    let mut m = measure(backend, Workload::W5, &drive, EVENTS, checks);
    m.unit = "events/s";
    m.p50_ms = f64::NAN;
    m.p99_ms = f64::NAN;
    m.ms_per_command = f64::NAN;
    Ok(m)
}

// ---------------------------------------------------------------------------
// Reporting.

fn medians(all: &[Measure], runs: usize) -> Vec<Measure> {
    let mut groups: BTreeMap<(Backend, Workload), Vec<&Measure>> = BTreeMap::new();
    for m in all {
        groups.entry((m.store, m.key)).or_default().push(m);
    }
    groups
        .into_values()
        .filter_map(|ms| {
            let first = *ms.first()?;
            let med = |f: fn(&Measure) -> f64| {
                median(&ms.iter().map(|m| f(m)).collect::<Vec<_>>()).unwrap_or(f64::NAN)
            };
            let opt = |f: fn(&Measure) -> Option<f64>| {
                let v: Vec<f64> = ms.iter().filter_map(|m| f(m)).collect();
                median(&v)
            };
            let failed: Vec<String> = ms
                .iter()
                .filter(|m| !m.invariant_ok)
                .map(|m| format!("run {}: {}", m.run, m.invariant))
                .collect();
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let retries = med(|m| m.retries as f64).round() as u64;
            Some(Measure {
                run: "median".to_owned(),
                seconds: med(|m| m.seconds),
                per_second: med(|m| m.per_second),
                p50_ms: med(|m| m.p50_ms),
                p99_ms: med(|m| m.p99_ms),
                ms_per_command: med(|m| m.ms_per_command),
                retries,
                invariant_ok: failed.is_empty(),
                invariant: if failed.is_empty() {
                    if runs > 1 {
                        format!("ok ({runs}/{runs})")
                    } else {
                        "ok".to_owned()
                    }
                } else {
                    failed.join("; ")
                },
                raw_commits_per_second: opt(|m| m.raw_commits_per_second),
                ratio: opt(|m| m.ratio),
                ..first.clone()
            })
        })
        .collect()
}

fn fmt_num(v: f64, decimals: usize) -> String {
    if v.is_nan() {
        "-".to_owned()
    } else {
        format!("{v:.decimals$}")
    }
}

fn table(lines: &[Measure]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| store | workload | tasks | n | rate | p50 ms | p99 ms | ms/cmd | retries | invariants | raw-SQL limit | ratio |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|");
    for m in lines {
        let raw = match (m.raw_commits_per_second, m.raw_connections) {
            (Some(r), Some(c)) => format!("{r:.0} ({c} conn)"),
            _ => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} {} | {} | {} | {} | {} | {} | {} | {} |",
            m.store.name(),
            m.workload,
            m.tasks,
            m.commands,
            fmt_num(m.per_second, 0),
            m.unit,
            fmt_num(m.p50_ms, 3),
            fmt_num(m.p99_ms, 3),
            fmt_num(m.ms_per_command, 3),
            m.retries,
            m.invariant,
            raw,
            m.ratio
                .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
        );
    }
    out
}

/// How a target is judged.
#[derive(Clone, Copy)]
enum Goal {
    /// `ratio` to the raw-SQL limit at least this.
    RatioAtLeast(f64),
    /// p99 latency at most this many ms.
    P99AtMost(f64),
    /// Milliseconds per command at most this.
    MsPerCommandAtMost(f64),
    /// Rate (commands/s or events/s) at least this.
    RateAtLeast(f64),
}

/// The targets of issue 7.
const TARGETS: [(Backend, Workload, &str, Goal); 8] = [
    (
        Backend::Postgres,
        Workload::W1,
        "≥ 0.6 × raw 1-connection commits/s",
        Goal::RatioAtLeast(0.6),
    ),
    (
        Backend::Postgres,
        Workload::W2Eight,
        "≥ 0.5 × raw 8-connection commits/s",
        Goal::RatioAtLeast(0.5),
    ),
    (
        Backend::Postgres,
        Workload::W3,
        "all 2,000 succeed, p99 ≤ 50 ms",
        Goal::P99AtMost(50.0),
    ),
    (
        Backend::Postgres,
        Workload::W4,
        "≤ 4 ms per command",
        Goal::MsPerCommandAtMost(4.0),
    ),
    (
        Backend::Postgres,
        Workload::W5,
        "≥ 50,000 events/s",
        Goal::RateAtLeast(50_000.0),
    ),
    (
        Backend::Memory,
        Workload::W1,
        "≥ 1,000,000 commands/s",
        Goal::RateAtLeast(1_000_000.0),
    ),
    (
        Backend::Memory,
        Workload::W2Single,
        "≥ 400,000 commands/s",
        Goal::RateAtLeast(400_000.0),
    ),
    (
        Backend::Memory,
        Workload::W4,
        "≤ 0.3 ms per command",
        Goal::MsPerCommandAtMost(0.3),
    ),
];

/// The targets of issue 7, checked against the medians (a target also
/// needs the workload's invariants to hold).
fn targets(medians: &[Measure]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| store | workload | target | measured | verdict |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for (store, key, target, goal) in TARGETS {
        let Some(m) = medians.iter().find(|m| m.store == store && m.key == key) else {
            continue;
        };
        let (measured, ok) = match goal {
            Goal::RatioAtLeast(min) => {
                let r = m.ratio.unwrap_or(f64::NAN);
                (
                    format!("{:.0} {} = {r:.2} × raw", m.per_second, m.unit),
                    r >= min,
                )
            }
            Goal::P99AtMost(max) => (
                format!("p99 {:.1} ms, invariants {}", m.p99_ms, m.invariant),
                m.p99_ms <= max,
            ),
            Goal::MsPerCommandAtMost(max) => (
                format!("{:.3} ms per command", m.ms_per_command),
                m.ms_per_command <= max,
            ),
            Goal::RateAtLeast(min) => (
                format!("{:.0} {}", m.per_second, m.unit),
                m.per_second >= min,
            ),
        };
        let verdict = if ok && m.invariant_ok {
            "met"
        } else {
            "NOT met"
        };
        let _ = writeln!(
            out,
            "| {} | {} | {target} | {measured} | {verdict} |",
            store.name(),
            describe(key),
        );
    }
    out
}
