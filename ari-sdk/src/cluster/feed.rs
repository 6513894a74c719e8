//! The events of every node, read from NATS and fed to the event stream.
//!
//! Each event arrives on `<prefix>event.<app>.<node>`. Before it is handed
//! over:
//!
//! - its proxy's sequence number (the `Ari-Proxy-Seq` header, per proxy
//!   process and application) is checked (`sequence.rs`): a number that
//!   never comes is a [`NodeNotice::Missed`] with the exact count (on core
//!   NATS in the place of the gap; through a durable consumer once it has
//!   been missing for a few seconds, as a late event may still come), and
//!   a number seen before (a redelivery) is dropped as the duplicate it is;
//!   the last number each proxy announces (`Announcement::last_sequence`)
//!   reveals events lost at the end of a burst, which no later number
//!   would;
//! - the table of owners learns where the resource it creates or ends
//!   lives;
//! - with shared calls, a `StasisStart` is claimed (at once by the call's
//!   preferred instance, after a grace by the others: see `claims.rs`; the
//!   call's events wait meanwhile, in order), and a call another instance
//!   claimed is not handed over, nor any later event of its channel.
//!
//! The feed is bounded: when the application falls behind, reading NATS
//! waits. On core NATS the server then drops messages for this slow
//! consumer, which the sequence numbers count; a durable consumer just
//! waits.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ari_proxy_protocol::{INSTANCE_HEADER, SEQUENCE_HEADER};

use super::sequence::{Numbered, Sequences, Settled};
use futures::StreamExt as _;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::claims::{Claim, Claims, GRACE};
use super::link::{Link, Tail};
use super::owners::{channel_of, Owners};
use crate::event_tag::event_type;
use crate::stream::feed::{FeedItem, FeedSource, Receipt};
use crate::stream::{NodeNotice, StreamError};
use crate::sync::lock;

/// Items the feed holds before reading NATS waits.
const FEED_CAPACITY: usize = 4096;

/// How long to wait before subscribing again after a failure.
const RETRY: Duration = Duration::from_millis(500);

/// Through a durable consumer, how long a missing event number may wait
/// for its event (delivered again after the acknowledgement wait, or stored
/// late by a proxy that retried) before it counts as missed.
const SETTLE: Duration = Duration::from_secs(8);

/// On core NATS, how long the events up to a proxy's announced last number
/// may take to arrive (they travel on another subject) before the ones
/// that did not count as missed.
const CORE_TAIL_WAIT: Duration = Duration::from_secs(2);

/// How often the missing numbers are looked at.
const SETTLE_CHECK: Duration = Duration::from_secs(1);

/// Events a pull asks the durable consumer for at once.
const PULL_BATCH: usize = 256;

/// How long a pull waits at the server: what a pull still pending when the
/// stream is closed brings is handed back for this long.
const PULL_EXPIRY: Duration = Duration::from_secs(1);

impl FeedSource for Arc<Link> {
    fn open(&self) -> Result<mpsc::Receiver<FeedItem>, StreamError> {
        if self
            .feed_taken
            .swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            return Err(StreamError::InvalidSettings(
                "a cluster client has one event stream: share it (EventStream::subscribe)",
            ));
        }
        let (sender, receiver) = mpsc::channel(FEED_CAPACITY);
        tokio::spawn(read(Arc::clone(self), sender));
        Ok(receiver)
    }
}

/// What one message of an event subject is.
struct Incoming<'a> {
    subject: &'a str,
    headers: Option<&'a async_nats::HeaderMap>,
    payload: &'a bytes::Bytes,
}

/// Subscribes, says the feed is up, then hands every event over until the
/// stream is gone.
async fn read(link: Arc<Link>, sender: mpsc::Sender<FeedItem>) {
    let (decided, decisions) = mpsc::unbounded_channel();
    let (tail_sender, tails) = mpsc::unbounded_channel();
    *lock(&link.tails) = Some(tail_sender);
    let mut side = Side { decisions, tails };
    let mut reader = Reader {
        owners: Arc::clone(&link.owners),
        claims: link.claims.clone(),
        sequences: Sequences::new(if link.consumers.is_empty() {
            Duration::ZERO
        } else {
            SETTLE
        }),
        foreign: HashSet::new(),
        held: HashMap::new(),
        decided,
        node_names: HashMap::new(),
        sender,
    };
    if link.consumers.is_empty() {
        read_core(&link, &mut reader, &mut side).await;
    } else {
        read_durable(&link, &mut reader, &mut side).await;
    }
    *lock(&link.tails) = None;
}

