//! Subcommands that decode with the application's event type.

use std::{fmt::Debug, io::Write};

use eventcore::{
    Event, EventSerializer, GlobalPosition, JsonSerializer, StoreError, StreamId, ValidationError,
    check_store,
    store::{EventFilter, EventStore},
};
use serde_json::json;

/// Subcommands that need the application's event type `E` (given to
/// [`run`](Self::run)).
#[derive(Debug, clap::Subcommand)]
#[non_exhaustive]
pub enum TypedCommand {
    /// Decode one stream's events with the application's event type
    /// (upcasters applied) and print them.
    Decode {
        /// The stream's id.
        id: String,
    },
    /// Check that this build reads every stored event: each (type, schema
    /// version) it cannot read, with a count and the first failure.
    Check {
        /// Only streams whose id starts with this.
        #[arg(long)]
        prefix: Option<String>,
    },
}

/// Why a typed subcommand failed; [`code`](Self::code) is the exit code
/// the `eventcore` binary would use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TypedError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An argument broke a rule.
    #[error(transparent)]
    Usage(#[from] ValidationError),
    /// The stream has no events.
    #[error("stream {0} has no events")]
    NotFound(StreamId),
    /// Stored events this build cannot read.
    #[error("{0} stored event(s) do not read with this build")]
    Unreadable(u64),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl TypedError {
    /// The exit code: 1 store or output, 2 usage, 3 not found, 6
    /// unreadable events.
    #[must_use]
    pub const fn code(&self) -> u8 {
        match self {
            Self::Store(_) | Self::Output(_) => 1,
            Self::Usage(_) => 2,
            Self::NotFound(_) => 3,
            Self::Unreadable(_) => 6,
        }
    }
}

impl TypedCommand {
    /// Runs the subcommand on `store`, decoding with `E`, printing to `out`
    /// (one JSON object per line with `json`).
    pub async fn run<E, S>(
        &self,
        store: &S,
        json: bool,
        out: &mut impl Write,
    ) -> Result<(), TypedError>
    where
        E: Event + Debug,
        S: EventStore,
    {
        match self {
            Self::Decode { id } => decode::<E, S>(store, id, json, out).await,
            Self::Check { prefix } => {
                let mut filter = EventFilter::all();
                if let Some(prefix) = prefix {
                    filter = filter.with_stream_prefix(prefix.clone());
                }
                check::<E, S>(store, &filter, json, out).await
            }
        }
    }
}

async fn decode<E: Event + Debug, S: EventStore>(
    store: &S,
    id: &str,
    json: bool,
    out: &mut impl Write,
) -> Result<(), TypedError> {
    let id = StreamId::try_new(id)?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let events = read
        .stream(&id)
        .map(eventcore::store::StreamEvents::events)
        .unwrap_or_default();
    if events.is_empty() {
        return Err(TypedError::NotFound(id));
    }
    for stored in events {
        let (position, version) = (stored.position(), stored.version());
        let decoded = JsonSerializer.decode::<E>(stored);
        if json {
            let event = match &decoded {
                Ok(event) => json!({ "event": serde_json::to_value(event).unwrap_or_default() }),
                Err(error) => json!({ "error": error.to_string() }),
            };
            let mut line = json!({
                "position": position.value(),
                "stream": id.as_str(),
                "version": version.value(),
                "type": stored.event_type(),
                "schema_version": stored.schema_version(),
            });
            if let (Some(line), Some(event)) = (line.as_object_mut(), event.as_object()) {
                line.extend(event.clone());
            }
            writeln!(out, "{line}")?;
        } else {
            match decoded {
                Ok(event) => writeln!(out, "{position:>8}  {id} v{version}  {event:?}")?,
                Err(error) => writeln!(
                    out,
                    "{position:>8}  {id} v{version}  {} (does not decode: {error})",
                    stored.event_type()
                )?,
            }
        }
    }
    Ok(())
}

async fn check<E: Event, S: EventStore>(
    store: &S,
    filter: &EventFilter,
    json: bool,
    out: &mut impl Write,
) -> Result<(), TypedError> {
    let check = check_store::<E, S>(store, filter, GlobalPosition::START, None).await?;
    if json {
        writeln!(out, "{}", serde_json::to_value(&check).unwrap_or_default())?;
    } else if check.is_ok() {
        writeln!(out, "scanned {} events: every one reads", check.scanned)?;
    } else {
        writeln!(out, "scanned {} events; these do not read:", check.scanned)?;
        for pair in &check.unreadable {
            writeln!(
                out,
                "  {} v{}: {} event(s), first at position {} in {}: {}",
                pair.event_type,
                pair.schema_version,
                pair.count,
                pair.first_position,
                pair.first_stream,
                pair.reason
            )?;
        }
    }
    if check.is_ok() {
        Ok(())
    } else {
        Err(TypedError::Unreadable(
            check.unreadable.iter().map(|u| u.count).sum(),
        ))
    }
}
