use std::collections::HashSet;

use super::{ExpectedVersion, IdempotencyClaim, NewEvent, StreamWrite};
use crate::{error::ValidationError, types::StreamId};

/// An atomic write across streams: either every event is committed and every
/// expected version held, or nothing is written.
///
/// ```
/// use eventcore::store::{AppendBatch, ExpectedVersion, StreamWrite};
/// use eventcore::{StreamId, StreamVersion};
///
/// let a = StreamId::try_new("a")?;
/// let batch = AppendBatch::try_new(vec![
///     StreamWrite::new(a.clone(), ExpectedVersion::NO_STREAM, vec![]),
///     StreamWrite::check_only(StreamId::try_new("b")?, StreamVersion::new(3)),
/// ])?;
/// assert_eq!(batch.writes().len(), 2);
///
/// // A stream may appear only once.
/// let twice = AppendBatch::try_new(vec![
///     StreamWrite::check_only(a.clone(), StreamVersion::INITIAL),
///     StreamWrite::check_only(a, StreamVersion::INITIAL),
/// ]);
/// assert!(twice.is_err());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
///
/// A batch also carries the order its events were emitted in across streams:
/// stores give the events global positions in that order. [`try_new`] and
/// [`single`] take them stream by stream; [`try_interleaved`] takes any
/// interleaving.
///
/// [`try_new`]: Self::try_new
/// [`single`]: Self::single
/// [`try_interleaved`]: Self::try_interleaved
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppendBatch {
    writes: Vec<StreamWrite>,
    /// For each event in emission order, the index of its write.
    order: Vec<usize>,
    /// The idempotency key the batch claims, if any.
    idempotency: Option<IdempotencyClaim>,
}

/// One event of an [`AppendBatch`], seen in emission order.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Emitted<'a> {
    /// The index of its stream's write in [`AppendBatch::writes`].
    pub write: usize,
    /// Its stream's write.
    pub stream: &'a StreamWrite,
    /// Its index among its stream's events (0 for the first).
    pub offset: usize,
    /// The event.
    pub event: &'a NewEvent,
}

impl AppendBatch {
    /// Builds a batch, rejecting a stream that appears twice.
    pub fn try_new(writes: Vec<StreamWrite>) -> Result<Self, ValidationError> {
        if writes.len() > 1 {
            let mut seen = HashSet::with_capacity(writes.len());
            for write in &writes {
                if !seen.insert(write.stream_id()) {
                    return Err(ValidationError::invalid(
                        "AppendBatch",
                        write.stream_id(),
                        "must name each stream once, with all of its events",
                    ));
                }
            }
        }
        let order = writes
            .iter()
            .enumerate()
            .flat_map(|(index, write)| std::iter::repeat_n(index, write.events().len()))
            .collect();
        Ok(Self {
            writes,
            order,
            idempotency: None,
        })
    }

    /// Builds a batch whose events were emitted interleaved across streams:
    /// `order` names, for each event in emission order, the index of its
    /// stream's write in `writes`. Within a stream the events keep their
    /// order in its write; stores give global positions in `order`.
    ///
    /// ```
    /// use eventcore::store::{AppendBatch, ExpectedVersion, NewEvent, StreamWrite};
    /// use eventcore::{EventMetadata, SerializedEvent, StreamId};
    ///
    /// let event = |name: &'static str| NewEvent::new(SerializedEvent::new(name, "{}"), EventMetadata::new());
    /// let (x, y) = (StreamId::try_new("x")?, StreamId::try_new("y")?);
    /// // Emitted: a to x, b to y, c to x.
    /// let batch = AppendBatch::try_interleaved(
    ///     vec![
    ///         StreamWrite::new(x, ExpectedVersion::NO_STREAM, vec![event("a"), event("c")]),
    ///         StreamWrite::new(y, ExpectedVersion::NO_STREAM, vec![event("b")]),
    ///     ],
    ///     vec![0, 1, 0],
    /// )?;
    /// let types: Vec<&str> = batch.emitted().map(|e| e.event.event().event_type()).collect();
    /// assert_eq!(types, ["a", "b", "c"]);
    ///
    /// // The order must name each stream once per event it writes.
    /// let err = AppendBatch::try_interleaved(batch.into_writes(), vec![0, 1, 1]).unwrap_err();
    /// assert!(err.to_string().contains("once per event it writes"), "{err}");
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A stream that appears twice, an index past the writes, or an order
    /// that names a stream more or fewer times than it has events.
    pub fn try_interleaved(
        writes: Vec<StreamWrite>,
        order: Vec<usize>,
    ) -> Result<Self, ValidationError> {
        let batch = Self::try_new(writes)?;
        let mut counts = vec![0_usize; batch.writes.len()];
        for &index in &order {
            let Some(count) = counts.get_mut(index) else {
                return Err(ValidationError::invalid(
                    "AppendBatch order",
                    index,
                    format!(
                        "must name writes by their index, below {}",
                        batch.writes.len()
                    ),
                ));
            };
            *count += 1;
        }
        for (write, count) in batch.writes.iter().zip(counts) {
            if count != write.events().len() {
                return Err(ValidationError::invalid(
                    "AppendBatch order",
                    format!("{count} event(s) of {}", write.stream_id()),
                    format!(
                        "must name each stream once per event it writes ({})",
                        write.events().len()
                    ),
                ));
            }
        }
        Ok(Self { order, ..batch })
    }

