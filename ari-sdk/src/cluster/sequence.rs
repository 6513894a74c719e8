//! The proxies' event numbers (`Ari-Proxy-Seq`, per proxy process and
//! application): which events never arrived, and which arrived twice.
//!
//! On core NATS a proxy's events arrive in the order it published them, so
//! a gap is final when it is seen. Through a durable consumer they may not:
//! an event the proxy had to store again, or one delivered to a reader that
//! stopped and delivered again after the acknowledgement wait, comes after
//! later ones. There a missing number is only counted as missed once it has
//! been missing for the settling time; one that comes before is delivered
//! like any other. A number seen before is a duplicate (a redelivery) and
//! is dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

/// Missing numbers remembered per proxy process and application; beyond
/// this the oldest are counted as missed at once.
const MAX_PENDING: usize = 65_536;

/// What one event's number says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Numbered {
    /// Deliver it.
    Deliver,
    /// Seen before: drop it.
    Duplicate,
}

/// Events counted as missed: `(node, application, count)`.
pub(crate) type Settled = Vec<(Arc<str>, String, u64)>;

#[derive(Debug)]
struct Track {
    instance: String,
    /// The first number seen of this process.
    base: u64,
    high: u64,
    /// Missing numbers between `base` and `high`, and when each counts as
    /// missed.
    missing: BTreeMap<u64, Instant>,
    /// Numbers below `base` seen since (a durable consumer delivering again
    /// what a reader before this one did not acknowledge, after later
    /// ones), to drop their repeats.
    early: BTreeSet<u64>,
}

/// The numbers of every (node, application).
#[derive(Debug)]
pub(crate) struct Sequences {
    /// How long a number may be missing before it counts as missed (zero:
    /// at once).
    settle: Duration,
    /// Per node, per application: looked up without allocating, per event.
    tracks: HashMap<Arc<str>, HashMap<String, Track>>,
}

impl Sequences {
    pub(crate) fn new(settle: Duration) -> Sequences {
        Sequences {
            settle,
            tracks: HashMap::new(),
        }
    }

    /// Takes the number `seq` of proxy process `instance` for `app` on
    /// `node` in; what became missed is added to `settled`.
    pub(crate) fn take(
        &mut self,
        node: &Arc<str>,
        app: &str,
        instance: &str,
        seq: u64,
        now: Instant,
        settled: &mut Settled,
    ) -> Numbered {
        if !self.tracks.contains_key(&**node) {
            self.tracks.insert(Arc::clone(node), HashMap::new());
        }
        let Some(apps) = self.tracks.get_mut(&**node) else {
            return Numbered::Deliver;
        };
        // Made only for a process or application not seen before.
        let fresh = || Track {
            instance: instance.to_owned(),
            base: seq,
            high: seq,
            missing: BTreeMap::new(),
            early: BTreeSet::new(),
        };
        let track = match apps.get_mut(app) {
            Some(track) if track.instance == instance => track,
            Some(old) => {
                // The first event of another process: what came before it
                // is the reconciliation's business (a node returning); what
                // the earlier process left missing stays missed.
                if !old.missing.is_empty() {
                    settled.push((Arc::clone(node), app.to_owned(), old.missing.len() as u64));
                }
                *old = fresh();
                return Numbered::Deliver;
            }
            None => {
                // The first event seen of this node and application.
                apps.insert(app.to_owned(), fresh());
                return Numbered::Deliver;
            }
        };
        if seq > track.high {
            let gap = seq - track.high - 1;
            let room = MAX_PENDING.saturating_sub(track.missing.len()) as u64;
            if self.settle.is_zero() {
                if gap > 0 {
                    settled.push((Arc::clone(node), app.to_owned(), gap));
                }
            } else {
                // A gap too large to remember is counted at once beyond
                // what fits.
                let remembered = gap.min(room);
                if gap > remembered {
                    settled.push((Arc::clone(node), app.to_owned(), gap - remembered));
                }
                for missing in (seq - remembered)..seq {
                    track.missing.insert(missing, now + self.settle);
                }
            }
            track.high = seq;
            return Numbered::Deliver;
        }
        if seq < track.base {
            if track.early.len() >= MAX_PENDING {
                track.early.pop_first();
            }
            return if track.early.insert(seq) {
                Numbered::Deliver
            } else {
                Numbered::Duplicate
            };
        }
        if track.missing.remove(&seq).is_some() {
            Numbered::Deliver
        } else {
            Numbered::Duplicate
        }
    }

