//! Which node each resource lives on, so that a request about it goes to
//! that node alone.
//!
//! Learned from the events (each arrives on its node's subject): a
//! resource is known from the event that makes it appear (`StasisStart`,
//! `ChannelCreated`, `BridgeCreated`, `PlaybackStarted`,
//! `RecordingStarted`) until the one that ends it (`StasisEnd`,
//! `ChannelDestroyed`, `BridgeDestroyed`, `PlaybackFinished`,
//! `RecordingFinished`, `RecordingFailed`), and from the answers to the
//! requests that create one. Only the frames of those types are read
//! further than their `type`, and then only for the resource's id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::event_tag::event_type;
use crate::resource::ResourceKind;
use crate::sync::lock;

/// Where one resource lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// On this node.
    Node(Arc<str>),
    /// Two or more nodes have a resource of this id.
    Ambiguous(Vec<Arc<str>>),
}

/// The resources' nodes, and the channels per node.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    inner: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    owners: HashMap<(ResourceKind, Box<str>), Owner>,
    channels_per_node: HashMap<Arc<str>, usize>,
}

/// What an event frame does to the table.
enum Change {
    Appears(ResourceKind),
    Ends(ResourceKind),
}

fn change_of(event_type: &str) -> Option<Change> {
    use ResourceKind::*;
    Some(match event_type {
        "StasisStart" | "ChannelCreated" => Change::Appears(Channel),
        "BridgeCreated" => Change::Appears(Bridge),
        "PlaybackStarted" => Change::Appears(Playback),
        "RecordingStarted" => Change::Appears(LiveRecording),
        "StasisEnd" | "ChannelDestroyed" => Change::Ends(Channel),
        "BridgeDestroyed" => Change::Ends(Bridge),
        "PlaybackFinished" => Change::Ends(Playback),
        "RecordingFinished" | "RecordingFailed" => Change::Ends(LiveRecording),
        _ => return None,
    })
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

/// The resources an event names, as far as the table needs them.
#[derive(Deserialize)]
struct Probe {
    channel: Option<Id>,
    bridge: Option<Id>,
    playback: Option<Id>,
    recording: Option<Name>,
}

impl Probe {
    fn id(self, kind: ResourceKind) -> Option<String> {
        match kind {
            ResourceKind::Channel => self.channel.map(|c| c.id),
            ResourceKind::Bridge => self.bridge.map(|b| b.id),
            ResourceKind::Playback => self.playback.map(|p| p.id),
            ResourceKind::LiveRecording => self.recording.map(|r| r.name),
        }
    }
}

/// The id of the channel an event is about (its `channel` field), if any.
pub(crate) fn channel_of(frame: &str) -> Option<String> {
    serde_json::from_str::<Probe>(frame)
        .ok()
        .and_then(|probe| probe.id(ResourceKind::Channel))
}

impl Owners {
    /// Learns from one event frame of `node`.
    pub(crate) fn learn_from_event(&self, node: &Arc<str>, frame: &str) {
        let Ok(name) = event_type(frame) else {
            return;
        };
        let Some(change) = change_of(&name) else {
            return;
        };
        let (kind, appears) = match change {
            Change::Appears(kind) => (kind, true),
            Change::Ends(kind) => (kind, false),
        };
        let Some(id) = serde_json::from_str::<Probe>(frame)
            .ok()
            .and_then(|probe| probe.id(kind))
        else {
            return;
        };
        if appears {
            self.insert(kind, &id, node);
        } else {
            self.remove(kind, &id, node);
        }
    }

    /// `kind` `id` lives on `node`.
    pub(crate) fn insert(&self, kind: ResourceKind, id: &str, node: &Arc<str>) {
        let mut table = lock(&self.inner);
        let table = &mut *table;
        let key = (kind, Box::from(id));
        let added = match table.owners.get_mut(&key) {
            None => {
                table.owners.insert(key, Owner::Node(Arc::clone(node)));
                true
            }
            Some(Owner::Node(existing)) if existing == node => false,
            Some(owner) => {
                let mut nodes = match owner {
                    Owner::Node(existing) => vec![Arc::clone(existing)],
                    Owner::Ambiguous(nodes) => std::mem::take(nodes),
                };
                let added = !nodes.contains(node);
                if added {
                    nodes.push(Arc::clone(node));
                    tracing::warn!(
                        kind = kind.as_str(),
                        id,
                        ?nodes,
                        "one id on several nodes: requests about it must name their node"
                    );
                }
                *owner = Owner::Ambiguous(nodes);
                added
            }
        };
        if added && kind == ResourceKind::Channel {
            *table.channels_per_node.entry(Arc::clone(node)).or_default() += 1;
        }
    }

    /// `kind` `id` of `node` ended.
    pub(crate) fn remove(&self, kind: ResourceKind, id: &str, node: &Arc<str>) {
        let mut table = lock(&self.inner);
        let table = &mut *table;
        let key = (kind, Box::from(id));
        let removed = match table.owners.get_mut(&key) {
            Some(Owner::Node(existing)) if existing == node => {
                table.owners.remove(&key);
                true
            }
            Some(Owner::Ambiguous(nodes)) => {
                let before = nodes.len();
                nodes.retain(|n| n != node);
                let removed = nodes.len() < before;
                if nodes.len() == 1 {
                    let last = nodes.remove(0);
                    table.owners.insert(key, Owner::Node(last));
                }
                removed
            }
            _ => false,
        };
        if removed && kind == ResourceKind::Channel {
            if let Some(count) = table.channels_per_node.get_mut(node) {
                *count = count.saturating_sub(1);
            }
        }
    }

    /// Where `kind` `id` lives, if known.
    pub(crate) fn owner(&self, kind: ResourceKind, id: &str) -> Option<Owner> {
        let table = lock(&self.inner);
        // A borrowed key cannot look up a tuple with a boxed str: the
        // allocation is the price of one table for every kind.
        table.owners.get(&(kind, Box::from(id))).cloned()
    }

    /// The channels known on `node`.
    pub(crate) fn channels_on(&self, node: &str) -> usize {
        lock(&self.inner)
            .channels_per_node
            .get(node)
            .copied()
            .unwrap_or(0)
    }

    /// Forgets everything on `node` (lost).
    pub(crate) fn forget_node(&self, node: &Arc<str>) {
        let mut table = lock(&self.inner);
        table.owners.retain(|_, owner| match owner {
            Owner::Node(existing) => existing != node,
            Owner::Ambiguous(nodes) => {
                nodes.retain(|n| n != node);
                !nodes.is_empty()
            }
        });
        table.channels_per_node.remove(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str) -> Arc<str> {
        Arc::from(name)
    }

    #[test]
    fn a_channel_is_known_from_its_start_until_it_is_destroyed() {
        let owners = Owners::default();
        let n1 = node("n1");
        owners.learn_from_event(
            &n1,
            r#"{"type":"StasisStart","application":"a","channel":{"id":"c1","name":"x"},"args":[]}"#,
        );
        assert_eq!(
            owners.owner(ResourceKind::Channel, "c1"),
            Some(Owner::Node(n1.clone()))
        );
        assert_eq!(owners.channels_on("n1"), 1);
        owners.learn_from_event(
            &n1,
            r#"{"type":"ChannelDtmfReceived","channel":{"id":"c1"},"digit":"1"}"#,
        );
        owners.learn_from_event(&n1, r#"{"type":"ChannelDestroyed","channel":{"id":"c1"}}"#);
        assert_eq!(owners.owner(ResourceKind::Channel, "c1"), None);
        assert_eq!(owners.channels_on("n1"), 0);
    }

    #[test]
    fn one_id_on_two_nodes_is_ambiguous_until_one_ends() {
        let owners = Owners::default();
        let (n1, n2) = (node("n1"), node("n2"));
        owners.insert(ResourceKind::Channel, "c1", &n1);
        owners.insert(ResourceKind::Channel, "c1", &n2);
        assert_eq!(
            owners.owner(ResourceKind::Channel, "c1"),
            Some(Owner::Ambiguous(vec![n1.clone(), n2.clone()]))
        );
        owners.remove(ResourceKind::Channel, "c1", &n1);
        assert_eq!(
            owners.owner(ResourceKind::Channel, "c1"),
            Some(Owner::Node(n2.clone()))
        );
        assert_eq!(owners.channels_on("n1"), 0);
        assert_eq!(owners.channels_on("n2"), 1);
    }

    #[test]
    fn a_lost_node_is_forgotten() {
        let owners = Owners::default();
        let (n1, n2) = (node("n1"), node("n2"));
        owners.insert(ResourceKind::Bridge, "b1", &n1);
        owners.insert(ResourceKind::Bridge, "b2", &n2);
        owners.forget_node(&n1);
        assert_eq!(owners.owner(ResourceKind::Bridge, "b1"), None);
        assert!(owners.owner(ResourceKind::Bridge, "b2").is_some());
    }

    #[test]
    fn frames_that_are_not_json_change_nothing() {
        let owners = Owners::default();
        owners.learn_from_event(&node("n1"), r#"{"type":"StasisStart","channel":"#);
        owners.learn_from_event(&node("n1"), "garbage");
        assert_eq!(owners.channels_on("n1"), 0);
    }
}
