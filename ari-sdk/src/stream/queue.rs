//! One consumer's queue of items, bounded for events, with an exact account
//! of what it could not hold.
//!
//! Every [`Subscription`](super::Subscription) and every handle's event
//! stream reads from one of these. The producer (the connection task, or the
//! handles' dispatcher running inside it) never waits: when the queue holds
//! `capacity` items, a further event (or malformed-frame error) is not
//! queued but counted, together with the resources it named. The consumer
//! first gets everything queued before the gap, then one
//! [`StreamItem::Lagged`] with the exact count and the resources, then what
//! came after: the gap sits exactly where the events went missing.
//!
//! A subscriber's queue gets a moment first: when it is full and its
//! consumer has not lost anything yet, the connection task waits for room a
//! short while ([`ItemQueue::offer_batch`], [`ItemQueue::room_by`])
//! before counting, so a consumer thread the OS left unscheduled for a few
//! milliseconds in a burst loses nothing. A consumer that lost items gets no
//! such wait again until it has caught up, so a slow one cannot hold the
//! socket back. Handles' queues are never waited for.
//!
//! The connection task queues a subscriber's events in batches
//! ([`ItemQueue::offer_batch`]: one lock per batch, not per event), at the
//! moments it wakes the consumers anyway (see `fanout.rs`).
//!
//! Connection notices (`Connected`, `Disconnected`, `Reconnected`) and the
//! fatal error are never dropped: they are rare, and a consumer must learn of
//! them in order even when it fell behind.
//!
//! A subscriber's queue holds frames rather than events
//! ([`Entry::Frame`]): the consumer decodes one when it takes it, unless
//! another consumer of the same frame already did (see `frame.rs`).
//!
//! A producer waiting for room is woken when the queue has drained to
//! three quarters of its capacity, not on every item taken: it then refills
//! a quarter at once, instead of trading one wake-up per item with the
//! consumer.
//!
//! Nothing is allocated until the first item is queued (a `VecDeque` starts
//! empty), so a handle nobody reads from costs a few dozen bytes.
//!
//! Waking a consumer is deferred: [`ItemQueue::offer`] hands the consumer's
//! waker to a [`Wakes`] list, which the producer empties every so many
//! frames of a burst (an eighth of a subscriber's buffer, at most 128; 16
//! for the handles' queues) and whenever it is about to wait for the
//! socket. A burst then costs one wake-up per consumer per batch instead of
//! one per item: a wake-up that finds the runtime's other worker thread
//! parked is a system call and a context switch, dearer than decoding an
//! event, and with ten subscribers those were a quarter of the time.
//!
//! A subscriber takes up to an eighth of its buffer (at most 256 items) at
//! once ([`ItemQueue::poll_batch`]): one lock per batch instead of one per
//! item, so the connection task and
//! the consumer do not trade the lock's cache line on every item. What it
//! took counts against its capacity until it comes back for more, so the
//! bound stays exact.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::resource::{ResourceId, ResourceKind};
use crate::sync::lock;

use super::frame::Entry;
use super::{StreamEvent, StreamItem};

/// The most items a batch consumer takes at once.
const TAKE_BATCH: usize = 256;

/// Wakers of consumers that have items waiting, woken together by
/// [`flush`](Wakes::flush) (and when dropped, so none is ever forgotten).
#[derive(Default)]
pub(crate) struct Wakes {
    wakers: Vec<Waker>,
}

impl Wakes {
    pub(crate) fn push(&mut self, waker: Waker) {
        self.wakers.push(waker);
    }

    /// Wakes them all.
    pub(crate) fn flush(&mut self) {
        for waker in self.wakers.drain(..) {
            waker.wake();
        }
    }
}

impl Drop for Wakes {
    fn drop(&mut self) {
        self.flush();
    }
}

/// What a consumer missed since it last heard of a loss.
#[derive(Default)]
struct Loss {
    missed: u64,
    /// The ids each kind of resource the lost events named, each once.
    concerned: BTreeMap<ResourceKind, BTreeSet<String>>,
}

impl Loss {
    fn record<E: StreamEvent>(&mut self, entry: &Entry<E>) {
        self.missed += 1;
        // A frame is decoded here, on the producer, to learn what it named.
        if let Some(event) = entry.event() {
            event.for_each_resource(&mut |kind, id| {
                let ids = self.concerned.entry(kind).or_default();
                // Most lost events name a resource already counted: a
                // lookup by `&str` first, the key allocated only when new.
                if !ids.contains(id) {
                    ids.insert(id.to_owned());
                }
            });
        }
    }

