//! The connection task: connect, read, keep alive, reconnect.
//!
//! One task per [`EventStream`](super::EventStream). It is the only reader of
//! the socket and never waits long for a subscriber: publishing is a push
//! into each subscriber's bounded queue, and a full queue gets at most a
//! 50 ms grace once per lag (see `queue.rs`), so a slow consumer cannot make
//! Asterisk's writes block (Asterisk drops a websocket whose writes block for
//! `websocket_write_timeout`, 100 ms by default, which only starts once the
//! kernel's socket buffers are full).
//!
//! The handles' dispatcher is not a subscriber but a tap: it runs here, on
//! this task, for every item, so it can never fall behind and never loses an
//! event. It only does non-blocking work (table lookups, queue pushes); the
//! waiting happens in the tasks that read the handles' queues.
//!
//! After each frame the task spends one unit of tokio's cooperative budget.
//! tungstenite hands out frames already in its read buffer without touching
//! the socket, so without this a burst of thousands of frames would be read
//! without ever yielding, and the subscriber tasks it woke (queued behind it
//! on the same worker) could not run before their buffers overflowed. With
//! it, the task yields every budget's worth of frames (128 in tokio 1.x),
//! well within the default buffer of 8,192.
//!
//! # Waking the consumers per batch
//!
//! Queuing an item does not wake its consumer at once: the consumers with
//! new items are woken together every so many frames of a burst, and all of
//! them before the task waits for the socket, so nothing waits for a wake-up
//! once the socket is quiet. The handles' consumers every 16 frames (their
//! queues hold 1,024 items and are never waited for); the subscribers every
//! eighth of their buffer, at most 128 frames (default buffer 8,192: nearly
//! all of it is still free when the consumer is woken, and a full one still
//! gets its grace). Why not every frame: a wake-up that finds the runtime's
//! other worker parked costs a system call and, on a busy machine, a context
//! switch of the reader itself; with ten subscribers woken every 16 frames
//! those were a quarter of the profile and 0.3 context switches per event,
//! which took the ten of them below half the raw loop's rate. Why not more
//! than 128: the events of a batch are decoded here, read by every
//! subscriber, then freed here (`reclaim.rs`); most likely 128 of them (a
//! few hundred KiB) are still in the CPU's cache when the subscribers and
//! the free come to them while 1,024 are not, and freeing a thousand at
//! once makes the system allocator sort and merge its free lists (its
//! `malloc_consolidate` showed in the profile). Measured side by side
//! (`benches/stream.rs`, ten subscribers against the raw loop, 13 runs of
//! each alternated on a shared 2-core machine): median 0.61 of the raw
//! loop's rate every 128 frames, 0.57 every 1,024, one subscriber no
//! slower. A modest gain on a noisy machine. The price of batching is
//! latency inside a burst only (128 frames are well under a millisecond of
//! reading), never at its end.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{SplitSink, SplitStream};
use futures::{FutureExt as _, SinkExt as _, StreamExt as _};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Bytes, Message, Utf8Bytes};

use super::accepted::{Accepted, Taken};
use super::fanout::{Route, RouteWakes};
use super::feed::{FeedItem, Receipt};
use super::frame::Frame;
use super::handle::Shared;
use super::handshake::{self, Endpoint, HandshakeError, Socket};
use super::reclaim::Reclaim;
use super::{
    ConnectionState, DisconnectReason, EventKind as _, StreamError, StreamEvent, StreamItem,
    StreamSettings,
};
use crate::event_tag::event_type;
use crate::ws_rest::{is_rest_response, WsRest};

/// How long a polite close may take before the socket is just dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Why a connection's read loop ended.
enum Outcome {
    /// The user closed the stream or dropped every handle.
    Shutdown,
    /// The connection died; reconnect.
    Lost(DisconnectReason),
}

