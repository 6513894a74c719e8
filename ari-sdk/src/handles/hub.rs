//! The dispatcher of one application: routes each already decoded event to
//! the handles of the resources it names, records ends, turns `StasisStart`s
//! into calls and reconciles after a reconnect.
//!
//! # Why it runs inside the connection task
//!
//! The dispatcher is a [`Tap`] of the event stream, not a subscriber: the
//! connection task calls it for every item, before any subscriber, so it can
//! never fall behind the socket and never loses an event, whatever the
//! burst. The price is that it must never wait, and it doesn't: per event
//! it takes one hash lookup per resource the event names, pushes into the
//! handles' queues (which never block: a handle nobody reads reports a lag
//! on its own stream) and, for a `StasisStart`, into the queue of calls.
//!
//! The other choice, applying backpressure to the reader, was rejected:
//! Asterisk drops a websocket whose writes block for its
//! `websocket_write_timeout` (100 ms by default), so a reader held back by
//! an application busy for 100 ms would lose the connection and every
//! event sent until it is back, which is worse than any queue.
//!
//! # Calls are never dropped
//!
//! The queue of calls is unbounded: a call that entered the application
//! waits there until [`StasisApp::calls`](super::StasisApp::calls) takes
//! it, however long that takes. Its memory is that of the call (its handle
//! and its `StasisStart`, about 1.5 KiB), for a channel that Asterisk holds
//! anyway; the number waiting is [`Calls::waiting`](super::Calls::waiting).
//! When the `Calls` stream was dropped, calls wait for the next `calls()`.
//!
//! # Cost per event
//!
//! Constant in the number of live calls: routing is a lookup per resource,
//! ending a channel looks up the playbacks and recordings on it in an index
//! (see [`Registry`]), and nothing is ever swept. Only connection notices
//! and malformed frames, which concern every handle, visit them all.

use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::error::Error;
use crate::resource::ResourceKind;
use crate::stream::fanout::Tap;
use crate::stream::queue::Wakes;
use crate::stream::{EventKind, EventStream, StreamError, StreamEvent, StreamItem, TypeSet};
use crate::sync::lock;

use super::app::Call;
use super::broadcast::{Broadcast, Broadcasts};
use super::channel::ChannelHandle;
use super::core::Core;
use super::ended::{HandleEnded, HandleError};
use super::reconcile;
use super::registry::{Registry, Seen};
use super::tracker::Tracker;
use super::version::{ResourceEvent, Signal, VersionApi};

/// The event types the dispatcher always needs: they start calls and end
/// resources.
const LIFECYCLE: &[&str] = &[
    "StasisStart",
    "StasisEnd",
    "ChannelDestroyed",
    "BridgeDestroyed",
    "PlaybackFinished",
    "RecordingFinished",
    "RecordingFailed",
];

pub(crate) struct CallQueue<V: VersionApi> {
    /// `None` once the event stream stopped for good.
    sender: Option<mpsc::UnboundedSender<Call<V>>>,
    /// The receiver of `sender` while no `Calls` stream holds it: made with
    /// the hub, so that no call is lost before the application asks.
    unclaimed: Option<mpsc::UnboundedReceiver<Call<V>>>,
    /// Which channel `sender` feeds: each `calls()` gets a new one.
    generation: u64,
}

impl<V: VersionApi> CallQueue<V> {
    /// Queues a call for the application; it cannot be lost (the queue is
    /// unbounded and a receiver that goes away hands its calls back).
    fn push(&mut self, call: Call<V>) {
        let Some(sender) = &self.sender else {
            tracing::debug!(
                channel_id = call.id(),
                "a call entered after the event stream stopped"
            );
            return;
        };
        if let Err(unsent) = sender.send(call) {
            // The receiver is gone without handing back (leaked): start a
            // fresh queue for the next `calls()`.
            let (sender, receiver) = mpsc::unbounded_channel();
            let _ = sender.send(unsent.0);
            self.sender = Some(sender);
            self.unclaimed = Some(receiver);
            self.generation += 1;
        }
    }
}

