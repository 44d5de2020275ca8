//! Steering projections that run in other processes: requests kept in the
//! store, which runners read once per poll interval and obey.

use std::{io::IsTerminal, time::Duration};

use eventcore::{
    GlobalPosition,
    store::{CheckpointStore, ControlRequest, EventStore, LeaseStore, ProjectionControl},
};
use eventcore_postgres::PostgresStore;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::{Failure, output::Output};

/// How often a wait looks at the store.
const POLL: Duration = Duration::from_millis(100);

/// How often plain progress lines are printed when stderr is not a
/// terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(1);

/// Fails unless every migration this build knows is applied.
pub(crate) async fn require_migrated(store: &PostgresStore) -> Result<(), Failure> {
    let pending = store
        .migrations()
        .await?
        .iter()
        .filter(|m| m.applied_at.is_none())
        .count();
    if pending > 0 {
        return Err(Failure::NotMigrated(format!(
            "schema {} has {pending} pending migration(s): run `eventcore migrate`",
            store.schema()
        )));
    }
    Ok(())
}

/// Records `request` for the projection `name` and prints the record.
pub(crate) async fn request(
    store: &PostgresStore,
    out: &Output,
    name: &str,
    request: ControlRequest,
) -> Result<(), Failure> {
    require_migrated(store).await?;
    let control = store.control_projection(name, request).await?;
    print(out, name, &control);
    Ok(())
}

fn print(out: &Output, name: &str, control: &ProjectionControl) {
    out.record(
        &json!({
            "name": name,
            "paused": control.paused,
            "rebuilds_requested": control.rebuilds_requested,
            "rebuilds_done": control.rebuilds_done,
        }),
        &format!(
            "{name}  {}  rebuilds {} requested, {} done",
            if control.paused { "paused" } else { "running" },
            control.rebuilds_requested,
            control.rebuilds_done
        ),
    );
}

/// Requests a rebuild of `name`; with a `timeout`, waits until a runner
/// has reset the read model and replayed up to the head as it was when
/// asked, showing the progress.
pub(crate) async fn rebuild(
    store: &PostgresStore,
    out: &Output,
    name: &str,
    timeout: Option<Duration>,
) -> Result<(), Failure> {
    require_migrated(store).await?;
    let head = store.head_position().await?;
    let control = store
        .control_projection(name, ControlRequest::Rebuild)
        .await?;
    print(out, name, &control);
    let Some(timeout) = timeout else {
        return Ok(());
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let total = store
        .count_events(GlobalPosition::START, head, u64::MAX)
        .await?;
    let progress = Progress::new(total);
    progress.say(&format!(
        "waiting for a runner of {name} to reset its read model"
    ));
    loop {
        let now = store.projection_control(name).await?;
        if now.rebuilds_done >= control.rebuilds_requested {
            break;
        }
        wait(deadline, name, "no runner reset the read model").await?;
    }
    loop {
        let position = store.load_checkpoint(name).await?.unwrap_or_default();
        let left = store.count_events(position, head, u64::MAX).await?;
        progress.at(total - left.min(total));
        if position >= head || left == 0 {
            break;
        }
        wait(deadline, name, "the rebuild has not caught up").await?;
    }
    progress.done(&format!("{name} rebuilt: {total} events replayed"));
    Ok(())
}

/// Sleeps one poll, or fails once `deadline` has passed.
async fn wait(deadline: tokio::time::Instant, name: &str, what: &str) -> Result<(), Failure> {
    if tokio::time::Instant::now() >= deadline {
        return Err(Failure::TimedOut(format!(
            "{what} of projection {name} in time (is a runner of it running?)"
        )));
    }
    tokio::time::sleep(POLL).await;
    Ok(())
}

/// Progress on stderr: a bar on a terminal, a line a second otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    printed: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Progress {
    fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} events ({eta})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self {
            bar,
            total,
            printed: std::sync::Mutex::new(None),
        }
    }

    fn say(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(text.to_owned()),
            None => eprintln!("{text}"),
        }
    }

    fn at(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message("rebuilding");
            bar.set_position(done);
            return;
        }
        let Ok(mut printed) = self.printed.lock() else {
            return;
        };
        if printed.is_none_or(|at| at.elapsed() >= PLAIN_EVERY) {
            *printed = Some(std::time::Instant::now());
            eprintln!("rebuilt {done} of {} events", self.total);
        }
    }

    fn done(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.finish_with_message(text.to_owned()),
            None => eprintln!("{text}"),
        }
    }
}