/// What the reader hears besides the events.
struct Side {
    /// The claims decided after a wait.
    decisions: mpsc::UnboundedReceiver<((Arc<str>, String), Claim)>,
    /// The last numbers the proxies announce.
    tails: mpsc::UnboundedReceiver<Tail>,
}

async fn read_core(link: &Arc<Link>, reader: &mut Reader, side: &mut Side) {
    let subjects = &link.settings.subjects;
    let subscriptions = loop {
        let mut subscriptions = Vec::new();
        let mut failed = None;
        for app in &link.settings.applications {
            match link.nats.subscribe(subjects.app_events(app)).await {
                Ok(subscription) => subscriptions.push(subscription),
                Err(error) => {
                    failed = Some(error.to_string());
                    break;
                }
            }
        }
        if failed.is_none() {
            if let Err(error) = subscribed(&link.nats).await {
                failed = Some(error);
            }
        }
        match failed {
            None => break subscriptions,
            Some(error) => {
                tracing::warn!(%error, "cannot subscribe to the events; trying again");
                if reader.sender.is_closed() {
                    return;
                }
                tokio::time::sleep(RETRY).await;
            }
        }
    };
    if !announce_up(link, reader).await {
        return;
    }
    let mut messages = futures::stream::select_all(subscriptions);
    let mut settling = tokio::time::interval(SETTLE_CHECK);
    settling.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let message = tokio::select! {
            message = messages.next() => message,
            Some((key, claim)) = side.decisions.recv() => {
                if !reader.decide(key, claim).await {
                    return;
                }
                continue;
            }
            Some(tail) = side.tails.recv() => {
                // Events are on their way on another subject: a moment
                // for them to come.
                reader.tail(tail, CORE_TAIL_WAIT);
                continue;
            }
            _ = settling.tick() => {
                if !reader.settle().await {
                    return;
                }
                continue;
            }
        };
        let Some(message) = message else {
            return;
        };
        let incoming = Incoming {
            subject: message.subject.as_str(),
            headers: message.headers.as_ref(),
            payload: &message.payload,
        };
        if !reader.take(incoming, None).await {
            return;
        }
    }
}

