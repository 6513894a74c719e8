//! One consumer's view of the stream, and filtered views on the hot path.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::broadcast;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

use super::connection::Envelope;
use super::handle::{Lifetime, Shared};
use super::{EventKind, StreamEvent, StreamItem, TypeSet};

/// A [`futures::Stream`] of [`StreamItem`]s with its own bounded buffer.
///
/// It ends (yields `None`) once the stream has stopped and everything
/// buffered has been delivered. While it exists the connection stays up,
/// even if every [`EventStream`](super::EventStream) handle was dropped.
pub struct Subscription<E> {
    receiver: Option<BroadcastStream<Envelope<E>>>,
    /// The connection this subscriber has last been told about.
    epoch: u64,
    /// An item held back while a made-up reconnect notice goes first.
    held: Option<StreamItem<E>>,
    shared: Arc<Shared<E>>,
    _lifetime: Arc<Lifetime>,
}

impl<E: StreamEvent> Subscription<E> {
    pub(crate) fn new(
        receiver: Option<broadcast::Receiver<Envelope<E>>>,
        epoch: u64,
        shared: &Arc<Shared<E>>,
        lifetime: &Arc<Lifetime>,
    ) -> Self {
        Subscription {
            receiver: receiver.map(BroadcastStream::new),
            epoch,
            held: None,
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
    pub fn only_types<I>(self, types: I) -> Filtered<E, TypeFilter<E::Kind>>
    where
        I: IntoIterator<Item = E::Kind>,
    {
        self.filter_events(TypeFilter::new(types))
    }

    /// Turns one message of the channel into what this subscriber sees.
    fn admit(&mut self, received: Result<Envelope<E>, BroadcastStreamRecvError>) -> StreamItem<E> {
        let envelope = match received {
            Ok(envelope) => envelope,
            Err(BroadcastStreamRecvError::Lagged(missed)) => return StreamItem::Lagged { missed },
        };
        let announces_connection = matches!(
            envelope.item,
            StreamItem::Connected | StreamItem::Reconnected { .. }
        );
        if announces_connection || envelope.epoch <= self.epoch {
            self.epoch = self.epoch.max(envelope.epoch);
            return envelope.item;
        }
        // The notice of this connection was overwritten while this
        // subscriber lagged: make one up, so the gap is never silent.
        self.epoch = envelope.epoch;
        self.held = Some(envelope.item);
        if envelope.epoch == 1 {
            StreamItem::Connected
        } else {
            let (downtime, attempts) = self.shared.last_reconnect();
            StreamItem::Reconnected { downtime, attempts }
        }
    }
}

impl<E: StreamEvent> Stream for Subscription<E> {
    type Item = StreamItem<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(item) = this.held.take() {
            return Poll::Ready(Some(item));
        }
        let Some(receiver) = this.receiver.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(receiver).poll_next(cx) {
            Poll::Ready(Some(received)) => Poll::Ready(Some(this.admit(received))),
            Poll::Ready(None) => {
                this.receiver = None;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<E> fmt::Debug for Subscription<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("epoch", &self.epoch)
            .field("ended", &self.receiver.is_none())
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
pub struct Filtered<E, F> {
    inner: Subscription<E>,
    filter: F,
}

impl<E, F> Filtered<E, F> {
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
                    // Rejected: look at the next one. The broadcast receiver
                    // yields to the scheduler on its own after a budget of
                    // ready items, so a flood cannot starve other tasks.
                }
                other => return other,
            }
        }
    }
}

impl<E, F> fmt::Debug for Filtered<E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filtered")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}