    /// A batch that writes to a single stream.
    #[must_use]
    pub fn single(
        stream_id: StreamId,
        expected: impl Into<ExpectedVersion>,
        events: Vec<NewEvent>,
    ) -> Self {
        Self {
            order: vec![0; events.len()],
            writes: vec![StreamWrite::new(stream_id, expected, events)],
            idempotency: None,
        }
    }

    /// Claims an idempotency key: the store records it, with the positions
    /// this batch writes, atomically with the batch, and refuses the batch
    /// (writing nothing) if the key is already recorded. A batch with a
    /// claim is written even when it holds no events, so that a decision
    /// to write nothing is recorded too.
    ///
    /// ```
    /// use eventcore::store::{AppendBatch, ExpectedVersion, IdempotencyClaim};
    /// use eventcore::{IdempotencyKey, StreamId};
    ///
    /// let key = IdempotencyKey::try_new("request-1")?;
    /// let batch = AppendBatch::single(StreamId::try_new("a")?, ExpectedVersion::NO_STREAM, vec![])
    ///     .with_idempotency(IdempotencyClaim::new(key.clone(), "Open", uuid::Uuid::nil()));
    /// assert_eq!(batch.idempotency().map(IdempotencyClaim::key), Some(&key));
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    #[must_use]
    pub fn with_idempotency(mut self, claim: IdempotencyClaim) -> Self {
        self.idempotency = Some(claim);
        self
    }

    /// The idempotency key the batch claims, if any.
    #[must_use]
    pub const fn idempotency(&self) -> Option<&IdempotencyClaim> {
        self.idempotency.as_ref()
    }

