//! The followed resources of one application, by kind and id, and the
//! playbacks and recordings that run on each channel or bridge.
//!
//! Every lookup is a hash lookup: routing an event, ending a channel with
//! the playbacks on it, and forgetting a resource whose last handle went
//! away cost the same with ten live calls or a hundred thousand. A tracker
//! removes itself when dropped, so nothing is ever swept.
//!
//! A channel in the application whose handles were all dropped (a call the
//! application took, then let go of) is remembered by id until it leaves
//! (`released`): a reconciliation finds it in the channel listing with no
//! handle on it, and must not take it for a call whose `StasisStart` was
//! lost and hand it out a second time.
//!
//! Lock discipline: a tracker's `Drop` takes this registry's lock, so no
//! `Arc<Tracker>` may be dropped while the lock is held. Every method
//! upgrades what it needs under the lock and returns the strong references,
//! to be dropped after the lock is released.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};

use crate::resource::ResourceKind;
use crate::stream::StreamEvent;
use crate::sync::lock;

use super::tracker::Tracker;

type Trackers<E> = HashMap<Box<str>, Weak<Tracker<E>>>;
type Dependents<E> = HashMap<Box<str>, Vec<Weak<Tracker<E>>>>;

struct Tables<E: StreamEvent> {
    /// Indexed by [`slot`].
    by_kind: [Trackers<E>; 4],
    /// Playbacks and recordings by the channel (0) or bridge (1) they run on.
    dependents: [Dependents<E>; 2],
    /// Channels in the application that no handle follows any more.
    released: HashSet<Box<str>>,
}

pub(crate) struct Registry<E: StreamEvent> {
    tables: Mutex<Tables<E>>,
}

fn slot(kind: ResourceKind) -> usize {
    match kind {
        ResourceKind::Channel => 0,
        ResourceKind::Bridge => 1,
        ResourceKind::Playback => 2,
        ResourceKind::LiveRecording => 3,
    }
}

/// Targets are channels or bridges.
fn target_slot(kind: ResourceKind) -> Option<usize> {
    match kind {
        ResourceKind::Channel => Some(0),
        ResourceKind::Bridge => Some(1),
        _ => None,
    }
}