async fn read_durable(link: &Arc<Link>, reader: &mut Reader, side: &mut Side) {
    let mut streams = Vec::with_capacity(link.consumers.len());
    for consumer in &link.consumers {
        let messages = loop {
            let opened = consumer
                .stream()
                .max_messages_per_batch(PULL_BATCH)
                .expires(PULL_EXPIRY)
                .heartbeat(PULL_EXPIRY / 2)
                .messages()
                .await;
            match opened {
                Ok(messages) => break messages,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the durable consumer; trying again");
                    if reader.sender.is_closed() {
                        return;
                    }
                    tokio::time::sleep(RETRY).await;
                }
            }
        };
        streams.push(messages);
    }
    let mut messages = futures::stream::select_all(streams);
    if !announce_up(link, reader).await {
        return;
    }
    // The receipts of the events handed to the stream: acknowledged once
    // the stream routed them, handed back when it stopped first.
    let (receipts, mut settled) = mpsc::unbounded_channel();
    let mut settling = tokio::time::interval(SETTLE_CHECK);
    settling.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let message = tokio::select! {
            message = messages.next() => message,
            Some((message, handed)) = settled.recv() => {
                acknowledge(&message, handed).await;
                continue;
            }
            () = reader.sender.closed() => break,
            _ = settling.tick() => {
                if !reader.settle().await {
                    break;
                }
                continue;
            }
            Some((key, claim)) = side.decisions.recv() => {
                if !reader.decide(key, claim).await {
                    break;
                }
                continue;
            }
            Some(tail) = side.tails.recv() => {
                // Only once the consumers hold nothing more: until then
                // a higher number may just not be read yet.
                if caught_up(link).await {
                    reader.tail(tail, SETTLE);
                }
                continue;
            }
        };
        let Some(message) = message else {
            return;
        };
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                // Missed heartbeats while NATS restarts, and the like: the
                // consumer goes on by itself.
                tracing::debug!(%error, "durable consumer");
                continue;
            }
        };
        // The message goes with its receipt; what `take` reads of it is
        // copied first (cheap: shared buffers).
        let (subject, headers, payload) = (
            message.subject.clone(),
            message.headers.clone(),
            message.payload.clone(),
        );
        let incoming = Incoming {
            subject: subject.as_str(),
            headers: headers.as_ref(),
            payload: &payload,
        };
        let receipt = {
            let receipts = receipts.clone();
            // When this reader is gone, the message is neither acknowledged
            // nor handed back: it comes again after the acknowledgement
            // wait.
            Receipt::new(move |handed| {
                let _ = receipts.send((message, handed));
            })
        };
        if !reader.take(incoming, Some(receipt)).await {
            break;
        }
    }
    // The stream was closed: what it had not routed yet, and what the pulls
    // still in flight bring, is handed back at once, so the next reader of
    // the consumer (the application restarted) gets it without waiting for
    // the acknowledgement timeout; what it routed is acknowledged.
    drop(receipts);
    let until = tokio::time::Instant::now() + PULL_EXPIRY + RETRY;
    loop {
        tokio::select! {
            Some((message, handed)) = settled.recv() => acknowledge(&message, handed).await,
            next = tokio::time::timeout_at(until, messages.next()) => match next {
                Ok(Some(Ok(message))) => give_back(&message).await,
                Ok(Some(Err(_))) => {}
                Ok(None) | Err(_) => break,
            },
        }
    }
    // Receipts still held elsewhere settle through the channel no more.
    while let Ok((message, handed)) = settled.try_recv() {
        acknowledge(&message, handed).await;
    }
}

/// Acknowledges an event the stream routed; hands back one it dropped.
async fn acknowledge(message: &async_nats::jetstream::Message, handed: bool) {
    if !handed {
        give_back(message).await;
        return;
    }
    if let Err(error) = message.ack().await {
        tracing::debug!(%error, "acknowledging an event failed; it may come again");
    }
}

/// Whether every durable consumer has delivered all it holds.
async fn caught_up(link: &Link) -> bool {
    for consumer in &link.consumers {
        match consumer.get_info().await {
            Ok(info) if info.num_pending == 0 => {}
            _ => return false,
        }
    }
    true
}

/// How long the server may take to answer the request that confirms the
/// subscriptions.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(2);

/// Returns once the server has the subscriptions made before: an event a
/// proxy publishes from then on reaches this reader.
///
/// A flush is not enough: it only hands the `SUB`s to the socket, and an
/// event a proxy publishes before the server has read them is not
/// delivered, nor counted (no number of that proxy was seen yet), so a
/// call entering right after the stream said it was connected would be
/// lost. The server handles a connection's messages in order, so its answer
/// to a request made after the `SUB`s (to a fresh inbox nobody listens on:
/// "no responders") means it has them. A server that does not answer that
/// way (no headers support) is waited for [`CONFIRM_TIMEOUT`], then the
/// subscriptions are taken as they are, with a warning.
async fn subscribed(nats: &async_nats::Client) -> Result<(), String> {
    use async_nats::{client::Request, RequestErrorKind};
    let probe = Request::new().timeout(Some(CONFIRM_TIMEOUT));
    match nats.send_request(nats.new_inbox(), probe).await {
        Ok(_) => Ok(()),
        Err(error) => match error.kind() {
            RequestErrorKind::NoResponders => Ok(()),
            RequestErrorKind::TimedOut => {
                tracing::warn!(
                    "the NATS server did not confirm the event subscriptions; events published \
                     right now may be missed"
                );
                Ok(())
            }
            _ => Err(error.to_string()),
        },
    }
}

/// Tells the server a message was not handled: it is delivered again at
/// once.
async fn give_back(message: &async_nats::jetstream::Message) {
    use async_nats::jetstream::AckKind;
    if let Err(error) = message.ack_with(AckKind::Nak(None)).await {
        tracing::debug!(%error, "handing an event back failed; it comes again after the ack wait");
    }
}

