//! The followed resources of one application, by kind and id, and the
//! playbacks and recordings that run on each channel or bridge.
//!
//! Every lookup is a hash lookup: routing an event, ending a channel with
//! the playbacks on it, and forgetting a resource whose last handle went
//! away cost the same with ten live calls or a hundred thousand. A tracker
//! removes itself when dropped, so nothing is ever swept.
//!
//! Lock discipline: a tracker's `Drop` takes this registry's lock, so no
//! `Arc<Tracker>` may be dropped while the lock is held. Every method
//! upgrades what it needs under the lock and returns the strong references,
//! to be dropped after the lock is released.

use std::collections::HashMap;
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
            Ok(tracker) | Err(tracker) => tracker,
        }
    }

    /// A new tracker of a resource, or `None` when a live one that has not
    /// ended exists: decided under the lock, so that of two callers racing
    /// to take a new call (its `StasisStart`, and a reconciliation that
    /// found it in a listing) exactly one does.
    pub(crate) fn track_new(
        self: &Arc<Self>,
        kind: ResourceKind,
        id: &str,
    ) -> Option<Arc<Tracker<E>>> {
        self.track_or_existing(kind, id, None).ok()
    }

    /// `Ok` with a new tracker, or `Err` with the live one that has not ended.
    fn track_or_existing(
        self: &Arc<Self>,
        kind: ResourceKind,
        id: &str,
        target: Option<(ResourceKind, Box<str>)>,
    ) -> Result<Arc<Tracker<E>>, Arc<Tracker<E>>> {
        let mut tables = lock(&self.tables);
        // Held until the lock is released (see the module docs).
        let existing = tables.by_kind[slot(kind)].get(id).and_then(Weak::upgrade);
        if let Some(tracker) = &existing {
            if !tracker.is_ended() {
                let tracker = Arc::clone(tracker);
                drop(tables);
                return Err(tracker);
            }
        }
        let tracker = Arc::new(Tracker::new(kind, id, target, Arc::downgrade(self)));
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
        Ok(tracker)
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
    pub(crate) fn forget(&self, tracker: &Tracker<E>) {
        let mut tables = lock(&self.tables);
        let trackers = &mut tables.by_kind[slot(tracker.kind)];
        if trackers
            .get(&*tracker.id)
            .is_some_and(|weak| std::ptr::eq(weak.as_ptr(), tracker))
        {
            trackers.remove(&*tracker.id);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handles::HandleEnded;
    use serde_json::Value;

    #[test]
    fn a_new_tracker_only_when_none_lives() {
        let registry: Arc<Registry<Value>> = Registry::new();
        let first = registry
            .track_new(ResourceKind::Channel, "c")
            .expect("nothing follows c yet");
        // A StasisStart and a reconciliation racing for the same call: the
        // second one gets nothing, so the call is handed out once.
        assert!(registry.track_new(ResourceKind::Channel, "c").is_none());
        assert!(Arc::ptr_eq(
            &registry.track(ResourceKind::Channel, "c", None),
            &first
        ));
        // Once it ended, the same id may be a new call.
        first.end(HandleEnded::LeftApplication, None);
        assert!(registry.track_new(ResourceKind::Channel, "c").is_some());
    }
}
