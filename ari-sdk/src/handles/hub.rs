//! The dispatcher of one application: reads the event stream once, routes
//! each already decoded event to the handles of the resources it names,
//! records ends, turns `StasisStart`s into calls and reconciles after gaps.
//!
//! Routing is a hash lookup per resource an event names (most name one or
//! two), never a second decode.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use futures::StreamExt as _;
use tokio::sync::{mpsc, watch};

use crate::error::Error;
use crate::stream::{EventStream, StreamError, StreamItem, Subscription};

use super::app::Call;
use super::channel::ChannelHandle;
use super::core::Core;
use super::ended::{HandleEnded, HandleError};
use super::tracker::Tracker;
use super::version::{ResourceEvent, Signal, VersionApi};
use crate::resource::ResourceKind;

/// Calls waiting for the application to take them.
const CALL_QUEUE: usize = 256;

type Trackers<E> = HashMap<Box<str>, Weak<Tracker<E>>>;

struct Registry<E> {
    by_kind: HashMap<ResourceKind, Trackers<E>>,
    inserts: u64,
}

impl<E: Send + Sync + 'static> Registry<E> {
    fn get(&self, kind: ResourceKind, id: &str) -> Option<Arc<Tracker<E>>> {
        self.by_kind.get(&kind)?.get(id)?.upgrade()
    }

    fn insert(&mut self, tracker: &Arc<Tracker<E>>) {
        self.inserts += 1;
        if self.inserts.is_multiple_of(64) {
            // Handles dropped since: forget them.
            for trackers in self.by_kind.values_mut() {
                trackers.retain(|_, weak| weak.strong_count() > 0);
            }
        }
        self.by_kind
            .entry(tracker.kind)
            .or_default()
            .insert(tracker.id.clone(), Arc::downgrade(tracker));
    }

    fn live(&self) -> Vec<Arc<Tracker<E>>> {
        self.by_kind
            .values()
            .flat_map(|trackers| trackers.values().filter_map(Weak::upgrade))
            .collect()
    }
}

struct CallSlot<V: VersionApi> {
    sender: mpsc::Sender<Call<V>>,
    /// The first queue, made with the hub so that no call is lost before
    /// the application asks for them.
    unclaimed: Option<mpsc::Receiver<Call<V>>>,
}

