//! The nodes of the cluster: which proxies answered lately, under which
//! process, for which applications.
//!
//! A node is up from its first announcement (for one of the client's
//! applications) until it has been silent for the node timeout while
//! pinged; it is up again at its next announcement (`returning`), and a
//! node whose proxy process changed is `returning` at once.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ari_proxy_protocol::Announcement;
use tokio::time::Instant;

use crate::stream::NodeNotice;
use crate::sync::lock;

#[derive(Debug)]
struct NodeState {
    name: Arc<str>,
    entity_id: String,
    instance: String,
    last_seen: Instant,
    up: bool,
    /// It was up once.
    seen_up: bool,
    applications: HashSet<String>,
}

/// The table of nodes.
#[derive(Debug)]
pub(crate) struct Nodes {
    applications: Vec<String>,
    table: Mutex<BTreeMap<String, NodeState>>,
}

impl Nodes {
    pub(crate) fn new(applications: Vec<String>) -> Nodes {
        Nodes {
            applications,
            table: Mutex::new(BTreeMap::new()),
        }
    }

    /// Takes an announcement in; the notice it makes, if any.
    pub(crate) fn announced(
        &self,
        announcement: &Announcement,
        now: Instant,
    ) -> Option<NodeNotice> {
        if !self.applications.contains(&announcement.application) || announcement.node.is_empty() {
            return None;
        }
        let mut table = lock(&self.table);
        let state = table
            .entry(announcement.node.clone())
            .or_insert_with(|| NodeState {
                name: Arc::from(announcement.node.as_str()),
                entity_id: announcement.asterisk_id.clone(),
                instance: announcement.instance.clone(),
                last_seen: now,
                up: false,
                seen_up: false,
                applications: HashSet::new(),
            });
        state.last_seen = now;
        state.applications.insert(announcement.application.clone());
        let restarted = state.instance != announcement.instance;
        if restarted {
            state.instance = announcement.instance.clone();
            state.entity_id = announcement.asterisk_id.clone();
        }
        if state.up && !restarted {
            return None;
        }
        // Known before: lost and back, or under another proxy process
        // (the new entry of a new node has neither).
        let returning = state.seen_up || restarted;
        state.up = true;
        state.seen_up = true;
        Some(NodeNotice::Up {
            node: announcement.node.clone(),
            entity_id: state.entity_id.clone(),
            returning,
        })
    }

    /// The nodes silent for `timeout`, now lost.
    pub(crate) fn expire(&self, now: Instant, timeout: Duration) -> Vec<(Arc<str>, NodeNotice)> {
        let mut table = lock(&self.table);
        let mut lost = Vec::new();
        for (name, state) in table.iter_mut() {
            let silent_for = now.saturating_duration_since(state.last_seen);
            if state.up && silent_for >= timeout {
                state.up = false;
                lost.push((
                    Arc::clone(&state.name),
                    NodeNotice::Lost {
                        node: name.clone(),
                        silent_for,
                    },
                ));
            }
        }
        lost
    }

    /// The nodes up, by name.
    pub(crate) fn live(&self) -> Vec<Arc<str>> {
        lock(&self.table)
            .values()
            .filter(|state| state.up)
            .map(|state| Arc::clone(&state.name))
            .collect()
    }

    /// The node called `name`, if it is up.
    pub(crate) fn up(&self, name: &str) -> Option<Arc<str>> {
        lock(&self.table)
            .get(name)
            .filter(|state| state.up)
            .map(|state| Arc::clone(&state.name))
    }

    /// An application of the client's that `node` serves (the first
    /// application when the node is not known).
    pub(crate) fn application_on(&self, node: &str) -> &str {
        let table = lock(&self.table);
        let served = table.get(node).map(|state| &state.applications);
        self.applications
            .iter()
            .find(|app| served.is_some_and(|served| served.contains(*app)))
            .or_else(|| self.applications.first())
            .map_or("", String::as_str)
    }

    /// An `Up` notice for each node up now.
    pub(crate) fn up_notices(&self) -> Vec<NodeNotice> {
        lock(&self.table)
            .iter()
            .filter(|(_, state)| state.up)
            .map(|(name, state)| NodeNotice::Up {
                node: name.clone(),
                entity_id: state.entity_id.clone(),
                returning: false,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announcement(node: &str, instance: &str, app: &str) -> Announcement {
        Announcement {
            node: node.into(),
            application: app.into(),
            instance: instance.into(),
            asterisk_id: "00:11".into(),
            last_sequence: None,
        }
    }

    #[test]
    fn a_node_comes_goes_and_comes_back_restarted() {
        let nodes = Nodes::new(vec!["demo".into()]);
        let start = Instant::now();
        let up = nodes.announced(&announcement("n1", "i1", "demo"), start);
        assert!(matches!(
            up,
            Some(NodeNotice::Up {
                returning: false,
                ..
            })
        ));
        assert_eq!(
            nodes.announced(&announcement("n1", "i1", "demo"), start),
            None
        );
        assert_eq!(
            nodes.announced(&announcement("n2", "i9", "other"), start),
            None
        );
        assert_eq!(nodes.live().len(), 1);

        let later = start + Duration::from_secs(10);
        let lost = nodes.expire(later, Duration::from_secs(5));
        assert_eq!(lost.len(), 1);
        assert!(matches!(&lost[0].1, NodeNotice::Lost { node, .. } if node == "n1"));
        assert!(nodes.live().is_empty());
        assert!(nodes.expire(later, Duration::from_secs(5)).is_empty());

        let back = nodes.announced(&announcement("n1", "i2", "demo"), later);
        assert!(matches!(
            back,
            Some(NodeNotice::Up {
                returning: true,
                ..
            })
        ));
        assert_eq!(nodes.application_on("n1"), "demo");
    }

    #[test]
    fn a_node_back_under_the_same_proxy_is_returning_too() {
        let nodes = Nodes::new(vec!["demo".into()]);
        let start = Instant::now();
        nodes.announced(&announcement("n1", "i1", "demo"), start);
        let later = start + Duration::from_secs(10);
        nodes.expire(later, Duration::from_secs(5));
        let back = nodes.announced(&announcement("n1", "i1", "demo"), later);
        assert!(matches!(
            back,
            Some(NodeNotice::Up {
                returning: true,
                ..
            })
        ));
    }
}