/// Where the connection task gets its connections.
pub(crate) enum Source {
    /// It dials Asterisk's `/ari/events` (the usual case).
    Dial {
        endpoint: Endpoint,
        tls: Option<Arc<rustls::ClientConfig>>,
    },
    /// Asterisk dials the application ([`crate::outbound`]): the listener
    /// hands over each connection it accepted for this stream. Nothing to
    /// retry or pace: Asterisk re-dials at its own `reconnect_interval`.
    Accept(Taken),
    /// Frames read elsewhere (`ari_sdk::cluster`): the feed says when its
    /// source is up and down, and reconnects by itself.
    Feed(mpsc::Receiver<FeedItem>),
}

/// What waiting for the next connection came to.
enum Opened {
    /// Boxed: a socket is large next to the other variants.
    Socket(Box<Socket>, Option<Message>),
    /// The feed is up, with the items to serve first (that came before the
    /// news that it is).
    Feed(Vec<FeedItem>),
    Failed(HandshakeError),
    /// No more connections will come: the stream ends, with this error if
    /// one says why.
    Ended(Option<StreamError>),
    Shutdown,
}

/// A connection that is up.
enum Connection {
    /// A websocket, and a message already read from it.
    Socket(Box<Socket>, Option<Message>),
    /// The feed, and the items to serve first.
    Feed(Vec<FeedItem>),
}

