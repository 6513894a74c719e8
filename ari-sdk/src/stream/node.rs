//! News about the Asterisk nodes behind a stream that reaches several of
//! them (the `cluster` transport): which came, which went,
//! and exactly how many events of each never arrived.

use std::fmt;
use std::time::Duration;

/// What happened to one Asterisk node of a cluster, in order with its
/// events ([`StreamItem::Node`](super::StreamItem::Node)).
///
/// A stream connected straight to one Asterisk never yields these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeNotice {
    /// The node's proxy answered: its events and REST are reachable.
    Up {
        /// The node's name (what events carry as `asterisk_id`).
        node: String,
        /// Asterisk's own entity id on that node.
        entity_id: String,
        /// True when the node was up before: it comes back after it was
        /// lost, or under another proxy process (the proxy restarted).
        /// Events of the gap are unknown, so the application's state is
        /// reconciled.
        returning: bool,
    },
    /// The node's proxy stopped answering (the node, its Asterisk, the proxy
    /// or the path to it is gone). Its calls are reconciled: those no
    /// listing shows any more end.
    Lost {
        /// The node's name.
        node: String,
        /// How long it had been silent.
        silent_for: Duration,
    },
    /// Events the node's proxy numbered that never reached this
    /// application (lost on the way, or by the proxy itself), counted
    /// exactly from the proxy's sequence numbers. The state of the calls is
    /// reconciled.
    Missed {
        /// The node's name.
        node: String,
        /// The application the events were for.
        application: String,
        /// Exactly how many.
        missed: u64,
    },
}

impl NodeNotice {
    /// The node it is about.
    pub fn node(&self) -> &str {
        match self {
            NodeNotice::Up { node, .. }
            | NodeNotice::Lost { node, .. }
            | NodeNotice::Missed { node, .. } => node,
        }
    }

    /// True when events may have been lost: a node lost, a proxy that
    /// restarted, events missed.
    pub fn is_gap(&self) -> bool {
        match self {
            NodeNotice::Up { returning, .. } => *returning,
            NodeNotice::Lost { .. } | NodeNotice::Missed { .. } => true,
        }
    }
}

impl fmt::Display for NodeNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeNotice::Up {
                node, returning, ..
            } => {
                if *returning {
                    write!(f, "node {node} is back")
                } else {
                    write!(f, "node {node} is up")
                }
            }
            NodeNotice::Lost { node, silent_for } => {
                write!(f, "node {node} lost (silent for {silent_for:?})")
            }
            NodeNotice::Missed {
                node,
                application,
                missed,
            } => write!(f, "{missed} events of {application} on node {node} missed"),
        }
    }
}
