//! One followed resource: its end, once known, and the event streams of the
//! handles on it.

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::Notify;

use crate::resource::ResourceKind;
use crate::stream::queue::{ItemQueue, Wakes};
use crate::stream::{StreamEvent, StreamItem};
use crate::sync::lock;

use super::ended::HandleEnded;
use super::registry::Registry;

/// Items a handle's event stream holds before it reports a lag: a call's
/// whole life fits, a reader that never reads costs a bounded amount. The
/// slots are allocated as items arrive, not up front.
pub(crate) const SINK_CAPACITY: usize = 1024;

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

struct State<E> {
    ending: Option<Ending<E>>,
    /// The event streams of the handles on this resource.
    sinks: Vec<Arc<ItemQueue<E>>>,
}

/// The shared state of every handle on one resource.
pub(crate) struct Tracker<E: StreamEvent> {
    pub(crate) kind: ResourceKind,
    /// A channel known to be in the application (its `StasisStart` came,
    /// or a listing showed it there): see [`Registry::forget`].
    in_application: AtomicBool,
    pub(crate) id: Box<str>,
    /// The channel or bridge a playback or recording runs on.
    pub(crate) target: Option<(ResourceKind, Box<str>)>,
    /// Where it is registered; it removes itself when dropped.
    registry: Weak<Registry<E>>,
    state: Mutex<State<E>>,
    ended: Notify,
}

impl<E: StreamEvent> Tracker<E> {
    pub(crate) fn new(
        kind: ResourceKind,
        id: &str,
        target: Option<(ResourceKind, Box<str>)>,
        registry: Weak<Registry<E>>,
    ) -> Self {
        Tracker {
            kind,
            in_application: AtomicBool::new(false),
            id: id.into(),
            target,
            registry,
            state: Mutex::new(State {
                ending: None,
                sinks: Vec::new(),
            }),
            ended: Notify::new(),
        }
    }

    /// Marks a channel as in the application.
    pub(crate) fn entered(&self) {
        self.in_application.store(true, Ordering::Relaxed);
    }

    /// Whether the channel is known to be in the application and has not
    /// ended.
    pub(crate) fn in_application(&self) -> bool {
        self.in_application.load(Ordering::Relaxed) && !self.is_ended()
    }

    /// A new event stream of this resource, from now on. It keeps the
    /// tracker alive: a stream outlives the handle it came from.
    pub(crate) fn subscribe(self: &Arc<Self>) -> HandleEvents<E> {
        let queue = ItemQueue::new(SINK_CAPACITY);
        let mut state = lock(&self.state);
        // Most resources have one stream: no room for more up front.
        state.sinks.reserve_exact(1);
        state.sinks.push(Arc::clone(&queue));
        drop(state);
        HandleEvents {
            queue,
            _tracker: Arc::clone(self),
        }
    }

    /// Hands `item` to every stream of this resource; never waits. The
    /// readers to wake go to `wakes`.
    pub(crate) fn deliver(&self, item: &StreamItem<E>, wakes: &mut Wakes) {
        lock(&self.state)
            .sinks
            .retain(|sink| sink.offer(item, wakes));
    }

    /// Records the end; the first one wins.
    pub(crate) fn end(&self, reason: HandleEnded, event: Option<Arc<E>>) -> bool {
        {
            let mut state = lock(&self.state);
            if state.ending.is_some() {
                return false;
            }
            tracing::debug!(kind = %self.kind, id = %self.id, %reason, "handle ended");
            state.ending = Some(Ending { reason, event });
        }
        self.ended.notify_waiters();
        true
    }

    /// Ends the event streams of this resource (they report `None` once
    /// drained).
    pub(crate) fn close_streams(&self) {
        for sink in std::mem::take(&mut lock(&self.state).sinks) {
            sink.finish();
        }
    }

    pub(crate) fn ending(&self) -> Option<Ending<E>> {
        lock(&self.state).ending.clone()
    }

    pub(crate) fn is_ended(&self) -> bool {
        lock(&self.state).ending.is_some()
    }

    /// Waits for the end.
    pub(crate) async fn ended(&self) -> Ending<E> {
        loop {
            let notified = self.ended.notified();
            tokio::pin!(notified);
            // Registered before looking, so an end in between still wakes us.
            notified.as_mut().enable();
            if let Some(ending) = self.ending() {
                return ending;
            }
            notified.await;
        }
    }
}

impl<E: StreamEvent> Drop for Tracker<E> {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.forget(self);
        }
    }
}

/// The events of one handle's resource, in the order Asterisk sent them,
/// with the connection's news: a [`Stream`] of [`StreamItem`]s.
///
/// Events arrive already decoded (the same `Arc` every other subscriber
/// sees). [`StreamItem::Disconnected`] and [`StreamItem::Reconnected`]
/// mark the gaps in which events were lost; [`StreamItem::Lagged`] says this
/// stream was not read fast enough and lost exactly `missed` events, at that
/// place (the handle's end is still known: [`ended`] does not depend on
/// this stream). The stream ends when the application's event stream stops
/// for good.
///
/// [`ended`]: super::ChannelHandle::ended
pub struct HandleEvents<E: StreamEvent> {
    queue: Arc<ItemQueue<E>>,
    _tracker: Arc<Tracker<E>>,
}

impl<E: StreamEvent> Stream for HandleEvents<E> {
    type Item = StreamItem<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.queue.poll_next(cx)
    }
}

impl<E: StreamEvent> Drop for HandleEvents<E> {
    fn drop(&mut self) {
        self.queue.abandon();
    }
}

impl<E: StreamEvent> fmt::Debug for HandleEvents<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandleEvents")
            .field("buffered", &self.queue.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt as _;
    use serde_json::Value;

    #[tokio::test]
    async fn a_full_stream_reports_what_it_missed() {
        let tracker: Arc<Tracker<Value>> =
            Arc::new(Tracker::new(ResourceKind::Channel, "c", None, Weak::new()));
        let mut events = tracker.subscribe();
        for n in 0..(SINK_CAPACITY as u32 + 5) {
            tracker.deliver(
                &StreamItem::Event(Arc::new(n.into())),
                &mut Wakes::default(),
            );
        }
        for n in 0..SINK_CAPACITY as u32 {
            let item = events.next().await.unwrap();
            assert_eq!(**item.event().unwrap(), n);
        }
        assert!(matches!(
            events.next().await,
            Some(StreamItem::Lagged { missed: 5, .. })
        ));
        tracker.deliver(
            &StreamItem::Event(Arc::new(99.into())),
            &mut Wakes::default(),
        );
        assert_eq!(**events.next().await.unwrap().event().unwrap(), 99);
        tracker.close_streams();
        assert!(events.next().await.is_none());
    }

    #[tokio::test]
    async fn the_first_end_wins() {
        let tracker: Tracker<Value> = Tracker::new(ResourceKind::Playback, "p", None, Weak::new());
        assert!(tracker.end(HandleEnded::Finished, Some(Arc::new(1.into()))));
        assert!(!tracker.end(HandleEnded::VanishedDuringReconnect, None));
        let ending = tracker.ended().await;
        assert_eq!(ending.reason, HandleEnded::Finished);
        assert_eq!(ending.event.as_deref(), Some(&Value::from(1)));
    }
}
