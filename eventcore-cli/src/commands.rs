//! What each command does.

use std::time::Duration;

use eventcore::{
    GlobalPosition, StreamId,
    store::{ControlRequest, EventFilter, EventStore, StoredEvent},
};
use eventcore_postgres::{PostgresConfig, PostgresStore, SchemaName, sqlx};
use serde_json::{Value, json};

use crate::{
    Failure,
    cli::{Cli, Command, ProjectionsCommand, Target},
    control,
    output::Output,
};

/// How many events `tail` reads per round trip.
const TAIL_BATCH: usize = 500;

/// How long `tail` waits for a notification before it polls anyway.
const TAIL_POLL: Duration = Duration::from_secs(1);

/// The most events `status` counts behind a projection.
const LAG_CAP: u64 = 1_000_000;

/// Runs the command line's command.
pub(crate) async fn run(cli: Cli) -> Result<(), Failure> {
    let out = Output::new(cli.json);
    let store = connect(&cli.target)?;
    match cli.command {
        Command::Migrate { dry_run } => migrate(&store, &out, dry_run).await,
        Command::Status => status(&store, &out).await,
        Command::Stream { id } => stream(&store, &out, &id).await,
        Command::Tail {
            prefix,
            types,
            after,
            limit,
        } => {
            let mut filter = EventFilter::all();
            if let Some(prefix) = prefix {
                filter = filter.with_stream_prefix(prefix);
            }
            if !types.is_empty() {
                filter = filter.with_event_types(types);
            }
            tail(&store, &out, &filter, after, limit).await
        }
        Command::Projections {
            command: ProjectionsCommand::Pause { name },
        } => control::request(&store, &out, &name, ControlRequest::Pause).await,
        Command::Projections {
            command: ProjectionsCommand::Resume { name },
        } => control::request(&store, &out, &name, ControlRequest::Resume).await,
        Command::Projections {
            command:
                ProjectionsCommand::Rebuild {
                    name,
                    wait,
                    timeout,
                },
        } => {
            let timeout = wait.then(|| Duration::from_secs(timeout));
            control::rebuild(&store, &out, &name, timeout).await
        }
        Command::Projections {
            command: ProjectionsCommand::List,
        } => {
            control::require_migrated(&store).await?;
            let head = store.head_position().await?;
            for projection in projections(&store, head).await? {
                out.record(&projection, &projection_line(&projection));
            }
            Ok(())
        }
    }
}

/// The store the target names (nothing is connected yet).
fn connect(target: &Target) -> Result<PostgresStore, Failure> {
    let url = target.database_url.clone().ok_or_else(|| {
        Failure::Usage("no database: set DATABASE_URL or pass --database-url".to_owned())
    })?;
    let schema = SchemaName::try_new(&target.schema)?;
    Ok(PostgresConfig::from_url(url)
        .schema(schema)
        .max_connections(2)
        .connect_lazy()?)
}

async fn migrate(store: &PostgresStore, out: &Output, dry_run: bool) -> Result<(), Failure> {
    let pending: Vec<_> = store
        .migrations()
        .await?
        .into_iter()
        .filter(|m| m.applied_at.is_none())
        .collect();
    if !dry_run && !pending.is_empty() {
        store.migrate().await?;
    }
    let verb = if dry_run { "pending" } else { "applied" };
    for migration in &pending {
        out.record(
            &json!({ "version": migration.version, "description": migration.description, "state": verb }),
            &format!("{verb} {:>3}  {}", migration.version, migration.description),
        );
    }
    if pending.is_empty() {
        out.note(&format!("schema {} is up to date", store.schema()));
    }
    Ok(())
}

async fn status(store: &PostgresStore, out: &Output) -> Result<(), Failure> {
    let migrations = store.migrations().await?;
    let applied = migrations.iter().filter(|m| m.applied_at.is_some()).count();
    let pending = migrations.len() - applied;
    if applied == 0 {
        out.record(
            &json!({ "schema": store.schema().as_str(), "migrations_applied": 0, "migrations_pending": pending }),
            &format!("schema      {}\nmigrations  none applied, {pending} pending", store.schema()),
        );
        return Err(Failure::NotMigrated(format!(
            "schema {} is not migrated: run `eventcore migrate`",
            store.schema()
        )));
    }
    let head = store.head_position().await?;
    let s = store.schema().quoted();
    let events: i64 = count(store, &format!("SELECT count(*) FROM {s}.events")).await?;
    let streams: i64 = count(
        store,
        &format!("SELECT count(*) FROM {s}.streams WHERE version > 0"),
    )
    .await?;
    let projections = projections(store, head).await?;
    let summary = json!({
        "schema": store.schema().as_str(),
        "head": head.value(),
        "events": events,
        "streams": streams,
        "migrations_applied": applied,
        "migrations_pending": pending,
        "projections": projections,
    });
    let mut text = format!(
        "schema      {}\nhead        {}\nevents      {events}\nstreams     {streams}\nmigrations  {applied} applied, {pending} pending\nprojections {}",
        store.schema(),
        head,
        projections.len()
    );
    for projection in &projections {
        text.push_str("\n  ");
        text.push_str(&projection_line(projection));
    }
    out.record(&summary, &text);
    if pending > 0 {
        return Err(Failure::NotMigrated(format!(
            "schema {} has {pending} pending migration(s): run `eventcore migrate`",
            store.schema()
        )));
    }
    Ok(())
}

