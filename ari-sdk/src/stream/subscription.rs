//! One consumer's view of the stream, and filtered views on the hot path.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;

use super::frame::Entry;
use super::handle::{Lifetime, Shared};
use super::queue::ItemQueue;
use super::{EventKind, StreamEvent, StreamItem, TypeSet};

/// A [`futures::Stream`] of [`StreamItem`]s with its own bounded buffer.
///
/// It ends (yields `None`) once the stream has stopped and everything
/// buffered has been delivered. While it exists the connection stays up,
/// even if every [`EventStream`](super::EventStream) handle was dropped.
///
/// A subscriber that falls more than its buffer behind loses the events
/// that do not fit, and is told exactly: a [`StreamItem::Lagged`] with the
/// count and the resources those events named, in the place of the gap.
pub struct Subscription<E: StreamEvent> {
    id: u64,
    queue: Arc<ItemQueue<E>>,
    /// What it took from `queue` in one batch and has not handed out yet.
    taken: VecDeque<Entry<E>>,
    shared: Arc<Shared<E>>,
    _lifetime: Arc<Lifetime>,
}

impl<E: StreamEvent> Subscription<E> {
    pub(crate) fn new(
        id: u64,
        queue: Arc<ItemQueue<E>>,
        shared: &Arc<Shared<E>>,
        lifetime: &Arc<Lifetime>,
    ) -> Self {
        Subscription {
            id,
            queue,
            taken: VecDeque::new(),
            shared: Arc::clone(shared),
            _lifetime: Arc::clone(lifetime),
        }
    }

    /// Only the events `filter` accepts; connection notices, lag notices and
    /// errors always pass. The filter sees the already decoded event, so
    /// nothing is decoded twice.
    ///
    /// ```no_run
    /// # use ari_sdk::stream::{EventStream, Subscription};
    /// # fn demo(stream: EventStream<serde_json::Value>) {
    /// // Everything about one channel.
    /// let channel_events = stream
    ///     .subscribe()
    ///     .filter_events(|event: &serde_json::Value| event["channel"]["id"] == "1700000000.42");
    /// # }
    /// ```
    pub fn filter_events<F>(self, filter: F) -> Filtered<E, F>
    where
        F: EventFilter<E>,
    {
        Filtered {
            inner: self,
            filter,
        }
    }

    /// Only events of the given types (each module's `EventType`);
    /// connection notices, lag notices and errors always pass.
    ///
    /// The types are declared to the stream: events of other types never
    /// reach this subscription's buffer, and when every subscriber (and the
    /// handles) declared theirs, a frame nobody wants is not even decoded.
    ///
    /// ```no_run
    /// # #[cfg(feature = "asterisk-22")]
    /// # fn demo(stream: ari_sdk::stream::EventStream<ari_sdk::v22::Event>) {
    /// use ari_sdk::v22::EventType;
    ///
    /// let calls = stream
    ///     .subscribe()
    ///     .only_types([EventType::StasisStart, EventType::StasisEnd]);
    /// # }
    /// ```
    pub fn only_types<I>(self, types: I) -> Subscription<E>
    where
        I: IntoIterator<Item = E::Kind>,
    {
        self.shared
            .fanout
            .set_interest(self.id, types.into_iter().collect());
        self
    }

    /// Items waiting in this subscription's buffer.
    pub fn buffered(&self) -> usize {
        self.queue.len() + self.taken.len()
    }
}

impl<E: StreamEvent> Drop for Subscription<E> {
    fn drop(&mut self) {
        self.queue.abandon();
        self.shared.fanout.unsubscribe(self.id);
    }
}

impl<E: StreamEvent> Stream for Subscription<E> {
    type Item = StreamItem<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.queue.poll_batch(&mut this.taken, cx)
    }
}

impl<E: StreamEvent> fmt::Debug for Subscription<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("buffered", &self.buffered())
            .finish_non_exhaustive()
    }
}

/// Decides which events a [`Filtered`] subscription passes on. Implemented
/// for every `FnMut(&E) -> bool`.
pub trait EventFilter<E> {
    /// True to pass `event` on.
    fn accept(&mut self, event: &E) -> bool;
}

impl<E, F> EventFilter<E> for F
where
    F: FnMut(&E) -> bool,
{
    fn accept(&mut self, event: &E) -> bool {
        self(event)
    }
}

/// Accepts events whose type is one of a set (see
/// [`Subscription::only_types`]): one bit test per event.
#[derive(Clone)]
pub struct TypeFilter<K> {
    types: TypeSet<K>,
}

impl<K: EventKind> fmt::Debug for TypeFilter<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypeFilter")
            .field("types", &self.types)
            .finish()
    }
}

impl<K: EventKind> TypeFilter<K> {
    /// A filter accepting the given event types.
    pub fn new<I>(types: I) -> Self
    where
        I: IntoIterator<Item = K>,
    {
        TypeFilter {
            types: types.into_iter().collect(),
        }
    }

    /// The types it accepts.
    pub fn types(&self) -> &TypeSet<K> {
        &self.types
    }
}

impl<E: StreamEvent> EventFilter<E> for TypeFilter<E::Kind> {
    #[inline]
    fn accept(&mut self, event: &E) -> bool {
        self.types.contains(event.kind())
    }
}

/// A [`Subscription`] passing on only the events its filter accepts, and
/// every notice and error.
pub struct Filtered<E: StreamEvent, F> {
    inner: Subscription<E>,
    filter: F,
}

impl<E: StreamEvent, F> Filtered<E, F> {
    /// The subscription underneath, unfiltered.
    pub fn into_inner(self) -> Subscription<E> {
        self.inner
    }
}

impl<E, F> Stream for Filtered<E, F>
where
    E: StreamEvent,
    F: EventFilter<E> + Unpin,
{
    type Item = StreamItem<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Ready(Some(StreamItem::Event(event))) => {
                    if this.filter.accept(&event) {
                        return Poll::Ready(Some(StreamItem::Event(event)));
                    }
                    // Rejected: look at the next one (the queue holds a
                    // bounded number, so this loop ends).
                }
                other => return other,
            }
        }
    }
}

impl<E: StreamEvent, F> fmt::Debug for Filtered<E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filtered")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}