/// Everything the connection task owns.
pub(crate) struct Task<E: StreamEvent> {
    pub(crate) settings: StreamSettings,
    pub(crate) source: Source,
    pub(crate) shared: Arc<Shared<E>>,
    pub(crate) state: watch::Sender<ConnectionState>,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl<E: StreamEvent> Task<E> {
    /// Connects and reconnects until shut down or refused for good.
    pub(crate) async fn run(mut self) {
        let websocket_config = WebSocketConfig::default()
            .max_message_size(Some(self.settings.max_message_size))
            .max_frame_size(Some(self.settings.max_message_size));
        // Consecutive failures (failed attempts, and connections that did
        // not stay up for `reset_after`); drives the backoff.
        let mut failures: u32 = 0;
        // Attempts since the stream started or the last connection was lost.
        let mut attempts: u32 = 0;
        let mut lost_at: Option<Instant> = None;
        let mut route = Route::new();
        // Why the stream stopped, when a fatal error stopped it.
        let mut terminal = None;

        loop {
            if failures > 0 && matches!(self.source, Source::Dial { .. }) {
                let delay = self.settings.backoff.delay(failures);
                self.state
                    .send_replace(ConnectionState::Disconnected { attempt: attempts });
                tracing::debug!(retry_in = ?delay, failures, "waiting before reconnecting");
                let shut_down = tokio::select! {
                    biased;
                    () = shutdown_requested(&mut self.shutdown) => true,
                    () = tokio::time::sleep(delay) => false,
                };
                if shut_down {
                    break;
                }
            }

            attempts = attempts.saturating_add(1);
            self.state
                .send_replace(ConnectionState::Connecting { attempt: attempts });
            tracing::debug!(attempt = attempts, "connecting");
            let connection = match self.open(websocket_config, lost_at.is_some()).await {
                Opened::Socket(socket, first) => Connection::Socket(socket, first),
                Opened::Feed(first) => Connection::Feed(first),
                Opened::Shutdown => break,
                Opened::Ended(error) => {
                    if let Some(error) = error {
                        tracing::error!(error = %error, "the event stream stops");
                        let item = StreamItem::Error(Arc::new(error));
                        self.publish(&mut route, &item);
                        terminal = Some(item);
                    }
                    break;
                }
                Opened::Failed(error) => {
                    if let Some(error) = error.fatal() {
                        tracing::error!(error = %error, "the event stream stops");
                        let item = StreamItem::Error(Arc::new(error));
                        self.publish(&mut route, &item);
                        terminal = Some(item);
                        break;
                    }
                    tracing::warn!(attempt = attempts, error = %error, "connection attempt failed");
                    failures = failures.saturating_add(1);
                    continue;
                }
            };

            let connected_at = Instant::now();
            let notice = match lost_at {
                None => {
                    tracing::info!(attempts, "event stream connected");
                    StreamItem::Connected
                }
                Some(lost_at) => {
                    let downtime = lost_at.elapsed();
                    tracing::info!(?downtime, attempts, "event stream reconnected");
                    StreamItem::Reconnected { downtime, attempts }
                }
            };
            self.state.send_replace(ConnectionState::Connected);
            self.publish(&mut route, &notice);
            attempts = 0;

            let outcome = match connection {
                Connection::Socket(socket, first) => self.serve(*socket, first, &mut route).await,
                Connection::Feed(first) => self.serve_feed(first, &mut route).await,
            };
            match outcome {
                Outcome::Shutdown => break,
                Outcome::Lost(reason) if self.ends_cleanly(&reason) => {
                    tracing::debug!("Asterisk closed the per-call connection: its call is over");
                    break;
                }
                Outcome::Lost(reason) => {
                    tracing::warn!(reason = %reason, "event stream disconnected");
                    lost_at = Some(Instant::now());
                    self.state
                        .send_replace(ConnectionState::Disconnected { attempt: 0 });
                    self.publish(&mut route, &StreamItem::Disconnected { reason });
                    if connected_at.elapsed() >= self.settings.backoff.reset_after {
                        failures = 0;
                    } else {
                        failures = failures.saturating_add(1);
                    }
                }
            }
        }

        self.state.send_replace(ConnectionState::Closed);
        self.shared.fanout.finish(terminal);
        tracing::info!("event stream closed");
    }

    /// The next connection: dialled (within the connect timeout), or
    /// handed over by the outbound listener.
    async fn open(&mut self, websocket_config: WebSocketConfig, redialling: bool) -> Opened {
        let shutdown = &mut self.shutdown;
        match &mut self.source {
            Source::Dial { endpoint, tls } => {
                let timeout = self.settings.connect_timeout;
                let opening = tokio::time::timeout(
                    timeout,
                    handshake::open(
                        endpoint,
                        &self.settings.authorization,
                        tls.as_ref(),
                        websocket_config,
                    ),
                );
                tokio::select! {
                    biased;
                    () = shutdown_requested(shutdown) => Opened::Shutdown,
                    opened = opening => match opened {
                        Ok(Ok(socket)) => Opened::Socket(Box::new(socket), None),
                        Ok(Err(error)) => Opened::Failed(error),
                        Err(_) => Opened::Failed(HandshakeError::Timeout(timeout)),
                    },
                }
            }
            Source::Feed(items) => {
                // News of the nodes while the source is down is served once
                // it is up again, in order.
                let mut held = Vec::new();
                loop {
                    tokio::select! {
                        biased;
                        () = shutdown_requested(shutdown) => break Opened::Shutdown,
                        item = items.recv() => match item {
                            Some(FeedItem::Up) => break Opened::Feed(held),
                            // Still down.
                            Some(FeedItem::Down(_)) => {}
                            Some(item @ (FeedItem::Node(_) | FeedItem::Malformed(_))) => {
                                held.push(item);
                            }
                            // An event: the source works again (read
                            // before the news of the reconnection).
                            Some(item @ FeedItem::Frame(..)) => {
                                held.push(item);
                                break Opened::Feed(held);
                            }
                            None => break Opened::Ended(None),
                        },
                    }
                }
            }
            Source::Accept(Taken {
                deliveries,
                per_call,
            }) => {
                // A per-call session that lost its connection waits for
                // Asterisk's re-dial only so long.
                let window = per_call.filter(|_| redialling);
                let expiry = async {
                    match window {
                        Some(window) => tokio::time::sleep(window).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    biased;
                    () = shutdown_requested(shutdown) => Opened::Shutdown,
                    delivery = deliveries.recv() => match delivery {
                        Some(Ok(Accepted { socket, first, peer })) => {
                            tracing::debug!(%peer, "Asterisk dialled the application");
                            Opened::Socket(Box::new(socket), first)
                        }
                        Some(Err(error)) => Opened::Ended(Some(error)),
                        None => Opened::Ended(None),
                    },
                    () = expiry => Opened::Ended(Some(StreamError::OutboundDropped {
                        waited: window.unwrap_or_default(),
                    })),
                }
            }
        }
    }

    /// Whether the connections are a per-call session's.
    fn is_per_call(&self) -> bool {
        matches!(
            self.source,
            Source::Accept(Taken {
                per_call: Some(_),
                ..
            })
        )
    }

    /// Whether a loss for `reason` ends the stream without a notice: a
    /// per-call connection Asterisk closed normally, its call being over.
    fn ends_cleanly(&self, reason: &DisconnectReason) -> bool {
        matches!(
            (&self.source, reason),
            (
                Source::Accept(Taken {
                    per_call: Some(_),
                    ..
                }),
                DisconnectReason::ClosedByServer { code: 1000, .. },
            )
        )
    }

    /// Runs one connection until it dies or the stream is shut down;
    /// `first` is a message already read from it.
    async fn serve(
        &mut self,
        socket: Socket,
        first: Option<Message>,
        route: &mut Route<E>,
    ) -> Outcome {
        let (mut sink, mut source) = socket.split();
        // A request made while no connection was up is not for this one.
        self.shared.reconnect.take();
        // REST over the websocket: this connection carries the client's
        // requests while it is up.
        let (outgoing, mut requests) = mpsc::unbounded_channel();
        let rest = self.settings.rest.clone();
        let link = rest.as_ref().map(|rest| rest.attach(outgoing));
        let outcome = {
            let mut publisher = Publisher {
                shared: &self.shared,
                state: &self.state,
                rest: rest.as_deref(),
                subscriber_batch: subscriber_wake_batch(self.shared.fanout.capacity()),
                route,
                wakes: RouteWakes::default(),
                unflushed_taps: 0,
                unflushed_subscribers: 0,
                reclaim: Reclaim::default(),
            };
            let reading = async {
                if let Some(first) = first {
                    if let Some(outcome) = publisher.on_message(first) {
                        return outcome;
                    }
                    publisher.frame_done().await;
                }
                read_frames(
                    &mut source,
                    &mut self.shutdown,
                    &mut publisher,
                    self.settings.idle_timeout,
                )
                .await
            };
            let writing = write(&mut sink, self.settings.ping_interval, &mut requests);
            // Both run in this task; a write stuck on a full send buffer
            // does not stop the reading, and the idle timeout catches that
            // case.
            let outcome = tokio::select! {
                outcome = reading => outcome,
                error = writing => Outcome::Lost(DisconnectReason::ConnectionLost {
                    error: format!("cannot write to the websocket: {error}"),
                }),
            };
            // What the last frames brought, before any notice.
            publisher.flush().await;
            outcome
        };
        if let (Some(rest), Some(link)) = (&rest, link) {
            // The requests it carried will not be answered.
            rest.detach(link);
        }
        match (&outcome, self.is_per_call()) {
            (Outcome::Shutdown, true) => {
                // Asterisk closes a per-call connection itself, after the
                // call; closed by the application, it would only dial it
                // again. So it is drained, unread, until Asterisk closes it.
                tokio::spawn(async move {
                    while let Some(Ok(message)) = source.next().await {
                        if let Message::Close(_) = message {
                            break;
                        }
                    }
                    let _ = tokio::time::timeout(CLOSE_GRACE, sink.close()).await;
                    tracing::debug!("Asterisk closed the dropped per-call session's connection");
                });
            }
            (Outcome::Shutdown, false) => {
                // A close frame lets Asterisk unregister the applications
                // now rather than when it notices the socket is gone.
                match tokio::time::timeout(CLOSE_GRACE, sink.close()).await {
                    Ok(Ok(())) => tracing::debug!("close frame sent"),
                    Ok(Err(error)) => {
                        tracing::debug!(error = %error, "closing the websocket failed")
                    }
                    Err(_) => tracing::debug!("closing the websocket timed out"),
                }
            }
            (Outcome::Lost(DisconnectReason::ClosedByServer { .. }), _) => {
                // Completes the close handshake the server started (the
                // answer is queued by tungstenite), rather than dropping the
                // connection under it.
                let _ = tokio::time::timeout(CLOSE_GRACE, sink.close()).await;
            }
            (Outcome::Lost(_), _) => {}
        }
        outcome
    }

    /// Runs the feed until its source is down or the stream is shut down.
    async fn serve_feed(&mut self, first: Vec<FeedItem>, route: &mut Route<E>) -> Outcome {
        let Task {
            source,
            shared,
            state,
            shutdown,
            ..
        } = self;
        let Source::Feed(items) = source else {
            return Outcome::Shutdown;
        };
        let mut publisher = Publisher {
            shared,
            state,
            rest: None,
            subscriber_batch: subscriber_wake_batch(shared.fanout.capacity()),
            route,
            wakes: RouteWakes::default(),
            unflushed_taps: 0,
            unflushed_subscribers: 0,
            reclaim: Reclaim::default(),
        };
        let mut first = first.into_iter();
        let outcome = loop {
            // Once the stream is closed nothing more is routed: a durable
            // source gets back what the feed still holds (see `Receipt`).
            if *shutdown.borrow() {
                break Outcome::Shutdown;
            }
            // As with a socket: what is at hand is taken at once, and the
            // consumers are all woken before waiting.
            let item = match first.next().map_or_else(|| items.try_recv(), Ok) {
                Ok(item) => Some(item),
                Err(mpsc::error::TryRecvError::Disconnected) => None,
                Err(mpsc::error::TryRecvError::Empty) => {
                    publisher.flush().await;
                    tokio::select! {
                        biased;
                        () = shutdown_requested(shutdown) => break Outcome::Shutdown,
                        item = items.recv() => item,
                        () = tokio::time::sleep(RECLAIM_WHILE_IDLE), if publisher.reclaim.holds_any() => {
                            publisher.reclaim.let_go();
                            continue;
                        }
                    }
                }
            };
            match item {
                Some(FeedItem::Frame(text, receipt)) => {
                    publisher.dispatch(text);
                    // Routed: what the subscribers get is queued for them
                    // at the latest when this loop ends.
                    Receipt::hand_over(receipt);
                    publisher.frame_done().await;
                    tokio::task::consume_budget().await;
                }
                Some(FeedItem::Node(notice)) => {
                    publisher.flush().await;
                    publisher.publish_notice(&StreamItem::Node(Arc::new(notice)));
                }
                Some(FeedItem::Malformed(error)) => {
                    publisher.publish_error(&StreamItem::Error(Arc::new(error)));
                }
                Some(FeedItem::Up) => {}
                Some(FeedItem::Down(reason)) => break Outcome::Lost(reason),
                None => {
                    break Outcome::Lost(DisconnectReason::ConnectionLost {
                        error: "the event feed ended".to_owned(),
                    })
                }
            }
        };
        publisher.flush().await;
        outcome
    }

    /// Publishes a notice and wakes its consumers at once.
    fn publish(&self, route: &mut Route<E>, item: &StreamItem<E>) {
        self.shared.fanout.refresh(route);
        // Notices are never dropped, so no queue is ever full for them.
        route.publish(item, &mut RouteWakes::default());
    }
}

/// The handles' consumers are woken together at most this many frames
/// apart in a burst.
const TAP_WAKE_BATCH: u32 = 16;

/// The subscribers are woken together at most this many frames apart in a
/// burst, fewer for small buffers: an eighth of a subscriber's buffer, so
/// that seven eighths of it are still free when its consumer is woken.
const SUBSCRIBER_WAKE_BATCH: u32 = 128;

/// The subscribers' wake batch for buffers of `capacity` items.
fn subscriber_wake_batch(capacity: usize) -> u32 {
    u32::try_from(capacity / 8)
        .unwrap_or(u32::MAX)
        .clamp(1, SUBSCRIBER_WAKE_BATCH)
}

/// How long a frame may wait for room in full subscribers' queues (once per
/// lag of each: see `queue.rs`). Far inside Asterisk's 100 ms write timeout,
/// which only starts once the kernel's socket buffers are full.
const SUBSCRIBER_GRACE: Duration = Duration::from_millis(50);

/// Hands items to the taps and subscribers without ever waiting for them.
struct Publisher<'a, E: StreamEvent> {
    shared: &'a Shared<E>,
    /// Where the connection stands, for `ApplicationReplaced`.
    state: &'a watch::Sender<ConnectionState>,
    /// Where `RESTResponse` frames go, with the websocket transport.
    rest: Option<&'a WsRest>,
    route: &'a mut Route<E>,
    /// Consumers with new items, woken by [`frame_done`](Self::frame_done)
    /// and [`flush`](Self::flush).
    wakes: RouteWakes,
    /// Frames published since the handles' consumers were last woken.
    unflushed_taps: u32,
    /// Frames published since the subscribers were last woken.
    unflushed_subscribers: u32,
    /// How many frames apart the subscribers are woken in a burst.
    subscriber_batch: u32,
    /// The events decoded here, freed here once their consumers are done.
    reclaim: Reclaim<E>,
}

impl<E: StreamEvent> Publisher<'_, E> {
    /// A notice, after every frame before it, its consumers woken at once.
    fn publish_notice(&mut self, item: &StreamItem<E>) {
        self.shared.fanout.refresh(self.route);
        // Notices are never dropped, so no queue is ever full for them.
        self.route.publish(item, &mut RouteWakes::default());
    }