/// Sends `Up`, then makes the feed the place of the node notices, each
/// node up now announced in it first.
async fn announce_up(link: &Arc<Link>, reader: &Reader) -> bool {
    if reader.sender.send(FeedItem::Up).await.is_err() {
        return false;
    }
    for notice in link.nodes.up_notices() {
        if reader.sender.send(FeedItem::Node(notice)).await.is_err() {
            return false;
        }
    }
    *lock(&link.sink) = Some(reader.sender.clone());
    true
}

/// An event waiting for its call's claim, with its receipt.
type HeldFrame = (Utf8Bytes, Option<Receipt>);

/// The reader's state.
struct Reader {
    owners: Arc<Owners>,
    claims: Option<Claims>,
    sequences: Sequences,
    /// Channels another instance serves: `(node, id)`.
    foreign: HashSet<(Arc<str>, String)>,
    /// The events of calls whose claim waits, in order.
    held: HashMap<(Arc<str>, String), Vec<HeldFrame>>,
    /// Where the claims that waited are decided.
    decided: mpsc::UnboundedSender<((Arc<str>, String), Claim)>,
    node_names: HashMap<String, Arc<str>>,
    sender: mpsc::Sender<FeedItem>,
}

/// The proxy process and number an event carries, when it does (a Go
/// proxy numbers nothing).
fn numbered(headers: Option<&async_nats::HeaderMap>) -> Option<(&str, u64)> {
    let headers = headers?;
    let instance = headers.get(INSTANCE_HEADER)?.as_str();
    let seq = headers.get(SEQUENCE_HEADER)?.as_str().parse().ok()?;
    Some((instance, seq))
}

impl Reader {
    /// Tells the stream what was missed; false when the stream is gone.
    async fn report(&mut self, settled: Settled) -> bool {
        for (node, application, missed) in settled {
            tracing::warn!(node = %node, application, missed, "events of a node never arrived");
            let notice = NodeNotice::Missed {
                node: node.to_string(),
                application,
                missed,
            };
            if self.sender.send(FeedItem::Node(notice)).await.is_err() {
                return false;
            }
        }
        true
    }

    /// Takes in a proxy's announced last number.
    fn tail(&mut self, (node, app, instance, last): Tail, wait: Duration) {
        let node = match self.node_names.get(&*node) {
            Some(interned) => Arc::clone(interned),
            None => node,
        };
        self.sequences.tail(
            &node,
            &app,
            &instance,
            last,
            wait,
            tokio::time::Instant::now(),
        );
    }

    /// Counts as missed what has been missing for the settling time.
    async fn settle(&mut self) -> bool {
        if !self.sequences.pending() {
            return true;
        }
        let mut settled = Vec::new();
        self.sequences
            .settle(tokio::time::Instant::now(), &mut settled);
        self.report(settled).await
    }

    /// Takes one message; false when the stream is gone. Its `receipt`
    /// (through a durable consumer) goes with the frame to the stream, or
    /// is handed over here when the event is not for this stream (a
    /// duplicate, another instance's call, one that is no event).
    async fn take(&mut self, incoming: Incoming<'_>, receipt: Option<Receipt>) -> bool {
        // `<prefix>event.<app>.<node>`: the last two tokens.
        let mut tokens = incoming.subject.rsplitn(3, '.');
        let (Some(node), Some(app)) = (tokens.next(), tokens.next()) else {
            // Not an event subject: nothing to deliver, nor to get again.
            Receipt::hand_over(receipt);
            return true;
        };
        let node = match self.node_names.get(node) {
            Some(node) => Arc::clone(node),
            None => {
                let interned: Arc<str> = Arc::from(node);
                self.node_names
                    .insert(node.to_owned(), Arc::clone(&interned));
                interned
            }
        };
        if let Some((instance, seq)) = numbered(incoming.headers) {
            let mut settled = Vec::new();
            let numbered = self.sequences.take(
                &node,
                app,
                instance,
                seq,
                tokio::time::Instant::now(),
                &mut settled,
            );
            if !self.report(settled).await {
                return false;
            }
            if numbered == Numbered::Duplicate {
                Receipt::hand_over(receipt);
                return true;
            }
        }
        let Ok(text) = Utf8Bytes::try_from(incoming.payload.clone()) else {
            let len = incoming.payload.len();
            tracing::warn!(node = %node, bytes = len, "an event that is not UTF-8");
            let error = StreamError::NonUtf8Frame { len };
            Receipt::hand_over(receipt);
            return self.sender.send(FeedItem::Malformed(error)).await.is_ok();
        };
        self.owners.learn_from_event(&node, &text);
        match self.share(&node, text, receipt).await {
            Shared::Pass(text, receipt) => self
                .sender
                .send(FeedItem::Frame(text, receipt))
                .await
                .is_ok(),
            Shared::Kept => true,
        }
    }

