//! What one execution may ask for beyond the command: the metadata its
//! events share, and a deadline.

use std::time::{Duration, Instant};

use crate::types::EventMetadataBuilder;

/// Options for one execution (see
/// [`CommandExecutor::execute_with_options`](super::CommandExecutor::execute_with_options)).
///
/// ```
/// use std::time::Duration;
/// use eventcore::{EventMetadata, ExecutionOptions};
///
/// let options = ExecutionOptions::new()
///     .metadata(EventMetadata::builder().custom("source", "import"))
///     .timeout(Duration::from_secs(2));
/// assert!(options.deadline_at().is_some());
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ExecutionOptions {
    pub(super) metadata: EventMetadataBuilder,
    pub(super) deadline: Option<Instant>,
}

impl Default for ExecutionOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl ExecutionOptions {
    /// Fresh metadata and no deadline: what
    /// [`execute`](super::CommandExecutor::execute) uses.
    pub fn new() -> Self {
        Self {
            metadata: EventMetadataBuilder::default(),
            deadline: None,
        }
    }

    /// The correlation id, causation id, actor and custom fields every
    /// event written shares (see
    /// [`execute_with`](super::CommandExecutor::execute_with)).
    pub fn metadata(mut self, metadata: EventMetadataBuilder) -> Self {
        self.metadata = metadata;
        self
    }

    /// Gives up at `deadline`: no attempt starts and no retry waits past
    /// it, and an attempt still running then is abandoned.
    ///
    /// The error says what is known of the outcome:
    /// [`DeadlineExceeded`](crate::CommandError::DeadlineExceeded) when
    /// nothing was written, and
    /// [`OutcomeUnknown`](crate::CommandError::OutcomeUnknown) when an
    /// append was in flight: its batch was then written whole or not at
    /// all, and only reading the streams tells which. (Wrapping `execute`
    /// in `tokio::time::timeout` cannot tell these apart.)
    pub const fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// A deadline `timeout` from now (from this call, not from the
    /// execution's start).
    pub fn timeout(self, timeout: Duration) -> Self {
        let deadline = Instant::now().checked_add(timeout);
        match deadline {
            Some(deadline) => self.deadline(deadline),
            // Beyond what the clock can hold: no deadline in practice.
            None => self,
        }
    }

    /// The deadline, if any.
    #[must_use]
    pub const fn deadline_at(&self) -> Option<Instant> {
        self.deadline
    }
}