pub(crate) struct Hub<V: VersionApi> {
    pub(crate) ari: V,
    pub(crate) stream: EventStream<V::Event>,
    registry: Mutex<Registry<V::Event>>,
    calls: Mutex<CallSlot<V>>,
    /// Dropped with the hub, which stops the dispatcher.
    _shutdown: watch::Sender<()>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain data valid at every step: a panic elsewhere leaves it usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<V: VersionApi> Hub<V> {
    /// Subscribes to `stream` and starts the dispatcher.
    pub(crate) fn start(ari: V, stream: EventStream<V::Event>) -> Result<Arc<Self>, StreamError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| StreamError::NoRuntime)?;
        let subscription = stream.subscribe();
        let (shutdown, on_shutdown) = watch::channel(());
        let (sender, receiver) = mpsc::channel(CALL_QUEUE);
        let hub = Arc::new(Hub {
            ari,
            stream,
            registry: Mutex::new(Registry {
                by_kind: HashMap::new(),
                inserts: 0,
            }),
            calls: Mutex::new(CallSlot {
                sender,
                unclaimed: Some(receiver),
            }),
            _shutdown: shutdown,
        });
        runtime.spawn(dispatch_loop(
            Arc::downgrade(&hub),
            subscription,
            on_shutdown,
        ));
        Ok(hub)
    }

    /// The calls queue: the first one made, or a new one that takes over.
    pub(crate) fn take_calls(&self) -> mpsc::Receiver<Call<V>> {
        let mut slot = lock(&self.calls);
        if let Some(receiver) = slot.unclaimed.take() {
            return receiver;
        }
        let (sender, receiver) = mpsc::channel(CALL_QUEUE);
        slot.sender = sender;
        receiver
    }

    /// The tracker of a resource: the live one, or a new one.
    pub(crate) fn track(
        &self,
        kind: ResourceKind,
        id: &str,
        target: Option<(ResourceKind, Box<str>)>,
    ) -> Arc<Tracker<V::Event>> {
        let mut registry = lock(&self.registry);
        if let Some(tracker) = registry.get(kind, id) {
            if !tracker.is_ended() {
                return tracker;
            }
        }
        let tracker = Arc::new(Tracker::new(kind, id, target));
        registry.insert(&tracker);
        tracker
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

    fn dispatch(self: &Arc<Self>, item: StreamItem<V::Event>) {
        match &item {
            StreamItem::Event(event) => self.dispatch_event(event, &item),
            StreamItem::Disconnected { .. } => self.broadcast(&item),
            StreamItem::Reconnected { .. } | StreamItem::Lagged { .. } => {
                // Events were lost: tell every handle, then ask Asterisk.
                self.broadcast(&item);
                self.reconcile();
            }
            StreamItem::Error(_) => self.broadcast(&item),
            StreamItem::Connected => {}
        }
    }

    fn broadcast(&self, item: &StreamItem<V::Event>) {
        let live = lock(&self.registry).live();
        for tracker in live {
            tracker.deliver(item);
        }
    }

    fn dispatch_event(self: &Arc<Self>, event: &Arc<V::Event>, item: &StreamItem<V::Event>) {
        let mut hits: Vec<Arc<Tracker<V::Event>>> = Vec::new();
        {
            let registry = lock(&self.registry);
            event.for_each_resource(&mut |kind, id| {
                if let Some(tracker) = registry.get(kind, id) {
                    if !hits.iter().any(|hit| Arc::ptr_eq(hit, &tracker)) {
                        hits.push(tracker);
                    }
                }
            });
        }
        for tracker in &hits {
            tracker.deliver(item);
        }
        match event.signal() {
            Signal::StasisStart {
                channel_id, args, ..
            } => self.incoming(channel_id, args, event),
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
            Signal::PlaybackFinished { playback_id, .. } => {
                self.end(
                    ResourceKind::Playback,
                    playback_id,
                    HandleEnded::Finished,
                    event,
                );
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
        let tracker = lock(&self.registry).get(kind, id);
        if let Some(tracker) = tracker {
            tracker.end(reason, Some(Arc::clone(event)));
        }
    }

    /// Ends a channel or bridge, and the playbacks and recordings on it
    /// that have not finished (a queued playback never reports).
    fn end_with_dependents(
        &self,
        kind: ResourceKind,
        id: &str,
        reason: HandleEnded,
        event: &Arc<V::Event>,
    ) {
        let live = lock(&self.registry).live();
        for tracker in live {
            if tracker.kind == kind && *tracker.id == *id {
                tracker.end(reason.clone(), Some(Arc::clone(event)));
            } else if tracker
                .target
                .as_ref()
                .is_some_and(|(target_kind, target_id)| *target_kind == kind && **target_id == *id)
            {
                tracker.end(
                    HandleEnded::TargetGone {
                        kind,
                        id: id.to_string(),
                    },
                    None,
                );
            }
        }
    }

    /// A channel entered the application: unless the application already
    /// follows it (an originated channel), it is a new call.
    fn incoming(self: &Arc<Self>, channel_id: &str, args: &[String], event: &Arc<V::Event>) {
        if let Some(existing) = lock(&self.registry).get(ResourceKind::Channel, channel_id) {
            if !existing.is_ended() {
                return;
            }
        }
        let tracker = self.track(ResourceKind::Channel, channel_id, None);
        let events = tracker.subscribe();
        let channel = ChannelHandle::from_core(Core::new(Arc::clone(self), tracker, Some(events)));
        let call = Call::new(channel, args.to_vec(), Arc::clone(event));
        match lock(&self.calls).sender.try_send(call) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    channel_id,
                    "incoming call dropped: {CALL_QUEUE} calls wait for the application to take them"
                );
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::debug!(channel_id, "incoming call not taken: nobody reads calls()");
            }
        }
    }

    /// After a gap: re-reads every live resource; one that is gone ends.
    fn reconcile(self: &Arc<Self>) {
        let live: Vec<_> = lock(&self.registry)
            .live()
            .into_iter()
            .filter(|tracker| !tracker.is_ended())
            .collect();
        if live.is_empty() {
            return;
        }
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            tracing::debug!(handles = live.len(), "reconciling handles after a gap");
            let checks = live.into_iter().filter_map(|tracker| {
                let request = hub.ari.get_request(tracker.kind, &tracker.id)?;
                let sent = hub.ari.http().send_unit(request);
                Some(async move { (tracker, sent.await) })
            });
            for (tracker, result) in futures::future::join_all(checks).await {
                match result {
                    Ok(()) => {}
                    Err(error) if error.is_not_found() => {
                        tracker.end(HandleEnded::VanishedDuringReconnect, None);
                    }
                    Err(error) => tracing::warn!(
                        kind = %tracker.kind,
                        id = %tracker.id,
                        %error,
                        "cannot reconcile a handle"
                    ),
                }
            }
        });
    }

    /// The stream stopped for good: nothing more will be known.
    fn stream_ended(&self) {
        for tracker in lock(&self.registry).live() {
            tracker.end(HandleEnded::StreamClosed, None);
            tracker.close_streams();
        }
        // Dropping the sender ends the calls stream once it is drained.
        let (closed, _) = mpsc::channel(1);
        lock(&self.calls).sender = closed;
    }
}

async fn dispatch_loop<V: VersionApi>(
    hub: Weak<Hub<V>>,
    mut subscription: Subscription<V::Event>,
    mut on_shutdown: watch::Receiver<()>,
) {
    loop {
        let item = tokio::select! {
            item = subscription.next() => item,
            // Only ever an error: the hub, and with it the sender, is gone.
            _ = on_shutdown.changed() => return,
        };
        let Some(hub) = hub.upgrade() else {
            return;
        };
        match item {
            Some(item) => hub.dispatch(item),
            None => {
                hub.stream_ended();
                return;
            }
        }
    }
}