    /// Counts as missed what has been missing for the settling time.
    pub(crate) fn settle(&mut self, now: Instant, settled: &mut Settled) {
        for (node, app, track) in self
            .tracks
            .iter_mut()
            .flat_map(|(node, apps)| apps.iter_mut().map(move |(app, track)| (node, app, track)))
        {
            let before = track.missing.len();
            track.missing.retain(|_, due| *due > now);
            let missed = (before - track.missing.len()) as u64;
            if missed > 0 {
                settled.push((Arc::clone(node), app.clone(), missed));
            }
        }
    }

    /// A proxy process said the last number it gave `app`'s events on
    /// `node` is `last`: those above the highest seen are missing, unless
    /// they come within `wait` (they may be on their way).
    ///
    /// On core NATS, a tail of a node none of whose events was seen yet is
    /// where its numbering starts for this reader: an event numbered
    /// further on reveals the ones before it that never came (published
    /// while the subscription was not in place yet, say). Through a durable
    /// consumer the stored events are the reference, and such a tail is
    /// not.
    pub(crate) fn tail(
        &mut self,
        node: &Arc<str>,
        app: &str,
        instance: &str,
        last: u64,
        wait: Duration,
        now: Instant,
    ) {
        let apps = self.tracks.entry(Arc::clone(node)).or_default();
        let Some(track) = apps.get_mut(app) else {
            if self.settle.is_zero() {
                // Up to `last` counts as seen, and anything up to it that
                // still comes is delivered (it was on its way).
                apps.insert(
                    app.to_owned(),
                    Track {
                        instance: instance.to_owned(),
                        base: last.saturating_add(1),
                        high: last,
                        missing: BTreeMap::new(),
                        early: BTreeSet::new(),
                    },
                );
            }
            return;
        };
        if track.instance != instance || last <= track.high {
            return;
        }
        let room = MAX_PENDING.saturating_sub(track.missing.len()) as u64;
        let first = (track.high + 1).max(last.saturating_sub(room) + 1);
        for missing in first..=last {
            track.missing.insert(missing, now + wait);
        }
        track.high = last;
    }

