use std::{cell::RefCell, fmt, marker::PhantomData};

use crate::types::{StreamId, StreamVersion};

use super::{Command, IntoStreamId};

/// One stream the executor read for a command.
#[derive(Clone, Debug)]
pub(crate) struct ReadStream {
    pub(crate) id: StreamId,
    pub(crate) version: StreamVersion,
    pub(crate) discovered: bool,
}

/// The executor's side of a command's handles: the streams it read and the
/// events emitted so far.
///
/// Only the executor creates one; generated code passes it on to the
/// handles. It has no public constructor and no public method.
pub struct StreamAccess<E> {
    streams: Vec<ReadStream>,
    emitted: RefCell<Vec<(StreamId, E)>>,
}

impl<E> StreamAccess<E> {
    pub(crate) const fn new(streams: Vec<ReadStream>) -> Self {
        Self {
            streams,
            emitted: RefCell::new(Vec::new()),
        }
    }

    /// A handle for `id`. The executor rejects events for ids it did not
    /// read when it builds the append batch.
    pub(crate) fn handle<C: Command<Event = E>>(&self, id: StreamId) -> StreamHandle<'_, C> {
        let version = self
            .streams
            .iter()
            .find(|s| s.id == id)
            .map_or(StreamVersion::INITIAL, |s| s.version);
        StreamHandle {
            stream_id: id,
            version,
            access: self,
            command: PhantomData,
        }
    }

    /// Handles for every discovered stream.
    pub(crate) fn discovered<C: Command<Event = E>>(&self) -> StreamHandles<'_, C> {
        StreamHandles::collect(
            self.streams
                .iter()
                .filter(|s| s.discovered)
                .map(|s| self.handle(s.id.clone())),
        )
    }

    pub(crate) fn into_parts(self) -> (Vec<ReadStream>, Vec<(StreamId, E)>) {
        (self.streams, self.emitted.into_inner())
    }
}

impl<E> fmt::Debug for StreamAccess<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamAccess")
            .field("streams", &self.streams)
            .finish_non_exhaustive()
    }
}

/// Permission to write events of command `C` to one stream.
///
/// Handles are created by the executor only, for the streams a command
/// declared or discovered, and live only while
/// [`CommandLogic::handle`](super::CommandLogic::handle) runs. A handle
/// accepts only `C`'s event type:
///
/// ```compile_fail
/// // There is no way to make a handle for an arbitrary stream.
/// let handle = eventcore::StreamHandle { stream_id: eventcore::StreamId::try_new("x")? };
/// ```
pub struct StreamHandle<'a, C: Command> {
    stream_id: StreamId,
    version: StreamVersion,
    access: &'a StreamAccess<C::Event>,
    command: PhantomData<fn(C) -> C>,
}

impl<C: Command> StreamHandle<'_, C> {
    /// Queues `event` for this stream. Events are written, in emission
    /// order, when `handle` returns `Ok`.
    pub fn emit(&mut self, event: C::Event) {
        self.access
            .emitted
            .borrow_mut()
            .push((self.stream_id.clone(), event));
    }

    /// The stream this handle writes to.
    #[must_use]
    pub const fn stream_id(&self) -> &StreamId {
        &self.stream_id
    }

    /// The stream's version when the executor read it (0: the stream has no
    /// events yet).
    #[must_use]
    pub const fn version(&self) -> StreamVersion {
        self.version
    }
}

impl<C: Command> fmt::Debug for StreamHandle<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamHandle")
            .field("stream_id", &self.stream_id)
            .field("version", &self.version)
            .finish()
    }
}

/// Handles for a collection field or for discovered streams: one
/// [`StreamHandle`] per distinct stream, in declaration order.
pub struct StreamHandles<'a, C: Command> {
    handles: Vec<StreamHandle<'a, C>>,
}

impl<'a, C: Command> StreamHandles<'a, C> {
    pub(crate) fn collect(handles: impl Iterator<Item = StreamHandle<'a, C>>) -> Self {
        let mut unique: Vec<StreamHandle<'a, C>> = Vec::new();
        for handle in handles {
            if !unique.iter().any(|h| h.stream_id == handle.stream_id) {
                unique.push(handle);
            }
        }
        Self { handles: unique }
    }

    /// The handle for stream `id` (a `StreamId` or a type converting into
    /// one), if this collection holds it.
    pub fn get_mut<K: IntoStreamId + ?Sized>(
        &mut self,
        id: &K,
    ) -> Option<&mut StreamHandle<'a, C>> {
        let id = id.to_stream_id();
        self.handles.iter_mut().find(|h| h.stream_id == id)
    }

    /// Every handle, in declaration order.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, StreamHandle<'a, C>> {
        self.handles.iter_mut()
    }

    /// The stream ids, in declaration order.
    pub fn stream_ids(&self) -> impl ExactSizeIterator<Item = &StreamId> {
        self.handles.iter().map(StreamHandle::stream_id)
    }

    /// The number of streams.
    #[must_use]
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether there are no streams.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }
}

impl<'s, 'a, C: Command> IntoIterator for &'s mut StreamHandles<'a, C> {
    type Item = &'s mut StreamHandle<'a, C>;
    type IntoIter = std::slice::IterMut<'s, StreamHandle<'a, C>>;

    fn into_iter(self) -> Self::IntoIter {
        self.handles.iter_mut()
    }
}

impl<C: Command> fmt::Debug for StreamHandles<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.handles).finish()
    }
}
