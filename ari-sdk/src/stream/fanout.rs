//! Who gets each item: the subscribers' queues, the taps that run inside
//! the connection task, and the types each of them wants.
//!
//! The connection task keeps a [`Route`], a snapshot of this table that it
//! refreshes only when the table changed (one atomic load per frame), so
//! publishing takes no lock but each queue's own.
//!
//! When every subscriber and every tap declared the types it wants, the
//! union is known, and a frame of another type is never decoded: the
//! connection task reads its `type` (a scan that stops at the key, which
//! Asterisk writes first) and moves on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use crate::sync::lock;

use super::frame::{Entry, Frame};
use super::queue::{ItemQueue, Wakes};
use super::{EventKind, StreamEvent, StreamItem, TypeSet};

/// Something that sees every item on the connection task itself, before any
/// subscriber: the handles' dispatcher. It must never wait (no lock held
/// for long, no blocking send), since the socket is not read meanwhile; in
/// exchange it never lags and never loses an item.
pub(crate) trait Tap<E>: Send + Sync {
    /// One item: an event of a type the tap wants, or any notice or error.
    /// Consumers it queues items for go to `wakes`.
    fn on_item(&self, item: &StreamItem<E>, wakes: &mut Wakes);

    /// The stream stopped for good.
    fn on_end(&self);
}

struct Subscriber<E: StreamEvent> {
    id: u64,
    queue: Arc<ItemQueue<E>>,
    interest: Option<TypeSet<E::Kind>>,
}

struct TapEntry<E: StreamEvent> {
    id: u64,
    tap: Arc<dyn Tap<E>>,
    interest: Option<TypeSet<E::Kind>>,
}

struct Table<E: StreamEvent> {
    subscribers: Vec<Subscriber<E>>,
    taps: Vec<TapEntry<E>>,
    next_id: u64,
    /// Set once the stream has stopped: `Some(error)` after a fatal error,
    /// which later subscribers get before their end.
    ended: Option<Option<StreamItem<E>>>,
}

/// The table of subscribers and taps of one stream.
pub(crate) struct Fanout<E: StreamEvent> {
    table: Mutex<Table<E>>,
    /// Bumped on every change of the table.
    generation: AtomicU64,
    /// Each subscriber's buffer.
    capacity: usize,
}

/// Whether a consumer with `interest` takes an event frame of type `kind`
/// (`None`: not read, as nobody filters by a type): one that declared no
/// type at all (notices only) never does.
fn takes_frame<K: EventKind>(interest: &Option<TypeSet<K>>, kind: Option<K>) -> bool {
    match interest {
        Some(types) if types.is_empty() => false,
        _ => allows(interest, kind),
    }
}

fn allows<K: EventKind>(interest: &Option<TypeSet<K>>, kind: Option<K>) -> bool {
    match (interest, kind) {
        (Some(types), Some(kind)) => types.contains(kind),
        // Notices and errors go to everyone; a subscriber without a
        // declared interest takes everything.
        _ => true,
    }
}

impl<E: StreamEvent> Fanout<E> {
    /// Each subscriber's buffer.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn new(capacity: usize) -> Self {
        Fanout {
            table: Mutex::new(Table {
                subscribers: Vec::new(),
                taps: Vec::new(),
                next_id: 0,
                ended: None,
            }),
            generation: AtomicU64::new(0),
            capacity,
        }
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// A new subscriber's queue and its id; from now on it gets every item.
    pub(crate) fn subscribe(&self) -> (u64, Arc<ItemQueue<E>>) {
        let queue = ItemQueue::new(self.capacity);
        let mut table = lock(&self.table);
        table.next_id += 1;
        let id = table.next_id;
        if let Some(terminal) = &table.ended {
            // Too late: say why the stream stopped, then end.
            if let Some(error) = terminal {
                queue.offer(error, &mut Wakes::default());
            }
            queue.finish();
            return (id, queue);
        }
        table.subscribers.push(Subscriber {
            id,
            queue: Arc::clone(&queue),
            interest: None,
        });
        drop(table);
        self.changed();
        (id, queue)
    }

    /// Narrows a subscriber to the given types.
    pub(crate) fn set_interest(&self, id: u64, types: TypeSet<E::Kind>) {
        let mut table = lock(&self.table);
        if let Some(subscriber) = table.subscribers.iter_mut().find(|s| s.id == id) {
            subscriber.interest = Some(types);
            drop(table);
            self.changed();
        }
    }

    pub(crate) fn unsubscribe(&self, id: u64) {
        let mut table = lock(&self.table);
        let before = table.subscribers.len();
        table.subscribers.retain(|s| s.id != id);
        let removed = table.subscribers.len() != before;
        drop(table);
        if removed {
            self.changed();
        }
    }

