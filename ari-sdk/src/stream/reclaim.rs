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
//! So the connection task keeps one more `Arc` of each event it decoded, in
//! order, and every batch of frames lets go of those at the front that only
//! it still holds: it frees them itself. An event a consumer keeps for long
//! (an application may keep any event) holds the ones behind it only until
//! [`KEPT_AT_MOST`] are kept; then the oldest are let go whoever still holds
//! them, and that consumer frees it as before. While the socket is quiet the
//! connection task looks again every 20 ms until nothing is kept, so the
//! end of a burst does not leave its events alive until the next frame.

use std::collections::VecDeque;
use std::sync::Arc;

/// The most events kept at once: a few batches of a burst.
const KEPT_AT_MOST: usize = 4096;

/// The events decoded on this task that consumers may still hold, oldest
/// first.
pub(crate) struct Reclaim<E> {
    kept: VecDeque<Arc<E>>,
}

impl<E> Default for Reclaim<E> {
    fn default() -> Self {
        Reclaim {
            kept: VecDeque::new(),
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

    /// Frees the oldest events nobody else holds any more, up to the first
    /// one somebody does.
    pub(crate) fn release(&mut self) {
        while self
            .kept
            .front()
            .is_some_and(|event| Arc::strong_count(event) == 1)
        {
            self.kept.pop_front();
        }
        if self.kept.is_empty() && self.kept.capacity() > 64 {
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
    fn frees_what_only_it_holds_in_order() {
        let mut reclaim = Reclaim::default();
        let first = Arc::new(1);
        let second = Arc::new(2);
        let third = Arc::new(3);
        reclaim.keep(&first);
        reclaim.keep(&second);
        reclaim.keep(&third);
        drop(second);
        // The first is still held: nothing behind it goes either.
        reclaim.release();
        assert_eq!(reclaim.len(), 3);
        drop(first);
        reclaim.release();
        assert_eq!(
            reclaim.len(),
            1,
            "the first and second freed, the third held"
        );
        assert_eq!(Arc::strong_count(&third), 2);
        drop(third);
        reclaim.release();
        assert_eq!(reclaim.len(), 0);
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
