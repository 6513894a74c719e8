//! The user's handle on a stream: subscribing, watching the state, closing.

use std::fmt;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tracing::Instrument as _;

use crate::sync::lock;

use super::connection;
use super::fanout::{Fanout, Tap};
use super::handshake::{self, Endpoint};
use super::queue::ItemQueue;
use super::subscription::Subscription;
use super::{StreamError, StreamEvent, StreamSettings, TypeSet};

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Connection attempt number `attempt` (from 1) is under way, counted
    /// since the stream started or since the last connection was lost.
    Connecting {
        /// Which attempt.
        attempt: u32,
    },
    /// Connected; events flow.
    Connected,
    /// Connected, but another connection registered an application of this
    /// stream under the same name (Asterisk sent `ApplicationReplaced`):
    /// Asterisk now sends that application's events there, not here.
    /// Usually two instances of one program run at once. Act on it:
    /// [`reconnect`](EventStream::reconnect) takes the application back
    /// (and the other connection gets `ApplicationReplaced` in turn),
    /// [`close`](EventStream::close) gives it up. A reconnection for any
    /// other reason takes it back too.
    Replaced,
    /// Not connected: waiting before the next attempt after `attempt`
    /// failed ones (0 right after a connection was lost).
    Disconnected {
        /// Failed attempts so far.
        attempt: u32,
    },
    /// Stopped for good: closed, every handle dropped, or a fatal error.
    Closed,
}

/// One websocket to Asterisk's `/ari/events`, shared by any number of
/// [`Subscription`]s.
///
/// Cloning is cheap and every clone refers to the same connection. The
/// connection runs until [`close`](Self::close) is called, every handle and
/// subscription is dropped, or Asterisk rejects the credentials.
///
/// ```no_run
/// use ari_sdk::stream::{EventStream, StreamSettings};
/// use futures::StreamExt as _;
/// use secrecy::SecretString;
///
/// # async fn run() -> Result<(), ari_sdk::stream::StreamError> {
/// let settings = StreamSettings::new(
///     "ws://127.0.0.1:8088/ari/events?app=my-app",
///     SecretString::from("Basic YXN0ZXJpc2s6c2VjcmV0"),
/// );
/// let stream = EventStream::<serde_json::Value>::connect(settings)?;
/// // Only the events about one channel (plus connection notices).
/// let mut calls = stream
///     .subscribe()
///     .filter_events(|event: &serde_json::Value| event["channel"]["id"] == "1700000000.42");
/// while let Some(item) = calls.next().await {
///     println!("{item:?}");
/// }
/// # Ok(())
/// # }
/// ```
pub struct EventStream<E: StreamEvent> {
    shared: Arc<Shared<E>>,
    lifetime: Arc<Lifetime>,
}

/// What the handles, the subscriptions and the connection task share.
pub(crate) struct Shared<E: StreamEvent> {
    pub(crate) fanout: Fanout<E>,
    /// Made with the stream, so the first subscription misses nothing, not
    /// even the first `Connected`; `None` once taken (or for a stream made
    /// for the handles, whose dispatcher sees everything from the start).
    first: Mutex<Option<(u64, Arc<ItemQueue<E>>)>>,
    state: watch::Receiver<ConnectionState>,
    /// [`EventStream::reconnect`] was called.
    pub(crate) reconnect: ReconnectRequest,
}

/// A request to drop the connection and connect again: a flag the read
/// loop checks between frames of a burst, and a wake-up for when it waits.
#[derive(Default)]
pub(crate) struct ReconnectRequest {
    requested: std::sync::atomic::AtomicBool,
    wake: tokio::sync::Notify,
}

impl ReconnectRequest {
    fn request(&self) {
        self.requested
            .store(true, std::sync::atomic::Ordering::Release);
        self.wake.notify_one();
    }

    /// Whether a reconnection was asked for since the last call (clears it).
    pub(crate) fn take(&self) -> bool {
        // A plain load first: this runs for every frame of a burst.
        self.requested.load(std::sync::atomic::Ordering::Acquire)
            && self
                .requested
                .swap(false, std::sync::atomic::Ordering::AcqRel)
    }

    /// Resolves when a reconnection is asked for.
    pub(crate) async fn requested(&self) {
        loop {
            if self.take() {
                return;
            }
            self.wake.notified().await;
        }
    }
}

/// Ends the connection task when the last handle or subscription goes away:
/// dropping it drops the only sender of the shutdown signal.
pub(crate) struct Lifetime {
    shutdown: watch::Sender<bool>,
}

impl Lifetime {
    fn close(&self) {
        self.shutdown.send_replace(true);
    }
}

/// A stream whose connection task is not running yet, so that whatever must
/// see every item (the handles' dispatcher) can attach first.
pub(crate) struct Prepared<E: StreamEvent> {
    task: connection::Task<E>,
    runtime: tokio::runtime::Handle,
    span: tracing::Span,
}

impl<E: StreamEvent> Prepared<E> {
    /// Starts the connection task.
    pub(crate) fn start(self) {
        self.runtime.spawn(self.task.run().instrument(self.span));
    }
}

impl<E: StreamEvent> EventStream<E> {
    /// Starts the connection task and returns at once; the connection is
    /// made in the background and retried until it succeeds.
    ///
    /// The first [`subscribe`](Self::subscribe) receives everything from the
    /// start, [`Connected`](super::StreamItem::Connected) included; later
    /// subscriptions receive what happens after they were made.
    ///
    /// Fails on settings that can never work, or outside a tokio runtime.
    pub fn connect(settings: StreamSettings) -> Result<Self, StreamError> {
        let (stream, prepared) = Self::prepare(settings, true)?;
        prepared.start();
        Ok(stream)
    }