impl<E: StreamEvent> Registry<E> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Registry {
            tables: Mutex::new(Tables {
                by_kind: Default::default(),
                dependents: Default::default(),
                released: HashSet::new(),
            }),
        })
    }

    /// The tracker of a resource, if one lives.
    pub(crate) fn get(&self, kind: ResourceKind, id: &str) -> Option<Arc<Tracker<E>>> {
        let tables = lock(&self.tables);
        let found = tables.by_kind[slot(kind)].get(id).and_then(Weak::upgrade);
        drop(tables);
        found
    }

    /// The live tracker of a resource that has not ended, or a new one.
    pub(crate) fn track(
        self: &Arc<Self>,
        kind: ResourceKind,
        id: &str,
        target: Option<(ResourceKind, Box<str>)>,
    ) -> Arc<Tracker<E>> {
        match self.track_or_existing(kind, id, target) {
            Tracked::New(tracker) | Tracked::Again(tracker) | Tracked::Live(tracker) => tracker,
        }
    }

    /// A new tracker of a call entering the application, or `None` when a
    /// live one that has not ended exists: decided under the lock, so that
    /// of two callers racing to take a new call (its `StasisStart`, and a
    /// reconciliation that found it in a listing) exactly one does. Either
    /// way the channel's tracker is marked as in the application.
    ///
    /// `Seen::Listed` (a reconciliation) also gets `None` for a channel the
    /// application took and let go of (see the module docs);
    /// `Seen::Entering` (its `StasisStart`) is a new call all the same.
    pub(crate) fn track_new(
        self: &Arc<Self>,
        kind: ResourceKind,
        id: &str,
        seen: Seen,
    ) -> Option<Arc<Tracker<E>>> {
        match self.track_or_existing(kind, id, None) {
            // Let go of by the application: not a lost call. Dropped, the
            // new tracker puts it back among those let go of.
            Tracked::Again(_) if seen == Seen::Listed => None,
            Tracked::New(tracker) | Tracked::Again(tracker) => {
                tracker.entered();
                Some(tracker)
            }
            Tracked::Live(existing) => {
                existing.entered();
                None
            }
        }
    }

    /// A channel no handle follows left the application (or is gone): it
    /// is not remembered any more.
    pub(crate) fn left(&self, id: &str) {
        let mut tables = lock(&self.tables);
        if !tables.released.is_empty() {
            tables.released.remove(id);
        }
    }

    /// After a complete channel listing: the channels let go of that are
    /// not in it left while nothing was heard.
    pub(crate) fn keep_released_in(&self, listed: &HashSet<String>) {
        let mut tables = lock(&self.tables);
        tables.released.retain(|id| listed.contains(&**id));
    }

    /// Whether the application has the call on this channel: a handle
    /// follows it and it has not ended, or the application let go of it.
    pub(crate) fn has_call(&self, id: &str) -> bool {
        let tables = lock(&self.tables);
        if tables.released.contains(id) {
            return true;
        }
        // Held until the lock is released (see the module docs).
        let tracker = tables.by_kind[slot(ResourceKind::Channel)]
            .get(id)
            .and_then(Weak::upgrade);
        let live = tracker.as_ref().is_some_and(|tracker| !tracker.is_ended());
        drop(tables);
        drop(tracker);
        live
    }

    /// Whether the application took the channel and let go of it.
    #[cfg(test)]
    fn is_released(&self, id: &str) -> bool {
        lock(&self.tables).released.contains(id)
    }

    /// A new tracker, or the live one that has not ended.
    fn track_or_existing(
        self: &Arc<Self>,
        kind: ResourceKind,
        id: &str,
        target: Option<(ResourceKind, Box<str>)>,
    ) -> Tracked<E> {
        let mut tables = lock(&self.tables);
        // Held until the lock is released (see the module docs).
        let existing = tables.by_kind[slot(kind)].get(id).and_then(Weak::upgrade);
        if let Some(tracker) = &existing {
            if !tracker.is_ended() {
                let tracker = Arc::clone(tracker);
                drop(tables);
                return Tracked::Live(tracker);
            }
        }
        let tracker = Arc::new(Tracker::new(kind, id, target, Arc::downgrade(self)));
        let released = kind == ResourceKind::Channel && tables.released.remove(id);
        if released {
            // Followed again: still in the application.
            tracker.entered();
        }
        let weak = Arc::downgrade(&tracker);
        if let Some((target_kind, target_id)) = &tracker.target {
            if let Some(index) = target_slot(*target_kind) {
                tables.dependents[index]
                    .entry(target_id.clone())
                    .or_default()
                    .push(weak.clone());
            }
        }
        tables.by_kind[slot(kind)].insert(id.into(), weak);
        drop(tables);
        drop(existing);
        if released {
            Tracked::Again(tracker)
        } else {
            Tracked::New(tracker)
        }
    }

    /// The trackers of the resources an event names, each once.
    pub(crate) fn hits(&self, event: &E) -> Vec<Arc<Tracker<E>>> {
        let mut hits: Vec<Arc<Tracker<E>>> = Vec::new();
        // Second references to a tracker already hit, dropped after the lock.
        let mut again: Vec<Arc<Tracker<E>>> = Vec::new();
        let tables = lock(&self.tables);
        event.for_each_resource(&mut |kind, id| {
            if let Some(tracker) = tables.by_kind[slot(kind)].get(id).and_then(Weak::upgrade) {
                if hits.iter().any(|hit| Arc::ptr_eq(hit, &tracker)) {
                    again.push(tracker);
                } else {
                    hits.push(tracker);
                }
            }
        });
        drop(tables);
        drop(again);
        hits
    }

    /// The playbacks and recordings running on a channel or bridge.
    pub(crate) fn dependents(&self, kind: ResourceKind, id: &str) -> Vec<Arc<Tracker<E>>> {
        let Some(index) = target_slot(kind) else {
            return Vec::new();
        };
        let tables = lock(&self.tables);
        let found = tables.dependents[index]
            .get(id)
            .map(|list| list.iter().filter_map(Weak::upgrade).collect())
            .unwrap_or_default();
        drop(tables);
        found
    }

    /// Every live tracker: for what concerns them all (a lost connection).
    pub(crate) fn live(&self) -> Vec<Arc<Tracker<E>>> {
        let tables = lock(&self.tables);
        let live = tables
            .by_kind
            .iter()
            .flat_map(|trackers| trackers.values().filter_map(Weak::upgrade))
            .collect();
        drop(tables);
        live
    }

    /// How many resources are followed (for tests and logs).
    pub(crate) fn len(&self) -> usize {
        lock(&self.tables).by_kind.iter().map(HashMap::len).sum()
    }

    /// Called by a tracker's `Drop`: forgets it, unless a newer tracker of
    /// the same resource took its place.
    /// A channel still in the application is remembered (see the module
    /// docs).
    pub(crate) fn forget(&self, tracker: &Tracker<E>) {
        let in_application = tracker.in_application();
        let mut tables = lock(&self.tables);
        let trackers = &mut tables.by_kind[slot(tracker.kind)];
        if trackers
            .get(&*tracker.id)
            .is_some_and(|weak| std::ptr::eq(weak.as_ptr(), tracker))
        {
            trackers.remove(&*tracker.id);
            if in_application {
                tables.released.insert(tracker.id.clone());
            }
        }
        if let Some((target_kind, target_id)) = &tracker.target {
            if let Some(index) = target_slot(*target_kind) {
                let dependents = &mut tables.dependents[index];
                if let Some(list) = dependents.get_mut(target_id) {
                    list.retain(|weak| !std::ptr::eq(weak.as_ptr(), tracker));
                    if list.is_empty() {
                        dependents.remove(target_id);
                    }
                }
            }
        }
    }
}