    /// A malformed frame's error, for everyone.
    fn publish_error(&mut self, item: &StreamItem<E>) {
        self.shared.fanout.refresh(self.route);
        self.route.publish_error(item, &mut self.wakes);
    }

    /// Counts a frame; wakes the handles' consumers every
    /// [`TAP_WAKE_BATCH`] frames, and every `subscriber_batch` queues what
    /// was held back for the subscribers and wakes them, giving those that
    /// were full a moment.
    async fn frame_done(&mut self) {
        self.unflushed_taps += 1;
        if self.unflushed_taps >= TAP_WAKE_BATCH {
            self.unflushed_taps = 0;
            self.wakes.taps.flush();
        }
        self.unflushed_subscribers += 1;
        if self.unflushed_subscribers >= self.subscriber_batch {
            self.flush().await;
        }
    }

    /// Queues what was held back for the subscribers and wakes every
    /// consumer that has new items; a subscriber that was full gets a
    /// moment to make room (once per lag: see `queue.rs`), then what does
    /// not fit is counted as lost.
    async fn flush(&mut self) {
        self.unflushed_taps = 0;
        self.unflushed_subscribers = 0;
        self.route.flush(&mut self.wakes.subscribers, true);
        self.wakes.taps.flush();
        self.wakes.subscribers.flush();
        if self.route.held_back() {
            let deadline = Instant::now() + SUBSCRIBER_GRACE;
            self.route
                .make_room(deadline, &mut self.wakes.subscribers)
                .await;
        }
        self.reclaim.release();
    }

