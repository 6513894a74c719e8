//! Events decoded on the connection task are freed there too.
//!
//! An event several consumers take (ten subscribers, or a subscriber and
//! the handles) is decoded once, on the connection task, and each consumer
//! gets an `Arc` of it. Whichever consumer drops its `Arc` last frees the
//! event, on its own thread, memory the connection task's thread allocated.
//! The system allocator (glibc) returns such memory to the arena of the
//! thread that allocated it, under that arena's lock, which the connection
//! task takes for every event it decodes: in a burst the two threads then
//! queue for that lock on every event (the profile of ten subscribers
//! showed the lock's wake-ups, `_int_free` and `malloc_consolidate` among
//! its top entries). Measured with `perf stat` on `benches/stream.rs`
//! (variant e, ten subscribers, 400,000 frames): 7,400-9,100 futex system
//! calls without this, 1,100-1,200 with it.
//!
//! So the connection task keeps one more `Arc` of each event it decoded,
//! and every batch of frames frees those only it still holds. Some events
//! are held for long (a `Call` keeps its `StasisStart` for the whole call;
//! an application may keep any event): the ones at the front that are done
//! are dropped at once, and the whole list is swept only once it has
//! doubled since the last sweep, so the cost stays constant per event
//! however many long-held ones wait in it. At most [`KEPT_AT_MOST`] are
//! kept; beyond that the oldest is let go, and whoever still holds it
//! frees it as before. When the socket falls quiet the connection task
//! lets go of all of them after a moment ([`let_go`](Reclaim::let_go)): it
//! frees those nobody holds any more, and neither keeps the others alive
//! nor wakes up again for them.

use std::collections::VecDeque;
use std::sync::Arc;

/// The most events kept at once: a few batches of a burst.
const KEPT_AT_MOST: usize = 4096;

/// The list is swept no sooner than at this length.
const SWEEP_FROM: usize = 256;

/// The events decoded on this task that consumers may still hold, oldest
/// first.
pub(crate) struct Reclaim<E> {
    kept: VecDeque<Arc<E>>,
    /// The length at which the whole list is swept next.
    sweep_at: usize,
}

impl<E> Default for Reclaim<E> {
    fn default() -> Self {
        Reclaim {
            kept: VecDeque::new(),
            sweep_at: SWEEP_FROM,
        }
    }
}

impl<E> Reclaim<E> {
    /// Keeps `event` until its consumers are done with it.
    pub(crate) fn keep(&mut self, event: &Arc<E>) {
        self.kept.push_back(Arc::clone(event));
        if self.kept.len() > KEPT_AT_MOST {
            self.kept.pop_front();
        }
    }

    /// Frees the events nobody else holds any more: those at the front,
    /// and all of them when the list has doubled since the last sweep.
    pub(crate) fn release(&mut self) {
        while self
            .kept
            .front()
            .is_some_and(|event| Arc::strong_count(event) == 1)
        {
            self.kept.pop_front();
        }
        if self.kept.len() >= self.sweep_at {
            self.kept.retain(|event| Arc::strong_count(event) > 1);
            self.sweep_at = (self.kept.len() * 2).max(SWEEP_FROM);
        }
        if self.kept.is_empty() {
            self.let_go();
        }
    }

    /// Lets go of every event: those nobody else holds are freed here, the
    /// others by whoever drops them last.
    pub(crate) fn let_go(&mut self) {
        self.kept.clear();
        self.sweep_at = SWEEP_FROM;
        if self.kept.capacity() > 64 {
            // A burst is over: give its memory back.
            self.kept.shrink_to(8);
        }
    }

    /// Whether any event is kept.
    pub(crate) fn holds_any(&self) -> bool {
        !self.kept.is_empty()
    }

    /// How many are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frees_the_front_at_once_and_the_rest_when_swept() {
        let mut reclaim = Reclaim::default();
        let first = Arc::new(1);
        let second = Arc::new(2);
        reclaim.keep(&first);
        reclaim.keep(&second);
        drop(second);
        // The first is still held (a call's StasisStart): the second waits
        // behind it until a sweep.
        reclaim.release();
        assert_eq!(reclaim.len(), 2);
        let done: Vec<Arc<usize>> = (0..SWEEP_FROM).map(Arc::new).collect();
        for event in &done {
            reclaim.keep(event);
        }
        drop(done);
        reclaim.release();
        assert_eq!(reclaim.len(), 1, "swept: only the held one is left");
        assert_eq!(Arc::strong_count(&first), 2);
        drop(first);
        reclaim.release();
        assert_eq!(reclaim.len(), 0);
    }

    #[test]
    fn letting_go_keeps_nothing_alive() {
        let mut reclaim = Reclaim::default();
        let held = Arc::new(1);
        reclaim.keep(&held);
        reclaim.keep(&Arc::new(2));
        reclaim.let_go();
        assert_eq!(reclaim.len(), 0);
        assert!(!reclaim.holds_any());
        assert_eq!(Arc::strong_count(&held), 1, "its holder frees it");
    }

    #[test]
    fn keeps_a_bounded_number() {
        let mut reclaim = Reclaim::default();
        let held: Vec<Arc<usize>> = (0..KEPT_AT_MOST + 10).map(Arc::new).collect();
        for event in &held {
            reclaim.keep(event);
        }
        assert_eq!(reclaim.len(), KEPT_AT_MOST);
        // The oldest were let go: their holders are the only ones left.
        assert_eq!(Arc::strong_count(&held[0]), 1);
        assert_eq!(Arc::strong_count(&held[KEPT_AT_MOST + 9]), 2);
    }
}