/// What [`Registry::track_or_existing`] found.
enum Tracked<E: StreamEvent> {
    /// Nothing followed it: a new tracker.
    New(Arc<Tracker<E>>),
    /// A new tracker of a channel the application had let go of.
    Again(Arc<Tracker<E>>),
    /// The live tracker, which has not ended.
    Live(Arc<Tracker<E>>),
}

/// Who says a channel is in the application, for [`Registry::track_new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Its `StasisStart`.
    Entering,
    /// A reconciliation's listing.
    Listed,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handles::HandleEnded;
    use serde_json::Value;

    #[test]
    fn a_new_tracker_only_when_none_lives() {
        let registry: Arc<Registry<Value>> = Registry::new();
        let first = registry
            .track_new(ResourceKind::Channel, "c", Seen::Entering)
            .expect("nothing follows c yet");
        // A StasisStart and a reconciliation racing for the same call: the
        // second one gets nothing, so the call is handed out once.
        assert!(registry
            .track_new(ResourceKind::Channel, "c", Seen::Entering)
            .is_none());
        assert!(Arc::ptr_eq(
            &registry.track(ResourceKind::Channel, "c", None),
            &first
        ));
        // Once it ended, the same id may be a new call.
        first.end(HandleEnded::LeftApplication, None);
        assert!(registry
            .track_new(ResourceKind::Channel, "c", Seen::Entering)
            .is_some());
    }

    #[test]
    fn a_call_let_go_of_is_remembered_until_it_leaves() {
        let registry: Arc<Registry<Value>> = Registry::new();
        let call = registry
            .track_new(ResourceKind::Channel, "c", Seen::Entering)
            .expect("a new call");
        assert!(registry.has_call("c") && !registry.is_released("c"));
        drop(call);
        // Still in the application: a listing does not make it a new call.
        assert!(registry.is_released("c"));
        assert!(registry.has_call("c"));
        assert!(registry
            .track_new(ResourceKind::Channel, "c", Seen::Listed)
            .is_none());
        assert!(registry.is_released("c"), "still remembered");
        // Followed again, then let go of again.
        drop(registry.track(ResourceKind::Channel, "c", None));
        assert!(registry.is_released("c"));
        // It leaves: forgotten.
        registry.left("c");
        assert!(!registry.is_released("c"));
        assert!(!registry.has_call("c"));
        assert!(registry
            .track_new(ResourceKind::Channel, "c", Seen::Listed)
            .is_some());

        // One that ended before it was let go of is not remembered.
        let ended = registry
            .track_new(ResourceKind::Channel, "d", Seen::Entering)
            .expect("a new call");
        ended.end(HandleEnded::LeftApplication, None);
        drop(ended);
        assert!(!registry.is_released("d"));
        // A handle on a channel never seen in the application, neither.
        drop(registry.track(ResourceKind::Channel, "e", None));
        assert!(!registry.is_released("e"));
        // A complete listing without it: it left meanwhile.
        drop(registry.track_new(ResourceKind::Channel, "f", Seen::Entering));
        registry.keep_released_in(&HashSet::new());
        assert!(!registry.is_released("f"));
    }
}