    /// Whether any number is waiting to settle.
    pub(crate) fn pending(&self) -> bool {
        self.tracks
            .values()
            .flat_map(HashMap::values)
            .any(|track| !track.missing.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(settled: &Settled) -> u64 {
        settled.iter().map(|(_, _, n)| n).sum()
    }

    #[test]
    fn on_core_nats_a_gap_counts_at_once_and_a_repeat_is_dropped() {
        let mut sequences = Sequences::new(Duration::ZERO);
        let node: Arc<str> = Arc::from("n1");
        let now = Instant::now();
        let mut settled = Vec::new();
        for seq in [5, 6, 9] {
            assert_eq!(
                sequences.take(&node, "a", "i1", seq, now, &mut settled),
                Numbered::Deliver
            );
        }
        assert_eq!(total(&settled), 2);
        assert_eq!(
            sequences.take(&node, "a", "i1", 6, now, &mut settled),
            Numbered::Duplicate
        );
        // Another application's numbers are its own.
        assert_eq!(
            sequences.take(&node, "b", "i1", 1, now, &mut settled),
            Numbered::Deliver
        );
        assert_eq!(total(&settled), 2);
    }

    #[test]
    fn through_a_durable_consumer_a_late_event_is_delivered_and_only_what_never_came_counts() {
        let settle = Duration::from_secs(5);
        let mut sequences = Sequences::new(settle);
        let node: Arc<str> = Arc::from("n1");
        let start = Instant::now();
        let mut settled = Vec::new();
        for seq in [1, 2, 5] {
            sequences.take(&node, "a", "i1", seq, start, &mut settled);
        }
        assert!(settled.is_empty());
        assert!(sequences.pending());
        // 3 comes late: delivered, once.
        assert_eq!(
            sequences.take(&node, "a", "i1", 3, start, &mut settled),
            Numbered::Deliver
        );
        assert_eq!(
            sequences.take(&node, "a", "i1", 3, start, &mut settled),
            Numbered::Duplicate
        );
        sequences.settle(start + Duration::from_secs(1), &mut settled);
        assert!(settled.is_empty(), "4 may still come");
        sequences.settle(start + settle, &mut settled);
        assert_eq!(total(&settled), 1, "4 never came");
        assert!(!sequences.pending());
    }

    #[test]
    fn an_event_older_than_the_first_seen_is_delivered_once() {
        let mut sequences = Sequences::new(Duration::from_secs(5));
        let node: Arc<str> = Arc::from("n1");
        let now = Instant::now();
        let mut settled = Vec::new();
        sequences.take(&node, "a", "i1", 12, now, &mut settled);
        assert_eq!(
            sequences.take(&node, "a", "i1", 11, now, &mut settled),
            Numbered::Deliver
        );
        assert_eq!(
            sequences.take(&node, "a", "i1", 11, now, &mut settled),
            Numbered::Duplicate
        );
        assert_eq!(
            sequences.take(&node, "a", "i1", 12, now, &mut settled),
            Numbered::Duplicate
        );
        assert!(settled.is_empty());
    }

    #[test]
    fn the_tail_an_announcement_tells_of_counts_once_it_has_not_come() {
        let mut sequences = Sequences::new(Duration::ZERO);
        let node: Arc<str> = Arc::from("n1");
        let start = Instant::now();
        let mut settled = Vec::new();
        sequences.take(&node, "a", "i1", 1, start, &mut settled);
        let wait = Duration::from_secs(2);
        sequences.tail(&node, "a", "i1", 4, wait, start);
        // 2 arrives in time; 3 and 4 never do.
        assert_eq!(
            sequences.take(&node, "a", "i1", 2, start, &mut settled),
            Numbered::Deliver
        );
        sequences.settle(start + Duration::from_secs(1), &mut settled);
        assert!(settled.is_empty());
        sequences.settle(start + wait, &mut settled);
        assert_eq!(total(&settled), 2);
        // Another process's tail, or one already seen, changes nothing.
        sequences.tail(&node, "a", "i9", 10, wait, start);
        sequences.tail(&node, "a", "i1", 3, wait, start);
        assert!(!sequences.pending());
    }

    #[test]
    fn on_core_nats_a_tail_heard_before_any_event_is_where_the_count_starts() {
        let mut sequences = Sequences::new(Duration::ZERO);
        let node: Arc<str> = Arc::from("n1");
        let now = Instant::now();
        let mut settled = Vec::new();
        sequences.tail(&node, "a", "i1", 7, Duration::from_secs(2), now);
        // 7 was on its way: delivered, once.
        assert_eq!(
            sequences.take(&node, "a", "i1", 7, now, &mut settled),
            Numbered::Deliver
        );
        assert_eq!(
            sequences.take(&node, "a", "i1", 7, now, &mut settled),
            Numbered::Duplicate
        );
        assert!(settled.is_empty());
        // 8 and 9 never came (published before the subscription was in
        // place): the next event says so.
        assert_eq!(
            sequences.take(&node, "a", "i1", 10, now, &mut settled),
            Numbered::Deliver
        );
        assert_eq!(total(&settled), 2);

        // Through a durable consumer a tail alone starts nothing.
        let mut durable = Sequences::new(Duration::from_secs(5));
        durable.tail(&node, "a", "i1", 7, Duration::from_secs(2), now);
        assert!(!durable.pending());
        let mut settled = Vec::new();
        durable.take(&node, "a", "i1", 10, now, &mut settled);
        durable.settle(now + Duration::from_secs(60), &mut settled);
        assert!(settled.is_empty());
    }

    #[test]
    fn a_new_proxy_process_starts_over_and_what_the_old_one_left_missing_counts() {
        let mut sequences = Sequences::new(Duration::from_secs(5));
        let node: Arc<str> = Arc::from("n1");
        let now = Instant::now();
        let mut settled = Vec::new();
        sequences.take(&node, "a", "i1", 1, now, &mut settled);
        sequences.take(&node, "a", "i1", 4, now, &mut settled);
        assert_eq!(
            sequences.take(&node, "a", "i2", 1, now, &mut settled),
            Numbered::Deliver
        );
        assert_eq!(total(&settled), 2);
    }
}
