//! The library half of the `eventcore` command line: subcommands that need
//! your application's event types, to mount in a binary of your own.
//!
//! The `eventcore` binary covers what needs no types (migrations, status,
//! streams as stored, tail, projection control). Decoding payloads with
//! your event type (and its upcasters), or checking that this build reads
//! every stored event, needs the type: add [`TypedCommand`] to your own
//! `clap` command line.
//!
//! ```
//! use clap::Parser;
//! use eventcore_cli::TypedCommand;
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
//! # enum BankEvent { Deposited { cents: u64 } }
//!
//! /// My bank's operator tools.
//! #[derive(Parser)]
//! struct BankCli {
//!     #[command(subcommand)]
//!     command: TypedCommand,
//!     #[arg(long)]
//!     json: bool,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cli = BankCli::parse_from(["bank", "check"]);
//! let store = eventcore_memory::MemoryStore::new();
//! let mut out = Vec::new();
//! cli.command.run::<BankEvent, _>(&store, cli.json, &mut out).await?;
//! assert_eq!(String::from_utf8(out)?, "scanned 0 events: every one reads\n");
//! # Ok(())
//! # }
//! ```

mod typed;

pub use typed::{TypedCommand, TypedError};