    /// Adds a tap that sees the events of `interest` (all with `None`) and
    /// every notice. False when the stream has already stopped.
    pub(crate) fn add_tap(
        &self,
        tap: Arc<dyn Tap<E>>,
        interest: Option<TypeSet<E::Kind>>,
    ) -> Option<u64> {
        let mut table = lock(&self.table);
        if table.ended.is_some() {
            return None;
        }
        table.next_id += 1;
        let id = table.next_id;
        table.taps.push(TapEntry { id, tap, interest });
        drop(table);
        self.changed();
        Some(id)
    }

    pub(crate) fn remove_tap(&self, id: u64) {
        let mut table = lock(&self.table);
        table.taps.retain(|t| t.id != id);
        drop(table);
        self.changed();
    }

    /// Brings `route` up to date with the table, if it changed.
    #[inline]
    pub(crate) fn refresh(&self, route: &mut Route<E>) {
        let generation = self.generation.load(Ordering::Acquire);
        if generation != route.generation {
            self.rebuild(route, generation);
        }
    }

    #[cold]
    fn rebuild(&self, route: &mut Route<E>, generation: u64) {
        let table = lock(&self.table);
        route.generation = generation;
        let mut before = std::mem::take(&mut route.subscribers);
        route.subscribers = table
            .subscribers
            .iter()
            .map(|s| {
                // What was held back for a subscriber stays its own; that of
                // one that unsubscribed goes with it.
                let pending = before
                    .iter_mut()
                    .find(|outlet| Arc::ptr_eq(&outlet.queue, &s.queue))
                    .map(|outlet| std::mem::take(&mut outlet.pending))
                    .unwrap_or_default();
                Outlet {
                    queue: Arc::clone(&s.queue),
                    interest: s.interest.clone(),
                    pending,
                }
            })
            .collect();
        route.taps = table
            .taps
            .iter()
            .map(|t| (Arc::clone(&t.tap), t.interest.clone()))
            .collect();
        let mut wanted = Some(TypeSet::none());
        let interests = table
            .subscribers
            .iter()
            .map(|s| &s.interest)
            .chain(table.taps.iter().map(|t| &t.interest));
        route.filters = false;
        for interest in interests {
            // An empty interest (notices only) needs no frame's type.
            route.filters |= interest.as_ref().is_some_and(|types| !types.is_empty());
            match (interest, &mut wanted) {
                (Some(types), Some(union)) => union.extend_from(types),
                _ => wanted = None,
            }
        }
        route.wanted = wanted;
    }

    /// The stream stopped: every subscriber ends once drained (after the
    /// fatal error, if any), every tap hears of it, later subscribers get the
    /// error and end at once.
    pub(crate) fn finish(&self, terminal: Option<StreamItem<E>>) {
        let (subscribers, taps) = {
            let mut table = lock(&self.table);
            if table.ended.is_some() {
                return;
            }
            table.ended = Some(terminal);
            (
                std::mem::take(&mut table.subscribers),
                std::mem::take(&mut table.taps),
            )
        };
        self.changed();
        for subscriber in subscribers {
            subscriber.queue.finish();
        }
        for entry in taps {
            entry.tap.on_end();
        }
    }
}

/// The consumers to wake once items were published: those of the taps
/// (the handles' streams) and the subscribers, flushed at different paces
/// (see `connection.rs`).
#[derive(Default)]
pub(crate) struct RouteWakes {
    pub(crate) taps: Wakes,
    pub(crate) subscribers: Wakes,
}

/// The types one subscriber or tap wants; `None` for all.
type Interest<E> = Option<TypeSet<<E as StreamEvent>::Kind>>;

/// A subscriber as the connection task sees it: its queue, the types it
/// wants, and the entries held back for it since the last
/// [`flush`](Route::flush).
struct Outlet<E: StreamEvent> {
    queue: Arc<ItemQueue<E>>,
    interest: Interest<E>,
    pending: Vec<Entry<E>>,
}

/// The connection task's copy of the table.
///
/// Events for the subscribers are held back in each one's `pending` and
/// queued together by [`flush`](Route::flush), under one lock per
/// subscriber and batch instead of one per subscriber and event: the
/// connection task flushes when it wakes the subscribers (every so many
/// frames of a burst, and before it waits for the socket), so a consumer
/// would not have seen them any earlier.
pub(crate) struct Route<E: StreamEvent> {
    generation: u64,
    subscribers: Vec<Outlet<E>>,
    taps: Vec<(Arc<dyn Tap<E>>, Interest<E>)>,
    /// The types someone wants; `None` when someone wants everything (then
    /// nothing is skipped).
    wanted: Option<TypeSet<E::Kind>>,
    /// Someone declared the types it wants: a frame's type must be known
    /// (scanned) to route it. When nobody did, no frame is scanned.
    filters: bool,
}

