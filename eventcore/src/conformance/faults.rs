//! Fault injection for adapter tests: a loopback TCP proxy that delays or
//! cuts a backend's replies, and a way to cancel a future at its n-th
//! await point.
//!
//! A network adapter (ours or a third party's) points its connection at a
//! [`FaultProxy`] instead of the server, then injects the faults a real
//! network and a real scheduler produce: replies that arrive late, replies
//! that never arrive after the server acted, and tasks dropped half-way
//! through an operation. The invariants to check afterwards are the
//! adapter's own ("every acknowledged append is visible to a fresh
//! connection", "no batch is applied twice").
//!
//! Like the rest of the conformance module this is test support: not a
//! stable part of the public API.
//!
//! ```no_run
//! use std::time::Duration;
//! use eventcore::conformance::faults::FaultProxy;
//!
//! # async fn run() -> std::io::Result<()> {
//! let proxy = FaultProxy::start("127.0.0.1:5432").await?;
//! let url = format!("postgres://postgres@{}/postgres", proxy.local_addr());
//! // The server's reply to the next BEGIN arrives 300 ms late...
//! proxy.delay_reply_after(b"BEGIN", Duration::from_millis(300), 1);
//! // ...and the replies to the next two COMMITs never arrive.
//! proxy.cut_reply_after(b"COMMIT", 2);
//! # let _ = url;
//! # Ok(())
//! # }
//! ```

use std::{
    future::Future,
    io,
    net::SocketAddr,
    pin::pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::Poll,
    time::Duration,
};

use parking_lot::Mutex;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream, ToSocketAddrs},
    sync::watch,
    task::JoinHandle,
};

/// What happens to a server reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReplyFault {
    /// Held back this long, then delivered.
    Delay(Duration),
    /// Dropped, and the connection closed both ways: the server acted on
    /// the request but the client never hears back.
    Cut,
}

/// A fault armed by a client request containing `pattern`.
#[derive(Debug)]
struct Trigger {
    pattern: Vec<u8>,
    fault: ReplyFault,
    remaining: usize,
}

#[derive(Debug, Default)]
struct Shared {
    triggers: Mutex<Vec<Trigger>>,
    reply_delay: Mutex<Duration>,
    delayed: AtomicU64,
    cut: AtomicU64,
    connections: AtomicU64,
}

impl Shared {
    /// The fault armed by a client chunk, if it matches a live trigger.
    fn armed_by(&self, chunk: &[u8]) -> Option<ReplyFault> {
        let mut triggers = self.triggers.lock();
        let trigger = triggers.iter_mut().find(|t| {
            t.remaining > 0
                && chunk
                    .windows(t.pattern.len())
                    .any(|w| w == t.pattern.as_slice())
        })?;
        trigger.remaining -= 1;
        Some(trigger.fault)
    }
}

/// Counts of what a [`FaultProxy`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Connections accepted.
    pub connections: u64,
    /// Replies delivered late by a trigger.
    pub delayed: u64,
    /// Replies dropped with their connection.
    pub cut: u64,
}