    /// Publishes a text frame, unless nobody wants its type. It is decoded
    /// here only for the taps that want it (or to route a frame whose type
    /// cannot be read); the subscribers decode it when they reach it (see
    /// `frame.rs`).
    fn dispatch(&mut self, text: Utf8Bytes) {
        if let Some(rest) = self.rest {
            // The transport's, not an event for the application.
            if is_rest_response(&text) {
                rest.resolve(&text);
                return;
            }
        }
        self.shared.fanout.refresh(self.route);
        let frame = Frame::<E>::new(text);
        let mut kind = None;
        if self.route.filters() {
            // Someone declared what it wants: the frame's type decides who
            // gets it, and a frame of a type nobody wants costs only this
            // scan. A frame without a readable type is decoded to find out
            // (and usually to report the error to everyone).
            kind = match event_type(frame.text()) {
                Ok(name) => Some(E::Kind::from_type_name(&name)),
                Err(_) => frame.item().event().map(|event| event.kind()),
            };
            if let (Some(wanted), Some(kind)) = (self.route.wanted(), kind) {
                if !wanted.contains(kind) {
                    tracing::trace!(event_type = ?kind, "event nobody wants, not decoded");
                    return;
                }
            }
        }
        self.route.publish_frame(&frame, kind, &mut self.wakes);
        if let Some(StreamItem::Event(event)) = frame.decoded() {
            // Decoded here for several consumers: freed here (reclaim.rs).
            self.reclaim.keep(event);
        }
        if is_application_replaced(frame.text()) {
            tracing::warn!(
                "another connection registered this application; Asterisk sends its events \
                 there now (EventStream::reconnect takes it back)"
            );
            self.state.send_replace(ConnectionState::Replaced);
        }
    }