impl<E: StreamEvent> Route<E> {
    /// An empty route, refreshed before first use.
    pub(crate) fn new() -> Self {
        Route {
            // The table starts at 0: force the first refresh.
            generation: u64::MAX,
            subscribers: Vec::new(),
            taps: Vec::new(),
            wanted: None,
            filters: false,
        }
    }

    /// Whether routing a frame needs its type.
    #[inline]
    pub(crate) fn filters(&self) -> bool {
        self.filters
    }

    /// The types someone wants, when not everything is wanted.
    #[inline]
    pub(crate) fn wanted(&self) -> Option<&TypeSet<E::Kind>> {
        self.wanted.as_ref()
    }

    /// Hands a notice (never dropped) to the taps first, then to the
    /// subscribers, after whatever was held back for them.
    pub(crate) fn publish(&mut self, item: &StreamItem<E>, wakes: &mut RouteWakes) {
        for (tap, _) in &self.taps {
            tap.on_item(item, &mut wakes.taps);
        }
        // Nothing is held back here in practice: the connection task
        // flushes (patiently) before it publishes a notice.
        self.flush(&mut wakes.subscribers, false);
        let entry = Entry::from(item.clone());
        for outlet in &self.subscribers {
            outlet.queue.offer_entry(&entry, &mut wakes.subscribers);
        }
    }

    /// Hands a malformed frame's error (for everyone, dropped like an
    /// event when a queue is full) to the taps, and holds it back for the
    /// subscribers with the events.
    pub(crate) fn publish_error(&mut self, item: &StreamItem<E>, wakes: &mut RouteWakes) {
        for (tap, _) in &self.taps {
            tap.on_item(item, &mut wakes.taps);
        }
        for outlet in &mut self.subscribers {
            outlet.pending.push(Entry::from(item.clone()));
        }
    }

    /// Hands an event frame (of type `kind`, when known) to the taps that
    /// want it, decoding it for them here, and holds it back for the
    /// subscribers that want it. A frame only one subscriber takes is
    /// decoded by that subscriber when it reaches it (unless a tap needed
    /// it); one that several take is decoded here, once, rather than by
    /// whichever of them comes first while the others wait for it.
    pub(crate) fn publish_frame(
        &mut self,
        frame: &Frame<E>,
        kind: Option<E::Kind>,
        wakes: &mut RouteWakes,
    ) {
        let mut decoded = false;
        for (tap, interest) in &self.taps {
            if takes_frame(interest, kind) {
                tap.on_item(frame.item(), &mut wakes.taps);
                decoded = true;
            }
        }
        let takers = self
            .subscribers
            .iter()
            .filter(|outlet| takes_frame(&outlet.interest, kind))
            .take(2)
            .count();
        if takers == 0 {
            return;
        }
        let entry = if decoded || takers > 1 {
            // The queues get the event, not the frame: the frame's text
            // goes now rather than when the slowest subscriber is done.
            Entry::from(frame.item().clone())
        } else {
            Entry::Frame(frame.detached())
        };
        for outlet in &mut self.subscribers {
            if takes_frame(&outlet.interest, kind) {
                outlet.pending.push(entry.clone());
            }
        }
    }

    /// Queues what was held back for each subscriber; their consumers go
    /// to `wakes`. With `patient`, a subscriber whose queue is full before
    /// it ever lost anything keeps the rest held back (see
    /// [`held_back`](Self::held_back)); otherwise the rest is counted as
    /// lost.
    pub(crate) fn flush(&mut self, wakes: &mut Wakes, patient: bool) {
        for outlet in &mut self.subscribers {
            if !outlet.pending.is_empty() {
                outlet
                    .queue
                    .offer_batch(&mut outlet.pending, wakes, patient);
            }
        }
    }

    /// Whether a patient [`flush`](Self::flush) left something held back.
    pub(crate) fn held_back(&self) -> bool {
        self.subscribers
            .iter()
            .any(|outlet| !outlet.pending.is_empty())
    }

    /// Gives the subscribers whose queues were full a moment to make room,
    /// until `deadline`; what still does not fit then is counted as lost.
    /// Their consumers are woken through `wakes` before each wait.
    pub(crate) async fn make_room(&mut self, deadline: Instant, wakes: &mut Wakes) {
        for outlet in &mut self.subscribers {
            while !outlet.pending.is_empty() {
                wakes.flush();
                if !outlet.queue.room_by(deadline).await {
                    tracing::debug!("a subscriber stayed full; its missed events are counted");
                    outlet.queue.offer_batch(&mut outlet.pending, wakes, false);
                    break;
                }
                outlet.queue.offer_batch(&mut outlet.pending, wakes, true);
            }
        }
        wakes.flush();
    }
}
