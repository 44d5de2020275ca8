// A handle cannot be built outside the executor.
use eventcore::{StreamHandle, StreamId};

fn forge<C: eventcore::Command>(stream_id: StreamId) -> StreamHandle<'static, C> {
    StreamHandle { stream_id }
}

fn main() {}