/// A loopback TCP proxy in front of a server, injecting reply faults.
///
/// Faults are armed by what the client sends: after a client read that
/// contains a trigger's byte pattern (for PostgreSQL, a statement's text
/// such as `BEGIN` or `COMMIT`), the server's next reply on that connection
/// is delayed or cut. A pattern is matched within one read of the client's
/// bytes. Dropping the proxy closes every connection through it.
#[derive(Debug)]
pub struct FaultProxy {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    /// Bumping it closes every open connection.
    epoch: watch::Sender<u64>,
    accept: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on an ephemeral loopback port and forwards every connection
    /// to `upstream`.
    pub async fn start(upstream: impl ToSocketAddrs) -> io::Result<Self> {
        let upstream = tokio::net::lookup_host(upstream)
            .await?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "upstream has no address"))?;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let (epoch, _) = watch::channel(0);
        let accept = tokio::spawn(accept_loop(
            listener,
            upstream,
            Arc::clone(&shared),
            epoch.clone(),
        ));
        Ok(Self {
            local_addr,
            shared,
            epoch,
            accept,
        })
    }

    /// Where clients connect.
    #[must_use]
    pub const fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Delays the server's reply to the next `times` client requests that
    /// contain `pattern`, by `delay` each.
    pub fn delay_reply_after(&self, pattern: &[u8], delay: Duration, times: usize) {
        self.arm(pattern, ReplyFault::Delay(delay), times);
    }

    /// Drops the server's reply to the next `times` client requests that
    /// contain `pattern`, closing each of those connections: the server
    /// acts on the request, the client only sees the connection break.
    pub fn cut_reply_after(&self, pattern: &[u8], times: usize) {
        self.arm(pattern, ReplyFault::Cut, times);
    }

    /// Delays every reply by `delay` (zero turns it off).
    pub fn delay_all_replies(&self, delay: Duration) {
        *self.shared.reply_delay.lock() = delay;
    }

    /// Disarms every trigger and the global delay.
    pub fn clear(&self) {
        self.shared.triggers.lock().clear();
        self.delay_all_replies(Duration::ZERO);
    }

    /// Closes every connection open through the proxy now.
    pub fn cut_all(&self) {
        self.epoch.send_modify(|e| *e += 1);
    }

    /// What the proxy has done so far.
    #[must_use]
    pub fn stats(&self) -> ProxyStats {
        ProxyStats {
            connections: self.shared.connections.load(Ordering::Relaxed),
            delayed: self.shared.delayed.load(Ordering::Relaxed),
            cut: self.shared.cut.load(Ordering::Relaxed),
        }
    }

    fn arm(&self, pattern: &[u8], fault: ReplyFault, times: usize) {
        if pattern.is_empty() || times == 0 {
            return;
        }
        self.shared.triggers.lock().push(Trigger {
            pattern: pattern.to_vec(),
            fault,
            remaining: times,
        });
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut_all();
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    epoch: watch::Sender<u64>,
) {
    while let Ok((client, _)) = listener.accept().await {
        shared.connections.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::clone(&shared);
        let closed = epoch.subscribe();
        tokio::spawn(async move {
            if let Ok(server) = TcpStream::connect(upstream).await {
                relay(client, server, &shared, closed).await;
            }
        });
    }
}

/// Copies bytes both ways, applying armed faults to server replies, until
/// either side closes, a fault cuts the connection, or the proxy closes it.
async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    shared: &Shared,
    mut closed: watch::Receiver<u64>,
) {
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let mut from_client = vec![0_u8; 64 * 1024];
    let mut from_server = vec![0_u8; 64 * 1024];
    let mut armed: Option<ReplyFault> = None;
    loop {
        tokio::select! {
            read = client.read(&mut from_client) => {
                let Ok(n @ 1..) = read else { return };
                let chunk = &from_client[..n];
                if let Some(fault) = shared.armed_by(chunk) {
                    armed = Some(fault);
                }
                if server.write_all(chunk).await.is_err() {
                    return;
                }
            }
            read = server.read(&mut from_server) => {
                let Ok(n @ 1..) = read else { return };
                let delay = *shared.reply_delay.lock();
                match armed.take() {
                    Some(ReplyFault::Cut) => {
                        shared.cut.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Some(ReplyFault::Delay(extra)) => {
                        shared.delayed.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(delay + extra).await;
                    }
                    None if !delay.is_zero() => tokio::time::sleep(delay).await,
                    None => {}
                }
                if client.write_all(&from_server[..n]).await.is_err() {
                    return;
                }
            }
            _ = closed.changed() => return,
        }
    }
}

/// Runs `future` but drops it at its `polls`-th poll if it has not finished
/// by then, as a cancelled task (`abort()`, `select!`, a timeout) would drop
/// it at that await point. Returns `None` when it was cancelled.
///
/// Choosing `polls` at random across runs cancels an operation at every
/// await point it has.
///
/// ```
/// use eventcore::conformance::faults::cancel_at_poll;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let finished = cancel_at_poll(async { tokio::task::yield_now().await; 7 }, 5).await;
/// assert_eq!(finished, Some(7));
/// let cancelled = cancel_at_poll(async { tokio::task::yield_now().await; 7 }, 1).await;
/// assert_eq!(cancelled, None);
/// # }
/// ```
pub async fn cancel_at_poll<F: Future>(future: F, polls: usize) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut left = polls;
    std::future::poll_fn(move |cx| {
        if left == 0 {
            return Poll::Ready(None);
        }
        left -= 1;
        match future.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending if left == 0 => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