/// The first pause before a failed reconciliation is tried again.
const RECONCILE_RETRY_FIRST: Duration = Duration::from_millis(200);

/// The longest pause between tries of a failed reconciliation.
const RECONCILE_RETRY_MOST: Duration = Duration::from_secs(5);

pub(crate) struct Hub<V: VersionApi> {
    pub(crate) ari: V,
    pub(crate) stream: EventStream<V::Event>,
    pub(crate) registry: Arc<Registry<V::Event>>,
    calls: Mutex<CallQueue<V>>,
    /// Where `CallBroadcast` offers go, while a `Broadcasts` stream exists.
    broadcasts: Mutex<Option<mpsc::UnboundedSender<Broadcast<V>>>>,
    /// The tap's id in the stream, to detach it when the hub goes.
    tap: Mutex<Option<u64>>,
    /// A reconciliation is running; another request waits for it.
    reconciling: AtomicBool,
    /// A reconnect happened while a reconciliation ran: run it again.
    reconcile_again: AtomicBool,
    /// The stream stopped for good: a failed reconciliation is not retried.
    stream_over: AtomicBool,
}

/// The hub as the stream sees it; weak, so the stream does not keep the
/// application alive.
struct HubTap<V: VersionApi> {
    hub: Weak<Hub<V>>,
}

impl<V: VersionApi> Tap<V::Event> for HubTap<V> {
    fn on_item(&self, item: &StreamItem<V::Event>, wakes: &mut Wakes) {
        if let Some(hub) = self.hub.upgrade() {
            hub.dispatch(item, wakes);
        }
    }

    fn on_end(&self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.stream_ended();
        }
    }
}