    /// For each event in emission order, the index of its stream's write in
    /// [`writes`](Self::writes).
    #[must_use]
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The events in emission order, the order stores give them global
    /// positions in.
    pub fn emitted(&self) -> impl Iterator<Item = Emitted<'_>> {
        let mut next = vec![0_usize; self.writes.len()];
        self.order.iter().map(move |&write| {
            let offset = next[write];
            next[write] += 1;
            let stream = &self.writes[write];
            Emitted {
                write,
                stream,
                offset,
                event: &stream.events()[offset],
            }
        })
    }

    /// The participating streams.
    #[must_use]
    pub fn writes(&self) -> &[StreamWrite] {
        &self.writes
    }

    /// Takes the writes out, forgetting the emission order and the claim.
    #[must_use]
    pub fn into_writes(self) -> Vec<StreamWrite> {
        self.writes
    }

    /// Takes the writes and the emission order (see [`order`](Self::order))
    /// out, forgetting the claim (read it first with
    /// [`idempotency`](Self::idempotency)).
    #[must_use]
    pub fn into_parts(self) -> (Vec<StreamWrite>, Vec<usize>) {
        (self.writes, self.order)
    }

    /// Checks every payload against the rule all stores share (see
    /// [`SerializedEvent::check_payload`](crate::SerializedEvent::check_payload)).
    /// Stores call it before writing anything, so a batch one store refuses
    /// is refused by every store, with the same error.
    ///
    /// ```
    /// use eventcore::store::{AppendBatch, ExpectedVersion, NewEvent};
    /// use eventcore::{EventMetadata, SerializedEvent, StreamId};
    ///
    /// let bad = NewEvent::new(SerializedEvent::new("Opened", "{oops"), EventMetadata::new());
    /// let batch = AppendBatch::single(StreamId::try_new("account-1")?, ExpectedVersion::NO_STREAM, vec![bad]);
    /// let err = batch.check_payloads().unwrap_err();
    /// assert!(err.to_string().contains("event 1 of account-1 (Opened)"), "{err}");
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    ///
    /// Custom metadata is held to the same rule: no string in it (key or
    /// value) may contain the NUL character, which PostgreSQL cannot store.
    pub fn check_payloads(&self) -> Result<(), ValidationError> {
        for write in &self.writes {
            for (index, event) in write.events().iter().enumerate() {
                let which = || {
                    format!(
                        "event {} of {} ({})",
                        index + 1,
                        write.stream_id(),
                        event.event().event_type()
                    )
                };
                event
                    .event()
                    .check_payload()
                    .map_err(|rule| ValidationError::invalid("event payload", which(), rule))?;
                if let Some(path) = event.metadata().nul_in_custom() {
                    return Err(ValidationError::invalid(
                        "event metadata",
                        which(),
                        format!(
                            "custom metadata must not contain the NUL character (U+0000), which \
                             not every store can keep; found in `{path}`"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The number of events the batch writes.
    #[must_use]
    pub fn event_count(&self) -> usize {
        self.writes.iter().map(|w| w.events().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventMetadata, SerializedEvent, StreamVersion};

    fn event(name: &'static str) -> NewEvent {
        NewEvent::new(SerializedEvent::new(name, "{}"), EventMetadata::new())
    }

    fn two_streams() -> Vec<StreamWrite> {
        vec![
            StreamWrite::new(
                StreamId::try_new("x").unwrap(),
                ExpectedVersion::NO_STREAM,
                vec![event("a"), event("c")],
            ),
            StreamWrite::new(
                StreamId::try_new("y").unwrap(),
                ExpectedVersion::NO_STREAM,
                vec![event("b")],
            ),
            StreamWrite::check_only(StreamId::try_new("z").unwrap(), StreamVersion::INITIAL),
        ]
    }

    fn emitted_types(batch: &AppendBatch) -> Vec<(usize, usize, &str)> {
        batch
            .emitted()
            .map(|e| (e.write, e.offset, e.event.event().event_type()))
            .collect()
    }

    #[test]
    fn try_new_emits_stream_by_stream() {
        let batch = AppendBatch::try_new(two_streams()).unwrap();
        assert_eq!(batch.order(), [0, 0, 1]);
        assert_eq!(
            emitted_types(&batch),
            [(0, 0, "a"), (0, 1, "c"), (1, 0, "b")]
        );
    }

    #[test]
    fn try_interleaved_emits_in_the_given_order() {
        let batch = AppendBatch::try_interleaved(two_streams(), vec![0, 1, 0]).unwrap();
        assert_eq!(
            emitted_types(&batch),
            [(0, 0, "a"), (1, 0, "b"), (0, 1, "c")]
        );
        let (writes, order) = batch.into_parts();
        assert_eq!(writes.len(), 3);
        assert_eq!(order, [0, 1, 0]);
    }

    #[test]
    fn an_order_naming_a_missing_write_is_refused() {
        let err = AppendBatch::try_interleaved(two_streams(), vec![0, 3, 0]).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains('3') && message.contains("below 3"),
            "{message}"
        );
    }

    #[test]
    fn an_order_with_the_wrong_count_for_a_stream_is_refused() {
        for order in [
            vec![0, 1],
            vec![0, 1, 0, 0],
            vec![0, 1, 1],
            vec![0, 2, 0, 1],
        ] {
            let err = AppendBatch::try_interleaved(two_streams(), order.clone()).unwrap_err();
            assert!(
                err.to_string().contains("once per event it writes"),
                "{order:?}: {err}"
            );
        }
    }

    #[test]
    fn try_interleaved_still_refuses_a_stream_named_twice() {
        let mut writes = two_streams();
        writes.push(StreamWrite::check_only(
            StreamId::try_new("x").unwrap(),
            StreamVersion::INITIAL,
        ));
        let err = AppendBatch::try_interleaved(writes, vec![0, 1, 0]).unwrap_err();
        assert!(err.to_string().contains("each stream once"), "{err}");
    }
}