    /// Where an event goes, with shared calls: a call another instance
    /// serves is not handed over, nor any event of its channel; one this
    /// instance is not the preferred one for waits, with its channel's
    /// events, until the claim is decided.
    async fn share(
        &mut self,
        node: &Arc<str>,
        text: Utf8Bytes,
        receipt: Option<Receipt>,
    ) -> Shared {
        let Some(claims) = &self.claims else {
            return Shared::Pass(text, receipt);
        };
        let kind = event_type(&text)
            .map(|kind| kind.into_owned())
            .unwrap_or_default();
        let start = kind == "StasisStart";
        if !start && self.held.is_empty() && self.foreign.is_empty() {
            return Shared::Pass(text, receipt);
        }
        let Some(id) = channel_of(&text) else {
            return Shared::Pass(text, receipt);
        };
        let key = (Arc::clone(node), id);
        if let Some(frames) = self.held.get_mut(&key) {
            frames.push((text, receipt));
            return Shared::Kept;
        }
        if self.foreign.contains(&key) {
            if is_end(&kind) {
                self.foreign.remove(&key);
            }
            Receipt::hand_over(receipt);
            return Shared::Kept;
        }
        if !start {
            return Shared::Pass(text, receipt);
        }
        if claims.preferred(node, &key.1) {
            if claims.claim(node, &key.1).await == Claim::Theirs {
                tracing::debug!(node = %node, channel = %key.1, "another instance serves this call");
                self.foreign.insert(key);
                Receipt::hand_over(receipt);
                return Shared::Kept;
            }
            return Shared::Pass(text, receipt);
        }
        // Another instance is preferred: it has a moment to claim it.
        self.held.insert(key.clone(), vec![(text, receipt)]);
        let claims = claims.clone();
        let decisions = self.decided.clone();
        tokio::spawn(async move {
            tokio::time::sleep(GRACE).await;
            let claim = claims.claim(&key.0, &key.1).await;
            let _ = decisions.send((key, claim));
        });
        Shared::Kept
    }

    /// A claim that waited is decided: the call's events go on, or are
    /// dropped for the instance that serves it. False when the stream is
    /// gone.
    async fn decide(&mut self, key: (Arc<str>, String), claim: Claim) -> bool {
        let Some(frames) = self.held.remove(&key) else {
            return true;
        };
        if claim == Claim::Theirs {
            tracing::debug!(node = %key.0, channel = %key.1, "another instance serves this call");
            let ended = frames
                .iter()
                .any(|(frame, _)| event_type(frame).is_ok_and(|kind| is_end(&kind)));
            if !ended {
                self.foreign.insert(key);
            }
            for (_, receipt) in frames {
                Receipt::hand_over(receipt);
            }
            return true;
        }
        for (frame, receipt) in frames {
            if self
                .sender
                .send(FeedItem::Frame(frame, receipt))
                .await
                .is_err()
            {
                return false;
            }
        }
        true
    }
}

/// Where an event goes, with shared calls.
enum Shared {
    /// To the stream.
    Pass(Utf8Bytes, Option<Receipt>),
    /// Nowhere now: held until a claim is decided, or another instance's.
    Kept,
}

/// Whether an event of type `kind` ends a channel's time in the
/// application.
fn is_end(kind: &str) -> bool {
    kind == "StasisEnd" || kind == "ChannelDestroyed"
}