impl<V: VersionApi> Hub<V> {
    /// Attaches the dispatcher to `stream`, which sees every item from now
    /// on; `handle_events` are the event types the handles' streams get
    /// (`None`: all), on top of those the dispatcher always needs.
    pub(crate) fn start(
        ari: V,
        stream: EventStream<V::Event>,
        handle_events: Option<TypeSet<<V::Event as StreamEvent>::Kind>>,
    ) -> Result<Arc<Self>, StreamError> {
        tokio::runtime::Handle::try_current().map_err(|_| StreamError::NoRuntime)?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub {
            ari,
            stream,
            registry: Registry::new(),
            calls: Mutex::new(CallQueue {
                sender: Some(sender),
                unclaimed: Some(receiver),
                generation: 0,
            }),
            broadcasts: Mutex::new(None),
            tap: Mutex::new(None),
            reconciling: AtomicBool::new(false),
            reconcile_again: AtomicBool::new(false),
            stream_over: AtomicBool::new(false),
        });
        let interest = handle_events.map(|mut types| {
            for name in LIFECYCLE {
                types.insert(<V::Event as StreamEvent>::Kind::from_type_name(name));
            }
            types
        });
        let tap = Arc::new(HubTap {
            hub: Arc::downgrade(&hub),
        });
        match hub.stream.add_tap(tap, interest) {
            Some(id) => *lock(&hub.tap) = Some(id),
            // The stream had already stopped: nothing will come.
            None => hub.stream_ended(),
        }
        Ok(hub)
    }

    /// The calls queue: the first one made (or the one holding the calls a
    /// dropped stream handed back), or a new one that takes over; with its
    /// generation.
    pub(crate) fn take_calls(&self) -> (mpsc::UnboundedReceiver<Call<V>>, u64) {
        let mut queue = lock(&self.calls);
        if let Some(receiver) = queue.unclaimed.take() {
            return (receiver, queue.generation);
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        queue.generation += 1;
        if queue.sender.is_some() {
            // The earlier stream gets no more calls and ends once drained.
            queue.sender = Some(sender);
        }
        (receiver, queue.generation)
    }

    /// A `Calls` stream is being dropped with `receiver`: the calls it did
    /// not hand out go to the next `calls()`, ahead of any that come later.
    /// Under the queue's lock, so no call can slip into the closing
    /// receiver meanwhile.
    pub(crate) fn give_back(
        &self,
        receiver: &mut mpsc::UnboundedReceiver<Call<V>>,
        generation: u64,
    ) {
        let mut queue = lock(&self.calls);
        receiver.close();
        let mut waiting = Vec::new();
        while let Ok(call) = receiver.try_recv() {
            waiting.push(call);
        }
        if generation != queue.generation {
            // A newer stream took over: it gets them, after its own.
            for call in waiting {
                queue.push(call);
            }
            return;
        }
        if !waiting.is_empty() {
            tracing::warn!(
                calls = waiting.len(),
                "the calls stream was dropped with calls waiting; the next calls() gets them"
            );
        }
        let (sender, fresh) = mpsc::unbounded_channel();
        for call in waiting {
            let _ = sender.send(call);
        }
        queue.generation += 1;
        if queue.sender.is_some() {
            queue.sender = Some(sender);
        }
        queue.unclaimed = Some(fresh);
    }

    /// The tracker of a resource: the live one, or a new one.
    pub(crate) fn track(
        &self,
        kind: ResourceKind,
        id: &str,
        target: Option<(ResourceKind, Box<str>)>,
    ) -> Arc<Tracker<V::Event>> {
        self.registry.track(kind, id, target)
    }

    /// A handle's core on an existing resource.
    pub(crate) fn attach(self: &Arc<Self>, kind: ResourceKind, id: &str) -> Core<V> {
        Core::new(Arc::clone(self), self.track(kind, id, None), None)
    }

    /// Creates a resource under a client-chosen id without losing an event:
    /// the tracker and its first event stream exist before the request.
    pub(crate) async fn staged<R, T>(
        self: &Arc<Self>,
        kind: ResourceKind,
        target: Option<(ResourceKind, &str)>,
        send: impl FnOnce(&str) -> R,
    ) -> Result<Core<V>, HandleError>
    where
        R: IntoFuture<Output = Result<T, Error>>,
    {
        let id = uuid::Uuid::new_v4().to_string();
        self.staged_with_id(kind, id, target, send).await
    }

    pub(crate) async fn staged_with_id<R, T>(
        self: &Arc<Self>,
        kind: ResourceKind,
        id: String,
        target: Option<(ResourceKind, &str)>,
        send: impl FnOnce(&str) -> R,
    ) -> Result<Core<V>, HandleError>
    where
        R: IntoFuture<Output = Result<T, Error>>,
    {
        let target = target.map(|(kind, id)| (kind, Box::<str>::from(id)));
        let tracker = self.track(kind, &id, target);
        let events = tracker.subscribe();
        // On failure the tracker is dropped here, and the registry forgets it.
        send(&id).await?;
        Ok(Core::new(Arc::clone(self), tracker, Some(events)))
    }

    /// One item, on the connection task: must not wait.
    fn dispatch(self: &Arc<Self>, item: &StreamItem<V::Event>, wakes: &mut Wakes) {
        match item {
            StreamItem::Event(event) => self.dispatch_event(event, item, wakes),
            StreamItem::Disconnected { .. } | StreamItem::Error(_) => self.broadcast(item, wakes),
            StreamItem::Reconnected { .. } => {
                // Events were lost: tell every handle, then ask Asterisk.
                self.broadcast(item, wakes);
                self.reconcile();
            }
            StreamItem::Node(notice) if notice.is_gap() => {
                // A node of a cluster went, restarted, or some of its
                // events were missed: the same as a reconnect, for every
                // handle (which node a handle is on is the transport's
                // business), and the listings end what is gone.
                self.broadcast(item, wakes);
                self.reconcile();
            }
            StreamItem::Node(_) => {}
            // The dispatcher is a tap: it is never sent a lag notice.
            StreamItem::Lagged { .. } | StreamItem::Connected => {}
        }
    }

    fn broadcast(&self, item: &StreamItem<V::Event>, wakes: &mut Wakes) {
        for tracker in self.registry.live() {
            tracker.deliver(item, wakes);
        }
    }

    fn dispatch_event(
        self: &Arc<Self>,
        event: &Arc<V::Event>,
        item: &StreamItem<V::Event>,
        wakes: &mut Wakes,
    ) {
        for tracker in self.registry.hits(event) {
            tracker.deliver(item, wakes);
        }
        match event.signal() {
            Signal::StasisStart { channel_id, .. } => self.incoming(channel_id, event),
            Signal::CallBroadcast { .. } => self.offer(event),
            Signal::StasisEnd { channel_id } => {
                self.end_with_dependents(
                    ResourceKind::Channel,
                    channel_id,
                    HandleEnded::LeftApplication,
                    event,
                );
            }
            Signal::ChannelDestroyed {
                channel_id,
                cause,
                cause_txt,
            } => {
                let reason = HandleEnded::HungUp {
                    cause,
                    cause_txt: cause_txt.to_string(),
                };
                self.end_with_dependents(ResourceKind::Channel, channel_id, reason, event);
            }
            Signal::BridgeDestroyed { bridge_id } => {
                self.end_with_dependents(
                    ResourceKind::Bridge,
                    bridge_id,
                    HandleEnded::Destroyed,
                    event,
                );
            }
            Signal::PlaybackFinished {
                playback_id, state, ..
            } => {
                let reason = if state == "failed" {
                    HandleEnded::Failed { cause: None }
                } else {
                    HandleEnded::Finished
                };
                self.end(ResourceKind::Playback, playback_id, reason, event);
            }
            Signal::RecordingFinished { name, .. } => {
                self.end(
                    ResourceKind::LiveRecording,
                    name,
                    HandleEnded::Finished,
                    event,
                );
            }
            Signal::RecordingFailed { name, cause, .. } => {
                let reason = HandleEnded::Failed {
                    cause: cause.map(str::to_string),
                };
                self.end(ResourceKind::LiveRecording, name, reason, event);
            }
            _ => {}
        }
    }

    fn end(&self, kind: ResourceKind, id: &str, reason: HandleEnded, event: &Arc<V::Event>) {
        match self.registry.get(kind, id) {
            Some(tracker) => {
                tracker.end(reason, Some(Arc::clone(event)));
            }
            // A call the application let go of is not remembered any more.
            None if kind == ResourceKind::Channel => self.registry.left(id),
            None => {}
        }
    }

    /// Ends a channel or bridge, and the playbacks and recordings on it
    /// that have not finished (a queued playback never reports): two
    /// lookups, whatever the number of live calls.
    fn end_with_dependents(
        &self,
        kind: ResourceKind,
        id: &str,
        reason: HandleEnded,
        event: &Arc<V::Event>,
    ) {
        self.end(kind, id, reason, event);
        for dependent in self.registry.dependents(kind, id) {
            dependent.end(
                HandleEnded::TargetGone {
                    kind,
                    id: id.to_string(),
                },
                None,
            );
        }
    }

    /// A channel entered the application: unless the application already
    /// follows it (an originated channel), it is a new call.
    /// A `CallBroadcast`: to the `Broadcasts` stream, if there is one (an
    /// offer nobody takes times out in Asterisk, whose dialplan goes on).
    fn offer(self: &Arc<Self>, event: &Arc<V::Event>) {
        let mut sender = lock(&self.broadcasts);
        let Some(offer) = Broadcast::new(Arc::clone(self), Arc::clone(event)) else {
            return;
        };
        if let Some(open) = sender.as_ref() {
            if open.send(offer).is_err() {
                *sender = None;
            }
        }
    }

    /// A new stream of offers, replacing any earlier one.
    pub(crate) fn broadcasts(&self) -> Broadcasts<V> {
        let (sender, receiver) = mpsc::unbounded_channel();
        // After the stream stopped for good the new stream ends at once.
        let open = lock(&self.calls).sender.is_some();
        *lock(&self.broadcasts) = open.then_some(sender);
        Broadcasts { receiver }
    }

    fn incoming(self: &Arc<Self>, channel_id: &str, event: &Arc<V::Event>) {
        // Already followed (recovered by a reconciliation, or a duplicate):
        // not a second call.
        let Some(tracker) =
            self.registry
                .track_new(ResourceKind::Channel, channel_id, Seen::Entering)
        else {
            return;
        };
        let events = tracker.subscribe();
        let channel = ChannelHandle::from_core(Core::new(Arc::clone(self), tracker, Some(events)));
        // Only a `StasisStart` brings a channel here.
        if let Some(call) = Call::new(channel, Arc::clone(event)) {
            lock(&self.calls).push(call);
        }
    }

    /// A call found in the application by the reconciliation, its
    /// `StasisStart` rebuilt: handed out like any other, marked recovered.
    /// `None` when a handle follows the channel after all (its
    /// `StasisStart` may have come while the listing was being read: then
    /// that made the call, and this makes none).
    pub(crate) fn recover(
        self: &Arc<Self>,
        channel_id: &str,
        start: Arc<V::Event>,
    ) -> Option<Arc<Tracker<V::Event>>> {
        let tracker = self
            .registry
            .track_new(ResourceKind::Channel, channel_id, Seen::Listed)?;
        let events = tracker.subscribe();
        if tracker.is_ended() {
            return None;
        }
        let core = Core::new(Arc::clone(self), Arc::clone(&tracker), Some(events));
        // The reconciliation rebuilds a `StasisStart`, never another event.
        let call = Call::recovered(ChannelHandle::from_core(core), start)?;
        lock(&self.calls).push(call);
        Some(tracker)
    }

    /// After a reconnect: re-read what is alive, end what is gone. One
    /// reconciliation at a time; a reconnect during one runs it again.
    ///
    /// One whose listings failed is tried again, after
    /// [`RECONCILE_RETRY_FIRST`], then twice as long each time up to
    /// [`RECONCILE_RETRY_MOST`], until they succeed: the channel listing is
    /// the only way to learn of a call whose `StasisStart` was lost, and
    /// right after a reconnect it may fail for a moment (Asterisk still
    /// starting, or in a cluster a node's proxy not back on NATS yet, which
    /// makes the merged listing incomplete). Retrying stops when the stream
    /// stops for good or the application drops its handles (the task holds
    /// the hub only while a reconciliation runs).
    fn reconcile(self: &Arc<Self>) {
        if self.reconciling.swap(true, Ordering::AcqRel) {
            self.reconcile_again.store(true, Ordering::Release);
            return;
        }
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut pause = RECONCILE_RETRY_FIRST;
            loop {
                let Some(hub) = weak.upgrade() else {
                    return;
                };
                hub.reconcile_again.store(false, Ordering::Release);
                let complete = reconcile::run(&hub).await;
                if hub.reconcile_again.load(Ordering::Acquire) {
                    pause = RECONCILE_RETRY_FIRST;
                    continue;
                }
                if complete || hub.stream_over.load(Ordering::Acquire) {
                    hub.reconciling.store(false, Ordering::Release);
                    // A request that came between the check and the store.
                    if hub.reconcile_again.swap(false, Ordering::AcqRel) {
                        hub.reconcile();
                    }
                    return;
                }
                drop(hub);
                tracing::debug!(?pause, "reconciliation incomplete: trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(RECONCILE_RETRY_MOST);
            }
        });
    }

    /// The stream stopped for good: nothing more will be known.
    fn stream_ended(&self) {
        self.stream_over.store(true, Ordering::Release);
        for tracker in self.registry.live() {
            tracker.end(HandleEnded::StreamClosed, None);
            tracker.close_streams();
        }
        // Dropping the senders ends the calls and offers streams once
        // they are drained.
        lock(&self.calls).sender = None;
        *lock(&self.broadcasts) = None;
    }
}

impl<V: VersionApi> Drop for Hub<V> {
    fn drop(&mut self) {
        if let Some(id) = lock(&self.tap).take() {
            self.stream.remove_tap(id);
        }
    }
}