async fn count(store: &PostgresStore, sql: &str) -> Result<i64, Failure> {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .map_err(query_failed)
}

/// A failed query of the CLI's own.
fn query_failed(error: sqlx::Error) -> Failure {
    Failure::Store(eventcore::StoreError::Unavailable {
        message: "a status query failed".to_owned(),
        source: Some(Box::new(error)),
    })
}

/// A checkpoint and lease row: name, position, holder, lease expiry.
type ProjectionRow = (
    String,
    Option<i64>,
    Option<String>,
    Option<chrono::DateTime<chrono::Utc>>,
);

/// Every projection with a checkpoint or a lease: its position, its lag
/// behind `head` and who holds its lease.
async fn projections(store: &PostgresStore, head: GlobalPosition) -> Result<Vec<Value>, Failure> {
    let s = store.schema().quoted();
    let rows: Vec<ProjectionRow> = sqlx::query_as(&format!(
        "SELECT name, c.position, l.holder, l.expires_at \
             FROM {s}.checkpoints c FULL JOIN {s}.leases l USING (name) ORDER BY name"
    ))
    .fetch_all(store.pool())
    .await
    .map_err(query_failed)?;
    let mut projections = Vec::with_capacity(rows.len());
    for (name, position, holder, expires_at) in rows {
        let position = GlobalPosition::new(position.map_or(0, i64::unsigned_abs));
        let lag = store.count_events(position, head, LAG_CAP).await?;
        let live = expires_at.is_some_and(|at| at > chrono::Utc::now());
        projections.push(json!({
            "name": name,
            "position": position.value(),
            "lag": lag,
            "lease_holder": holder.filter(|_| live),
            "lease_expires_at": expires_at.filter(|_| live).map(|at| at.to_rfc3339()),
        }));
    }
    Ok(projections)
}

fn projection_line(projection: &Value) -> String {
    format!(
        "{}  position {}  lag {}  lease {}",
        projection["name"].as_str().unwrap_or_default(),
        projection["position"],
        projection["lag"],
        projection["lease_holder"].as_str().unwrap_or("none")
    )
}

async fn stream(store: &PostgresStore, out: &Output, id: &str) -> Result<(), Failure> {
    let id = StreamId::try_new(id)?;
    control::require_migrated(store).await?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let events = read
        .stream(&id)
        .map(eventcore::store::StreamEvents::events)
        .unwrap_or_default();
    if events.is_empty() {
        return Err(Failure::NotFound(format!("stream {id} has no events")));
    }
    for event in events {
        print_event(out, event);
    }
    Ok(())
}

async fn tail(
    store: &PostgresStore,
    out: &Output,
    filter: &EventFilter,
    after: Option<u64>,
    limit: Option<u64>,
) -> Result<(), Failure> {
    control::require_migrated(store).await?;
    let mut notifications = store.subscribe();
    let mut position = match after {
        Some(after) => GlobalPosition::new(after),
        None => store.head_position().await?,
    };
    let mut printed = 0_u64;
    loop {
        // The head is read *before* the batch: every event up to it was
        // visible when the batch was read, so it is either in the batch or
        // excluded by the filter. Read after, it could name an event that
        // committed between the two reads and skip it.
        let head = store.head_position().await?;
        let batch = store.read_all(position, filter, TAIL_BATCH).await?;
        for event in &batch {
            print_event(out, event);
            printed += 1;
            if limit.is_some_and(|limit| printed >= limit) {
                return Ok(());
            }
        }
        let Some(last) = batch.last() else {
            // Caught up: everything up to the head was read or filtered out.
            position = position.max(head);
            tokio::select! {
                _ = notifications.wait_beyond(position, TAIL_POLL) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
            continue;
        };
        position = last.position();
    }
}

fn print_event(out: &Output, event: &StoredEvent) {
    let payload: Value = serde_json::from_str(event.json()).unwrap_or(Value::Null);
    let metadata = event.metadata();
    out.record(
        &json!({
            "position": event.position().value(),
            "stream": event.stream_id().as_str(),
            "version": event.version().value(),
            "type": event.event_type(),
            "schema_version": event.schema_version(),
            "event_id": metadata.event_id().to_string(),
            "correlation_id": metadata.correlation_id().to_string(),
            "timestamp": metadata.timestamp().to_string(),
            "payload": payload,
        }),
        &format!(
            "{:>8}  {} v{}  {}  {}  {}",
            event.position(),
            event.stream_id(),
            event.version(),
            event.event_type(),
            metadata.timestamp(),
            event.json()
        ),
    );
}