    /// Everything [`connect`](Self::connect) does but starting the task;
    /// with `first_subscriber`, the first `subscribe()` gets every item.
    pub(crate) fn prepare(
        settings: StreamSettings,
        first_subscriber: bool,
    ) -> Result<(Self, Prepared<E>), StreamError> {
        settings.validate()?;
        let (source, endpoint_shown) = match (&settings.feed, &settings.accepted) {
            (Some(feed), _) => (connection::Source::Feed(feed.open()?), "cluster".to_owned()),
            (None, Some(feed)) => (
                connection::Source::Accept(feed.take()?),
                "outbound".to_owned(),
            ),
            (None, None) => {
                let endpoint = Endpoint::parse(&settings.url)?;
                let tls = match (&settings.tls, endpoint.is_secure()) {
                    (Some(config), _) => Some(Arc::clone(config)),
                    (None, true) => Some(handshake::default_tls_config()?),
                    (None, false) => None,
                };
                let shown = endpoint.display();
                (connection::Source::Dial { endpoint, tls }, shown)
            }
        };
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| StreamError::NoRuntime)?;

        let (state_sender, state) = watch::channel(ConnectionState::Connecting { attempt: 1 });
        let (shutdown, shutdown_signal) = watch::channel(false);
        let fanout = Fanout::new(settings.buffer);
        let first = first_subscriber.then(|| fanout.subscribe());
        let shared = Arc::new(Shared {
            fanout,
            first: Mutex::new(first),
            state,
            reconnect: ReconnectRequest::default(),
        });

        let span = tracing::info_span!("ari_event_stream", endpoint = %endpoint_shown);
        let task = connection::Task {
            settings,
            source,
            shared: Arc::clone(&shared),
            state: state_sender,
            shutdown: shutdown_signal,
        };
        let stream = EventStream {
            shared,
            lifetime: Arc::new(Lifetime { shutdown }),
        };
        Ok((
            stream,
            Prepared {
                task,
                runtime,
                span,
            },
        ))
    }

    /// Lets `tap` see every item on the connection task (see [`Tap`]);
    /// `None` when the stream has already stopped.
    pub(crate) fn add_tap(
        &self,
        tap: Arc<dyn Tap<E>>,
        interest: Option<TypeSet<E::Kind>>,
    ) -> Option<u64> {
        self.shared.fanout.add_tap(tap, interest)
    }

    pub(crate) fn remove_tap(&self, id: u64) {
        self.shared.fanout.remove_tap(id);
    }
}

impl<E: StreamEvent> EventStream<E> {
    /// A new subscription with its own buffer. Several may exist at once;
    /// each gets every item (a filtered one, every item it accepts).
    pub fn subscribe(&self) -> Subscription<E> {
        let (id, queue) = lock(&self.shared.first)
            .take()
            .unwrap_or_else(|| self.shared.fanout.subscribe());
        Subscription::new(id, queue, &self.shared, &self.lifetime)
    }
}

impl<E: StreamEvent> EventStream<E> {
    /// The connection's state now.
    pub fn state(&self) -> ConnectionState {
        *self.shared.state.borrow()
    }

    /// A watch on the connection's state, for waiting on a change.
    pub fn state_changes(&self) -> watch::Receiver<ConnectionState> {
        self.shared.state.clone()
    }

    /// Closes the websocket (politely, with a close frame) and ends every
    /// subscription once it has delivered what it holds. Idempotent.
    pub fn close(&self) {
        self.lifetime.close();
    }

    /// Drops the connection and connects again at once, registering the
    /// applications anew: subscribers get
    /// [`Disconnected`](super::StreamItem::Disconnected) with
    /// [`DisconnectReason::Requested`](super::DisconnectReason::Requested),
    /// then [`Reconnected`](super::StreamItem::Reconnected). For a stream
    /// whose applications another connection took
    /// ([`ConnectionState::Replaced`]). Does nothing when not connected.
    ///
    /// ```no_run
    /// # async fn run(stream: ari_sdk::stream::EventStream<serde_json::Value>) {
    /// use ari_sdk::stream::ConnectionState;
    ///
    /// let mut state = stream.state_changes();
    /// while state.changed().await.is_ok() {
    ///     if *state.borrow() == ConnectionState::Replaced {
    ///         // This instance is the one that serves the application.
    ///         stream.reconnect();
    ///     }
    /// }
    /// # }
    /// ```
    pub fn reconnect(&self) {
        self.shared.reconnect.request();
    }

    /// Waits until the stream has stopped for good: after [`close`], a fatal
    /// error, or once the connection task has ended.
    ///
    /// [`close`]: Self::close
    pub async fn closed(&self) {
        let mut state = self.shared.state.clone();
        // An error means the task is gone, which is closed too.
        let _ = state
            .wait_for(|state| *state == ConnectionState::Closed)
            .await;
    }
}

impl<E: StreamEvent> Clone for EventStream<E> {
    fn clone(&self) -> Self {
        EventStream {
            shared: Arc::clone(&self.shared),
            lifetime: Arc::clone(&self.lifetime),
        }
    }
}

impl<E: StreamEvent> fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::StreamItem;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn handles_and_items_cross_threads() {
        assert_send_sync::<EventStream<serde_json::Value>>();
        assert_send_sync::<StreamItem<serde_json::Value>>();
        assert_send_sync::<Subscription<serde_json::Value>>();
    }

    #[test]
    fn connect_needs_a_runtime() {
        let settings = StreamSettings::new(
            "ws://127.0.0.1:1/ari/events?app=a",
            secrecy::SecretString::from("Basic eDp5"),
        );
        let error = EventStream::<serde_json::Value>::connect(settings).unwrap_err();
        assert!(matches!(error, StreamError::NoRuntime), "{error}");
    }
}