    /// Handles one message; `Some` when it ends the connection.
    fn on_message(&mut self, message: Message) -> Option<Outcome> {
        match message {
            Message::Text(text) => self.dispatch(text),
            // Asterisk sends text; accept UTF-8 binary frames all the same.
            Message::Binary(bytes) => {
                let len = bytes.len();
                match Utf8Bytes::try_from(bytes) {
                    Ok(text) => self.dispatch(text),
                    Err(_) => {
                        tracing::warn!(bytes = len, "binary frame is not UTF-8");
                        let error = StreamError::NonUtf8Frame { len };
                        self.publish_error(&StreamItem::Error(Arc::new(error)));
                    }
                }
            }
            // tungstenite answers pings by itself; either way the peer lives.
            Message::Ping(_) => tracing::trace!("ping received"),
            Message::Pong(_) => tracing::trace!("pong received"),
            Message::Close(frame) => {
                let (code, reason) = frame.map_or((1005, String::new()), |frame| {
                    (u16::from(frame.code), frame.reason.as_str().to_owned())
                });
                return Some(Outcome::Lost(DisconnectReason::ClosedByServer {
                    code,
                    reason,
                }));
            }
            // Only produced when writing raw frames, never by reading.
            Message::Frame(_) => {}
        }
        None
    }
}

