//! The command line's shape.

use clap::{Args, Parser, Subcommand};

/// Operate an EventCore store on PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "eventcore", version, about)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) target: Target,

    /// Print one JSON object per line instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Which store.
#[derive(Debug, Args)]
pub(crate) struct Target {
    /// The database, as a `postgres://` URL.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub(crate) database_url: Option<String>,

    /// The store's schema.
    #[arg(long, default_value = "eventcore", global = true)]
    pub(crate) schema: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Apply the pending migrations (all in one transaction).
    Migrate {
        /// List the pending migrations without applying them.
        #[arg(long)]
        dry_run: bool,
    },
    /// The head position, event and stream counts, migrations and
    /// projections.
    Status,
    /// The events of one stream, in version order.
    Stream {
        /// The stream's id.
        id: String,
    },
    /// Follow new events live (LISTEN/NOTIFY), until interrupted.
    Tail {
        /// Only streams whose id starts with this.
        #[arg(long)]
        prefix: Option<String>,
        /// Only events of these types (repeat, or separate with commas).
        #[arg(long = "type", value_delimiter = ',')]
        types: Vec<String>,
        /// Start after this global position instead of at the head.
        #[arg(long)]
        after: Option<u64>,
        /// Stop after printing this many events.
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Projections: their checkpoints, lag and lease holders.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProjectionsCommand {
    /// Every projection with a checkpoint or a lease.
    List,
    /// Ask the projection's runners, wherever they run, to pause (within
    /// one poll interval).
    Pause {
        /// The projection's name.
        name: String,
    },
    /// Ask the projection's runners to go on.
    Resume {
        /// The projection's name.
        name: String,
    },
    /// Ask the runner holding the projection's lease to reset its read
    /// model and replay every event.
    Rebuild {
        /// The projection's name.
        name: String,
        /// Wait until the rebuild has caught up with today's head, showing
        /// its progress.
        #[arg(long)]
        wait: bool,
        /// With `--wait`, give up after this many seconds (exit code 5).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
}