    fn into_notice<E>(self) -> StreamItem<E> {
        StreamItem::Lagged {
            missed: self.missed,
            concerned: self
                .concerned
                .into_iter()
                .flat_map(|(kind, ids)| ids.into_iter().map(move |id| ResourceId { kind, id }))
                .collect(),
        }
    }
}

struct State<E> {
    items: VecDeque<Entry<E>>,
    /// `None` until something was lost: the common case stays small.
    loss: Option<Box<Loss>>,
    waker: Option<Waker>,
    /// No item will come any more; the consumer ends once drained.
    finished: bool,
    /// The consumer is gone; the producer forgets the queue.
    abandoned: bool,
    /// It lost items and has not yet caught up (drained to empty): the
    /// producer does not wait for it again until it has.
    lagging: bool,
    /// The producer waits for room: the consumer says when it took an item.
    room_wanted: bool,
    /// Items a batch consumer ([`ItemQueue::poll_batch`]) took at once and
    /// may not have read yet: they still count against the capacity until it
    /// comes back for more.
    taken: usize,
}

impl<E> State<E> {
    /// The consumer found nothing queued: the lag notice, the end, or
    /// (its waker kept) nothing yet.
    fn drained(&mut self, cx: &mut Context<'_>) -> Poll<Option<StreamItem<E>>> {
        // Drained: it caught up.
        self.lagging = false;
        if let Some(loss) = self.loss.take() {
            return Poll::Ready(Some(loss.into_notice()));
        }
        if self.finished {
            return Poll::Ready(None);
        }
        match &mut self.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The consumer took items: gives a drained queue's memory back, notes
    /// that it caught up, and says whether a producer waiting for room is to
    /// be woken (the queue is down to `low_water`).
    fn took(&mut self, low_water: usize) -> bool {
        if self.items.is_empty() {
            if self.items.capacity() > 64 {
                // A burst is over: give its memory back.
                self.items.shrink_to(8);
            }
            if self.loss.is_none() {
                // Caught up: worth waiting for again.
                self.lagging = false;
            }
        }
        let room_wanted = self.room_wanted && self.occupied() <= low_water;
        if room_wanted {
            self.room_wanted = false;
        }
        room_wanted
    }

    /// The room the consumer's items use: queued, taken in a batch but
    /// maybe not read, and the place of a pending lag notice.
    fn occupied(&self) -> usize {
        self.items.len() + self.taken + usize::from(self.loss.is_some())
    }
}

/// What became of an offered item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offer {
    /// Queued, or counted as lost.
    Taken,
    /// Full, and the consumer had not lost anything yet: nothing counted,
    /// the producer may give it a moment ([`ItemQueue::room_by`]) and offer
    /// again.
    Full,
    /// The consumer is gone.
    Gone,
}

/// A queue between one producer that never waits and one consumer.
pub(crate) struct ItemQueue<E> {
    capacity: usize,
    state: Mutex<State<E>>,
    room: Notify,
}

impl<E: StreamEvent> ItemQueue<E> {
    /// A queue holding up to `capacity` events (at least one).
    pub(crate) fn new(capacity: usize) -> Arc<Self> {
        Arc::new(ItemQueue {
            capacity: capacity.max(1),
            state: Mutex::new(State {
                items: VecDeque::new(),
                loss: None,
                waker: None,
                finished: false,
                abandoned: false,
                lagging: false,
                room_wanted: false,
                taken: 0,
            }),
            room: Notify::new(),
        })
    }

    /// Queues `item`, or counts it when the queue is full and the item may be
    /// dropped; the consumer's waker, if it waits, goes to `wakes`. False
    /// once the consumer is gone.
    pub(crate) fn offer(&self, item: &StreamItem<E>, wakes: &mut Wakes) -> bool {
        self.offer_entry(&Entry::from(item.clone()), wakes)
    }