/// How long after the socket fell quiet the events kept for their consumers
/// are let go of (once; see `reclaim.rs`).
const RECLAIM_WHILE_IDLE: Duration = Duration::from_millis(20);

/// How many frames of a burst apart the time of the last frame is taken.
const STAMP_EVERY: u32 = 64;

/// Reads and publishes frames until the connection dies, falls silent for
/// `idle_timeout`, or the stream is shut down.
async fn read_frames<E: StreamEvent>(
    source: &mut SplitStream<Socket>,
    shutdown: &mut watch::Receiver<bool>,
    publisher: &mut Publisher<'_, E>,
    idle_timeout: Duration,
) -> Outcome {
    let shared = publisher.shared;
    let mut last_heard = Instant::now();
    // Frames read since `last_heard` was set: the clock is read every
    // `STAMP_EVERY` frames of a burst and when it ends, not for every frame
    // (a clock read per frame was 2-4% of a burst's profile).
    let mut unstamped: u32 = 0;
    // Re-armed only when it fires, not on every frame: a frame costs no
    // timer update.
    let deadline = tokio::time::sleep_until(last_heard + idle_timeout);
    tokio::pin!(deadline);
    loop {
        // A frame already at hand (a burst) is taken at once, and the
        // consumers are woken every few frames; only before waiting for the
        // socket are they all woken.
        let frame = match source.next().now_or_never() {
            Some(frame) => {
                if *shutdown.borrow() || shutdown.has_changed().is_err() {
                    return Outcome::Shutdown;
                }
                if shared.reconnect.take() {
                    return Outcome::Lost(DisconnectReason::Requested);
                }
                frame
            }
            None => {
                publisher.flush().await;
                if unstamped > 0 {
                    // The burst just ended: its last frame was now.
                    unstamped = 0;
                    last_heard = Instant::now();
                }
                tokio::select! {
                    biased;
                    () = shutdown_requested(shutdown) => return Outcome::Shutdown,
                    () = shared.reconnect.requested() => {
                        return Outcome::Lost(DisconnectReason::Requested);
                    }
                    frame = source.next() => frame,
                    // The socket fell quiet: a moment for the consumers
                    // to finish with the last events, then they are let
                    // go of (see `reclaim.rs`).
                    () = tokio::time::sleep(RECLAIM_WHILE_IDLE), if publisher.reclaim.holds_any() => {
                        publisher.reclaim.let_go();
                        continue;
                    }
                    () = &mut deadline => {
                        let silence = last_heard.elapsed();
                        if silence >= idle_timeout {
                            return Outcome::Lost(DisconnectReason::KeepaliveTimeout { silence });
                        }
                        deadline.as_mut().reset(last_heard + idle_timeout);
                        continue;
                    }
                }
            }
        };
        match frame {
            Some(Ok(message)) => {
                unstamped += 1;
                if unstamped >= STAMP_EVERY {
                    unstamped = 0;
                    last_heard = Instant::now();
                }
                if let Some(outcome) = publisher.on_message(message) {
                    return outcome;
                }
                publisher.frame_done().await;
                // Let the tasks this frame woke run (see the module docs).
                tokio::task::consume_budget().await;
            }
            Some(Err(error)) => {
                return Outcome::Lost(DisconnectReason::ConnectionLost {
                    error: error.to_string(),
                })
            }
            None => {
                return Outcome::Lost(DisconnectReason::ConnectionLost {
                    error: "the connection ended without a close frame".to_owned(),
                })
            }
        }
    }
}

