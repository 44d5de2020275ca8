use std::time::Duration;

use tokio::sync::watch;

use crate::types::GlobalPosition;

/// The sending side of live notifications, for adapters.
///
/// An adapter calls [`notify`](Self::notify) with the newest committed
/// position; every [`EventNotifications`] wakes up. Notifications are
/// coalescing: a slow waiter sees only the latest position.
#[derive(Debug)]
pub struct NotificationHub {
    sender: watch::Sender<GlobalPosition>,
}

impl NotificationHub {
    /// A hub whose head starts at `head`.
    #[must_use]
    pub fn new(head: GlobalPosition) -> Self {
        Self {
            sender: watch::Sender::new(head),
        }
    }

    /// Announces that events up to `position` are readable. Positions lower
    /// than one already announced are ignored.
    pub fn notify(&self, position: GlobalPosition) {
        // With nobody listening, just record the head: waking no one is
        // not free.
        let listening = self.sender.receiver_count() > 0;
        self.sender.send_if_modified(|head| {
            if position > *head {
                *head = position;
                listening
            } else {
                false
            }
        });
    }

    /// The newest announced position.
    #[must_use]
    pub fn head(&self) -> GlobalPosition {
        *self.sender.borrow()
    }

    /// A new receiver.
    #[must_use]
    pub fn subscribe(&self) -> EventNotifications {
        EventNotifications {
            receiver: self.sender.subscribe(),
        }
    }
}

impl Default for NotificationHub {
    fn default() -> Self {
        Self::new(GlobalPosition::START)
    }
}

/// Live notification of newly committed events, from
/// [`EventStore::subscribe`](super::EventStore::subscribe).
///
/// ```
/// use std::time::Duration;
/// use eventcore::GlobalPosition;
/// use eventcore::store::NotificationHub;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let hub = NotificationHub::default();
/// let mut notifications = hub.subscribe();
/// hub.notify(GlobalPosition::new(7));
/// let seen = notifications.wait_beyond(GlobalPosition::START, Duration::from_secs(1)).await;
/// assert_eq!(seen, Some(GlobalPosition::new(7)));
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct EventNotifications {
    receiver: watch::Receiver<GlobalPosition>,
}

impl EventNotifications {
    /// The newest announced position.
    #[must_use]
    pub fn latest(&self) -> GlobalPosition {
        *self.receiver.borrow()
    }

    /// Waits until a position beyond `seen` is announced, or `timeout`
    /// passes. Returns the announced position, or `None` on timeout or when
    /// the store has gone away (callers then fall back to polling).
    pub async fn wait_beyond(
        &mut self,
        seen: GlobalPosition,
        timeout: Duration,
    ) -> Option<GlobalPosition> {
        let wait = self.receiver.wait_for(|head| *head > seen);
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(head)) => Some(*head),
            Ok(Err(_)) | Err(_) => None,
        }
    }
}
