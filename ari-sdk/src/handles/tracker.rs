//! One followed resource: its end, once known, and the event streams of the
//! handles on it.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::{mpsc, watch};

use crate::stream::StreamItem;

use super::ended::HandleEnded;
use crate::resource::ResourceKind;

/// Items a handle's event stream holds before it reports a lag: a call's
/// whole life fits, a reader that never reads costs a bounded amount.
const SINK_CAPACITY: usize = 1024;

/// How a resource ended: the reason and the event that said so.
pub(crate) struct Ending<E> {
    pub(crate) reason: HandleEnded,
    pub(crate) event: Option<Arc<E>>,
}

impl<E> Clone for Ending<E> {
    fn clone(&self) -> Self {
        Ending {
            reason: self.reason.clone(),
            event: self.event.clone(),
        }
    }
}

/// One subscriber's queue, with the count of items it could not take.
struct Sink<E> {
    sender: mpsc::Sender<StreamItem<E>>,
    missed: u64,
}

impl<E> Sink<E> {
    /// False once the receiver is gone.
    fn offer(&mut self, item: &StreamItem<E>) -> bool {
        if self.missed > 0 {
            let notice = StreamItem::Lagged {
                missed: self.missed,
            };
            match self.sender.try_send(notice) {
                Ok(()) => self.missed = 0,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.missed += 1;
                    return true;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return false,
            }
        }
        match self.sender.try_send(item.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.missed += 1;
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

/// The shared state of every handle on one resource.
pub(crate) struct Tracker<E> {
    pub(crate) kind: ResourceKind,
    pub(crate) id: Box<str>,
    /// The channel or bridge a playback or recording runs on.
    pub(crate) target: Option<(ResourceKind, Box<str>)>,
    ending: watch::Sender<Option<Ending<E>>>,
    sinks: Mutex<Vec<Sink<E>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain data valid at every step: a panic elsewhere leaves it usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<E: Send + Sync + 'static> Tracker<E> {
    pub(crate) fn new(
        kind: ResourceKind,
        id: &str,
        target: Option<(ResourceKind, Box<str>)>,
    ) -> Self {
        Tracker {
            kind,
            id: id.into(),
            target,
            ending: watch::Sender::new(None),
            sinks: Mutex::new(Vec::new()),
        }
    }

    /// A new event stream of this resource, from now on. It keeps the
    /// tracker alive: a stream outlives the handle it came from.
    pub(crate) fn subscribe(self: &Arc<Self>) -> HandleEvents<E> {
        let (sender, receiver) = mpsc::channel(SINK_CAPACITY);
        lock(&self.sinks).push(Sink { sender, missed: 0 });
        HandleEvents {
            receiver,
            _tracker: Arc::clone(self),
        }
    }

    /// Hands `item` to every stream of this resource.
    pub(crate) fn deliver(&self, item: &StreamItem<E>) {
        lock(&self.sinks).retain_mut(|sink| sink.offer(item));
    }

    /// Records the end; the first one wins.
    pub(crate) fn end(&self, reason: HandleEnded, event: Option<Arc<E>>) -> bool {
        self.ending.send_if_modified(|ending| {
            if ending.is_some() {
                return false;
            }
            tracing::debug!(kind = %self.kind, id = %self.id, %reason, "handle ended");
            *ending = Some(Ending { reason, event });
            true
        })
    }

    /// Ends the event streams of this resource (they report `None` once
    /// drained).
    pub(crate) fn close_streams(&self) {
        lock(&self.sinks).clear();
    }

    pub(crate) fn ending(&self) -> Option<Ending<E>> {
        self.ending.borrow().clone()
    }

    pub(crate) fn is_ended(&self) -> bool {
        self.ending.borrow().is_some()
    }

    /// Waits for the end.
    pub(crate) async fn ended(&self) -> Ending<E> {
        let mut watch = self.ending.subscribe();
        loop {
            if let Some(ending) = watch.borrow_and_update().clone() {
                return ending;
            }
            // The sender lives in `self`, so this cannot fail while we wait.
            if watch.changed().await.is_err() {
                return Ending {
                    reason: HandleEnded::StreamClosed,
                    event: None,
                };
            }
        }
    }
}

/// The events of one handle's resource, in the order Asterisk sent them,
/// with the connection's news: a [`Stream`] of [`StreamItem`]s.
///
/// Events arrive already decoded (the same `Arc` every other subscriber
/// sees). [`StreamItem::Disconnected`] and [`StreamItem::Reconnected`]
/// mark the gaps in which events were lost; [`StreamItem::Lagged`] says this
/// stream was not read fast enough and lost `missed` items. The stream ends
/// when the application's event stream stops for good.
pub struct HandleEvents<E> {
    receiver: mpsc::Receiver<StreamItem<E>>,
    _tracker: Arc<Tracker<E>>,
}

impl<E> Stream for HandleEvents<E> {
    type Item = StreamItem<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().receiver.poll_recv(cx)
    }
}

impl<E> fmt::Debug for HandleEvents<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandleEvents")
            .field("buffered", &self.receiver.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt as _;

    #[tokio::test]
    async fn a_full_stream_reports_what_it_missed() {
        let tracker: Arc<Tracker<u32>> = Arc::new(Tracker::new(ResourceKind::Channel, "c", None));
        let mut events = tracker.subscribe();
        for n in 0..(SINK_CAPACITY as u32 + 5) {
            tracker.deliver(&StreamItem::Event(Arc::new(n)));
        }
        for n in 0..SINK_CAPACITY as u32 {
            let item = events.next().await.unwrap();
            assert_eq!(**item.event().unwrap(), n);
        }
        tracker.deliver(&StreamItem::Event(Arc::new(99)));
        assert!(matches!(
            events.next().await,
            Some(StreamItem::Lagged { missed: 5 })
        ));
        assert_eq!(**events.next().await.unwrap().event().unwrap(), 99);
        tracker.close_streams();
        assert!(events.next().await.is_none());
    }

    #[tokio::test]
    async fn the_first_end_wins() {
        let tracker: Tracker<u32> = Tracker::new(ResourceKind::Playback, "p", None);
        assert!(tracker.end(HandleEnded::Finished, Some(Arc::new(1))));
        assert!(!tracker.end(HandleEnded::VanishedDuringReconnect, None));
        let ending = tracker.ended().await;
        assert_eq!(ending.reason, HandleEnded::Finished);
        assert_eq!(ending.event.as_deref(), Some(&1));
    }
}