    /// [`offer`](Self::offer) for a queue entry (a frame, maybe not decoded yet).
    pub(crate) fn offer_entry(&self, entry: &Entry<E>, wakes: &mut Wakes) -> bool {
        let waker = {
            let mut state = lock(&self.state);
            if state.abandoned {
                return false;
            }
            if state.finished {
                return true;
            }
            let droppable = match entry {
                // An event, or a malformed frame's error.
                Entry::Event(_) | Entry::Frame(_) => true,
                Entry::Other(item) => item.error().is_some_and(|error| !error.is_fatal()),
            };
            // Room for the lag notice and the item, so the gap keeps its place.
            let room = state.occupied() < self.capacity;
            if droppable && !room {
                state.lagging = true;
                state.loss.get_or_insert_with(Box::default).record(entry);
                return true;
            }
            if let Some(loss) = state.loss.take() {
                state.items.push_back(Entry::from(loss.into_notice()));
            }
            state.items.push_back(entry.clone());
            state.waker.take()
        };
        if let Some(waker) = waker {
            wakes.push(waker);
        }
        true
    }

    /// Queues the entries of `batch` in order under one lock: events, or
    /// malformed frames' errors (items that may be dropped; notices go
    /// through [`offer`](Self::offer)). What does not fit is counted as
    /// lost, or, when `patient` and the consumer has not lost anything yet,
    /// left in `batch` with [`Offer::Full`] for the producer to give it a
    /// moment ([`room_by`](Self::room_by)) and offer again. `batch` is empty
    /// unless the answer is `Full`.
    pub(crate) fn offer_batch(
        &self,
        batch: &mut Vec<Entry<E>>,
        wakes: &mut Wakes,
        patient: bool,
    ) -> Offer {
        if batch.is_empty() {
            return Offer::Taken;
        }
        let waker = {
            let mut state = lock(&self.state);
            if state.abandoned {
                batch.clear();
                return Offer::Gone;
            }
            if state.finished {
                batch.clear();
                return Offer::Taken;
            }
            let room = self.capacity.saturating_sub(state.occupied());
            let fit = room.min(batch.len());
            if fit > 0 {
                if let Some(loss) = state.loss.take() {
                    state.items.push_back(Entry::from(loss.into_notice()));
                }
                state.items.extend(batch.drain(..fit));
            }
            if !batch.is_empty() {
                if patient && !state.lagging {
                    state.room_wanted = true;
                    let waker = state.waker.take();
                    drop(state);
                    if let Some(waker) = waker {
                        wakes.push(waker);
                    }
                    return Offer::Full;
                }
                state.lagging = true;
                let loss = state.loss.get_or_insert_with(Box::default);
                for entry in batch.drain(..) {
                    loss.record(&entry);
                }
            }
            if fit > 0 {
                state.waker.take()
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            wakes.push(waker);
        }
        Offer::Taken
    }

    /// How many items a batch consumer takes at once: an eighth of the
    /// capacity, at most [`TAKE_BATCH`]. What it took still counts against
    /// the capacity, so a consumer that decodes a large batch would keep
    /// the producer waiting.
    fn take_batch(&self) -> usize {
        (self.capacity / 8).clamp(1, TAKE_BATCH)
    }

    /// The length at or below which a producer waiting for room is woken.
    fn low_water(&self) -> usize {
        self.capacity - (self.capacity / 4).max(1)
    }

    /// Waits until the queue has room (or its consumer is gone), at most
    /// until `deadline`; true when there is room.
    pub(crate) async fn room_by(&self, deadline: Instant) -> bool {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            // Registered before looking, so a take in between still wakes us.
            notified.as_mut().enable();
            {
                let mut state = lock(&self.state);
                let room = state.occupied() < self.capacity;
                if room || state.abandoned || state.finished {
                    return true;
                }
                state.room_wanted = true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }

    /// No more items: the consumer ends once it has read what is queued.
    pub(crate) fn finish(&self) {
        let waker = {
            let mut state = lock(&self.state);
            state.finished = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The consumer's side: the next item, the lag notice once the queue is
    /// drained past a gap, or the end.
    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<StreamItem<E>>> {
        let mut state = lock(&self.state);
        if let Some(entry) = state.items.pop_front() {
            let room_wanted = state.took(self.low_water());
            drop(state);
            if room_wanted {
                self.room.notify_waiters();
            }
            // Decoded (if need be) outside the lock: the producer goes on.
            return Poll::Ready(Some(entry.into_item()));
        }
        state.drained(cx)
    }

    /// [`poll_next`](Self::poll_next) for a consumer with a buffer of its
    /// own, `local`: when `local` is empty it takes a batch of what is
    /// queued at once ([`take_batch`](Self::take_batch); one lock per batch
    /// instead of one per item, so the producer and the consumer do not
    /// trade the lock's cache line on every item). The batch counts against
    /// the capacity until the consumer comes back for more, so the consumer
    /// never holds more than `capacity` items in all.
    pub(crate) fn poll_batch(
        &self,
        local: &mut VecDeque<Entry<E>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<StreamItem<E>>> {
        if let Some(entry) = local.pop_front() {
            return Poll::Ready(Some(entry.into_item()));
        }
        let mut state = lock(&self.state);
        // Everything taken before has been read.
        state.taken = 0;
        if !state.items.is_empty() {
            let batch = state.items.len().min(self.take_batch());
            local.extend(state.items.drain(..batch));
            state.taken = batch;
        }
        let room_wanted = state.took(self.low_water());
        let polled = match local.pop_front() {
            Some(entry) => Ok(entry),
            None => Err(state.drained(cx)),
        };
        drop(state);
        if room_wanted {
            self.room.notify_waiters();
        }
        match polled {
            // Decoded (if need be) outside the lock: the producer goes on.
            Ok(entry) => Poll::Ready(Some(entry.into_item())),
            Err(end) => end,
        }
    }

    /// Items queued now.
    pub(crate) fn len(&self) -> usize {
        lock(&self.state).items.len()
    }

    /// The consumer went away: drop what is queued, refuse what comes.
    pub(crate) fn abandon(&self) {
        let mut state = lock(&self.state);
        state.abandoned = true;
        state.items = VecDeque::new();
        state.taken = 0;
        state.loss = None;
        state.waker = None;
        drop(state);
        // A producer waiting for room need not wait any longer.
        self.room.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker;

    type Item = StreamItem<serde_json::Value>;

    /// What `poll` gives at once.
    fn ready(poll: impl FnOnce(&mut Context<'_>) -> Poll<Option<Item>>) -> Option<Item> {
        let waker = noop_waker();
        match poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(item) => item,
            Poll::Pending => panic!("nothing queued"),
        }
    }

    fn next(queue: &ItemQueue<serde_json::Value>) -> Option<Item> {
        ready(|cx| queue.poll_next(cx))
    }

    fn event(n: u64) -> StreamItem<serde_json::Value> {
        StreamItem::Event(Arc::new(serde_json::json!({ "type": "X", "n": n })))
    }

    fn number(item: Option<StreamItem<serde_json::Value>>) -> u64 {
        item.and_then(|item| item.event().map(|e| e["n"].as_u64().unwrap()))
            .expect("an event")
    }

    #[test]
    fn a_full_queue_counts_exactly_and_keeps_the_gap_in_place() {
        let queue = ItemQueue::new(4);
        for n in 0..10 {
            assert!(queue.offer(&event(n), &mut Wakes::default()));
        }
        // The connection notice is never dropped, and comes after the gap.
        assert!(queue.offer(&StreamItem::Connected, &mut Wakes::default()));
        for n in 0..4 {
            assert_eq!(number(next(&queue)), n);
        }
        match next(&queue) {
            Some(StreamItem::Lagged { missed, concerned }) => {
                assert_eq!(missed, 6);
                assert!(concerned.is_empty(), "untyped events name nothing");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(next(&queue), Some(StreamItem::Connected)));
        queue.finish();
        assert!(next(&queue).is_none());
    }

    #[test]
    fn the_notice_comes_when_the_queue_drains_even_if_nothing_follows() {
        let queue = ItemQueue::new(1);
        queue.offer(&event(0), &mut Wakes::default());
        queue.offer(&event(1), &mut Wakes::default());
        assert_eq!(number(next(&queue)), 0);
        assert!(matches!(
            next(&queue),
            Some(StreamItem::Lagged { missed: 1, .. })
        ));
        // Room again: nothing lost since.
        queue.offer(&event(2), &mut Wakes::default());
        assert_eq!(number(next(&queue)), 2);
    }

    fn next_batch(
        queue: &ItemQueue<serde_json::Value>,
        local: &mut VecDeque<Entry<serde_json::Value>>,
    ) -> Option<Item> {
        ready(|cx| queue.poll_batch(local, cx))
    }

    #[test]
    fn a_batch_counts_against_the_capacity_until_it_is_read() {
        // Batches of 16 / 8 = 2 items.
        let queue = ItemQueue::new(16);
        let mut local = VecDeque::new();
        for n in 0..3 {
            queue.offer(&event(n), &mut Wakes::default());
        }
        // Takes 0 and 1, hands out 0.
        assert_eq!(number(next_batch(&queue, &mut local)), 0);
        assert_eq!(queue.len(), 1);
        // 14 queued and 2 taken fill the 16: the last one is lost.
        for n in 3..17 {
            queue.offer(&event(n), &mut Wakes::default());
        }
        assert_eq!(queue.len(), 14);
        for n in 1..16 {
            assert_eq!(number(next_batch(&queue, &mut local)), n);
        }
        assert!(matches!(
            next_batch(&queue, &mut local),
            Some(StreamItem::Lagged { missed: 1, .. })
        ));
        queue.offer(&event(17), &mut Wakes::default());
        queue.offer(&StreamItem::Connected, &mut Wakes::default());
        queue.finish();
        assert_eq!(number(next_batch(&queue, &mut local)), 17);
        assert!(matches!(
            next_batch(&queue, &mut local),
            Some(StreamItem::Connected)
        ));
        assert!(next_batch(&queue, &mut local).is_none());
    }

    #[tokio::test]
    async fn a_producer_waiting_for_room_is_woken_at_three_quarters() {
        let queue = ItemQueue::new(8);
        for n in 0..8 {
            queue.offer(&event(n), &mut Wakes::default());
        }
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        let room = queue.room_by(deadline);
        tokio::pin!(room);
        assert!(futures::poll!(room.as_mut()).is_pending());
        // One slot free: not worth a wake-up yet.
        assert_eq!(number(next(&queue)), 0);
        assert!(futures::poll!(room.as_mut()).is_pending());
        // Down to 6 of 8: the producer goes on, and can refill a quarter.
        assert_eq!(number(next(&queue)), 1);
        assert_eq!(futures::poll!(room.as_mut()), Poll::Ready(true));
    }

    #[tokio::test]
    async fn an_abandoned_queue_releases_a_waiting_producer() {
        let queue = ItemQueue::new(1);
        queue.offer(&event(0), &mut Wakes::default());
        let room = queue.room_by(Instant::now() + std::time::Duration::from_secs(60));
        tokio::pin!(room);
        assert!(futures::poll!(room.as_mut()).is_pending());
        queue.abandon();
        assert_eq!(futures::poll!(room.as_mut()), Poll::Ready(true));
    }

    #[test]
    fn an_abandoned_queue_refuses_items() {
        let queue = ItemQueue::new(2);
        queue.offer(&event(0), &mut Wakes::default());
        queue.abandon();
        assert!(!queue.offer(&event(1), &mut Wakes::default()));
        assert_eq!(queue.len(), 0);
    }

    fn entries(numbers: std::ops::Range<u64>) -> Vec<Entry<serde_json::Value>> {
        numbers.map(|n| Entry::from(event(n))).collect()
    }

    #[test]
    fn a_patient_batch_keeps_what_does_not_fit_and_counts_nothing() {
        let queue = ItemQueue::new(4);
        let mut batch = entries(0..6);
        assert_eq!(
            queue.offer_batch(&mut batch, &mut Wakes::default(), true),
            Offer::Full
        );
        assert_eq!(batch.len(), 2, "the two that did not fit are held back");
        assert_eq!(queue.len(), 4);
        for n in 0..4 {
            assert_eq!(number(next(&queue)), n);
        }
        assert_eq!(
            queue.offer_batch(&mut batch, &mut Wakes::default(), true),
            Offer::Taken
        );
        assert!(batch.is_empty());
        assert_eq!(number(next(&queue)), 4);
        assert_eq!(number(next(&queue)), 5);
        queue.finish();
        assert!(next(&queue).is_none(), "nothing lost, no notice");
    }

    #[test]
    fn an_impatient_batch_counts_exactly_and_keeps_the_gap_in_place() {
        let queue = ItemQueue::new(4);
        let mut batch = entries(0..10);
        assert_eq!(
            queue.offer_batch(&mut batch, &mut Wakes::default(), false),
            Offer::Taken
        );
        assert!(batch.is_empty());
        // A lagging consumer gets no patience until it has caught up.
        let mut more = entries(10..12);
        assert_eq!(
            queue.offer_batch(&mut more, &mut Wakes::default(), true),
            Offer::Taken
        );
        for n in 0..4 {
            assert_eq!(number(next(&queue)), n);
        }
        assert!(matches!(
            next(&queue),
            Some(StreamItem::Lagged { missed: 8, .. })
        ));
        // Caught up: the next batch is queued whole, after the notice.
        let mut after = entries(12..14);
        queue.offer_batch(&mut after, &mut Wakes::default(), true);
        assert_eq!(number(next(&queue)), 12);
        assert_eq!(number(next(&queue)), 13);
    }
}