/// Whether a frame is an `ApplicationReplaced` event. Asterisk writes
/// `type` first, so that is a prefix comparison; other frames get the scan.
fn is_application_replaced(frame: &str) -> bool {
    const TYPE_FIRST: &str = r#"{"type":"ApplicationReplaced""#;
    if frame.starts_with(r#"{"type":""#) {
        return frame.starts_with(TYPE_FIRST);
    }
    event_type(frame).is_ok_and(|name| name == "ApplicationReplaced")
}

/// Pings every `every`, and writes the REST requests given to the
/// connection, until a write fails.
async fn write(
    sink: &mut SplitSink<Socket, Message>,
    every: Duration,
    requests: &mut mpsc::UnboundedReceiver<String>,
) -> tungstenite::Error {
    let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Without the websocket transport the sender is dropped at once.
    let mut carrying = true;
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                if let Err(error) = sink.send(Message::Ping(Bytes::new())).await {
                    return error;
                }
                tracing::trace!("ping sent");
            }
            request = requests.recv(), if carrying => match request {
                Some(request) => {
                    if let Err(error) = sink.send(Message::text(request)).await {
                        return error;
                    }
                    tracing::trace!("RESTRequest sent");
                }
                None => carrying = false,
            },
        }
    }
}

/// Resolves once [`EventStream::close`](super::EventStream::close) was called
/// or every handle and subscription is gone.
async fn shutdown_requested(signal: &mut watch::Receiver<bool>) {
    loop {
        if *signal.borrow_and_update() {
            return;
        }
        if signal.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_application_replaced;

    #[test]
    fn application_replaced_is_recognised_in_any_key_order() {
        assert!(is_application_replaced(
            r#"{"type":"ApplicationReplaced","timestamp":"x","application":"a"}"#
        ));
        assert!(is_application_replaced(
            r#"{"application":"a","timestamp":"x","type":"ApplicationReplaced"}"#
        ));
        assert!(!is_application_replaced(
            r#"{"type":"ApplicationReplacedLater","application":"a"}"#
        ));
        assert!(!is_application_replaced(
            r#"{"type":"StasisStart","note":"ApplicationReplaced"}"#
        ));
        assert!(!is_application_replaced(
            r#"{"application":"a","type":"StasisStart"}"#
        ));
        assert!(!is_application_replaced("not json"));
    }
}
