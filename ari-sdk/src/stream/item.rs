//! What a subscription yields.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::resource::{ResourceId, ResourceKind};

use super::{NodeNotice, StreamError};

/// One item of a [`Subscription`](super::Subscription): an event, or news
/// about the connection, in the order it happened.
///
/// Connection news comes in the same sequence as the events, so an
/// application knows exactly which events came before a gap and which after.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamItem<E> {
    /// An event from Asterisk, decoded once and shared by every subscriber.
    Event(Arc<E>),

    /// The first connection is up and the applications are registered.
    Connected,

    /// The connection was lost; a reconnection is under way. Events Asterisk
    /// sends until [`Reconnected`](StreamItem::Reconnected) are lost.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },

    /// The connection is back and the applications are registered again.
    ///
    /// Asterisk replays nothing: whatever happened during `downtime` is only
    /// known by asking over REST. A subscriber that fell so far behind that
    /// the notice itself was overwritten still gets one, made up when it
    /// reaches the first item of the new connection (for several reconnects
    /// in a row, it describes the last).
    Reconnected {
        /// From losing the connection to having it back.
        downtime: Duration,
        /// Connection attempts it took, the successful one included.
        attempts: u32,
    },

    /// This consumer fell behind by more than its buffer holds: the
    /// `missed` events (and malformed-frame errors) that followed the items
    /// delivered before this notice were not kept for it. The items after
    /// the notice came after the gap. The connection, the handles and the
    /// other subscribers were not affected, and connection notices are never
    /// dropped.
    Lagged {
        /// Exactly how many items this consumer missed.
        missed: u64,
        /// Every channel, bridge, playback and recording the missed events
        /// named, sorted (each once): the calls to re-read over REST.
        concerned: Vec<ResourceId>,
    },

    /// News about one Asterisk node of a cluster (only a stream over the
    /// `cluster` transport yields these): a node up, lost,
    /// or events of it missed, in order with the events.
    ///
    /// Behind an `Arc` (match on `&*notice`): a notice holds two names, and
    /// inline it would make every item larger, the events included, in every
    /// queue slot of every live call.
    Node(Arc<NodeNotice>),

    /// A frame that could not be decoded (the stream goes on), or the fatal
    /// error that ended the stream (the subscription ends after it); see
    /// [`StreamError::is_fatal`].
    Error(Arc<StreamError>),
}

impl<E> StreamItem<E> {
    /// The event, if this item is one.
    pub fn event(&self) -> Option<&Arc<E>> {
        match self {
            StreamItem::Event(event) => Some(event),
            _ => None,
        }
    }

    /// The error, if this item is one.
    pub fn error(&self) -> Option<&Arc<StreamError>> {
        match self {
            StreamItem::Error(error) => Some(error),
            _ => None,
        }
    }

    /// The channels the events of a [`Lagged`](StreamItem::Lagged) notice
    /// named: the calls whose state must be re-read.
    pub fn lagged_channels(&self) -> impl Iterator<Item = &str> {
        let concerned: &[ResourceId] = match self {
            StreamItem::Lagged { concerned, .. } => concerned,
            _ => &[],
        };
        concerned
            .iter()
            .filter(|resource| resource.kind == ResourceKind::Channel)
            .map(|resource| resource.id.as_str())
    }

    /// True when events may have been lost just before this item: a
    /// disconnection, a reconnection or a lag notice.
    pub fn is_gap(&self) -> bool {
        matches!(
            self,
            StreamItem::Disconnected { .. }
                | StreamItem::Reconnected { .. }
                | StreamItem::Lagged { .. }
        ) || matches!(self, StreamItem::Node(notice) if notice.is_gap())
    }
}

// Written out: a derive would demand `E: Clone`, but only the `Arc` is cloned.
impl<E> Clone for StreamItem<E> {
    fn clone(&self) -> Self {
        match self {
            StreamItem::Event(event) => StreamItem::Event(Arc::clone(event)),
            StreamItem::Connected => StreamItem::Connected,
            StreamItem::Disconnected { reason } => StreamItem::Disconnected {
                reason: reason.clone(),
            },
            StreamItem::Reconnected { downtime, attempts } => StreamItem::Reconnected {
                downtime: *downtime,
                attempts: *attempts,
            },
            StreamItem::Lagged { missed, concerned } => StreamItem::Lagged {
                missed: *missed,
                concerned: concerned.clone(),
            },
            StreamItem::Node(notice) => StreamItem::Node(Arc::clone(notice)),
            StreamItem::Error(error) => StreamItem::Error(Arc::clone(error)),
        }
    }
}

/// Why a connection was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// Asterisk closed the websocket (it does so when shutting down).
    ClosedByServer {
        /// The close code; 1005 when the close frame carried none.
        code: u16,
        /// The close reason, often empty.
        reason: String,
    },
    /// Nothing arrived, not even a pong, for this long: the peer or the path
    /// to it is gone even though the socket looks open.
    KeepaliveTimeout {
        /// How long the connection had been silent.
        silence: Duration,
    },
    /// The socket failed or ended without a close frame.
    ConnectionLost {
        /// What the transport reported.
        error: String,
    },
    /// The application asked for it
    /// ([`EventStream::reconnect`](super::EventStream::reconnect)), e.g. to
    /// register its applications here again after another connection
    /// replaced them.
    Requested,
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectReason::ClosedByServer { code, reason } if reason.is_empty() => {
                write!(f, "closed by the server (code {code})")
            }
            DisconnectReason::ClosedByServer { code, reason } => {
                write!(f, "closed by the server (code {code}: {reason})")
            }
            DisconnectReason::KeepaliveTimeout { silence } => {
                write!(f, "no frame or pong for {silence:?}")
            }
            DisconnectReason::ConnectionLost { error } => write!(f, "connection lost: {error}"),
            DisconnectReason::Requested => f.write_str("reconnection requested"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_stays_small() {
        // Every queue slot of every live call holds one: a variant that
        // grows the enum costs each call several times its growth (an
        // inline `NodeNotice` once cost about 96 bytes per live call).
        assert!(
            std::mem::size_of::<StreamItem<serde_json::Value>>()
                <= 5 * std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn disconnect_reasons_display() {
        let cases = [
            (
                DisconnectReason::ClosedByServer {
                    code: 1001,
                    reason: String::new(),
                },
                "closed by the server (code 1001)",
            ),
            (
                DisconnectReason::ClosedByServer {
                    code: 1000,
                    reason: "bye".into(),
                },
                "closed by the server (code 1000: bye)",
            ),
            (
                DisconnectReason::KeepaliveTimeout {
                    silence: Duration::from_millis(1500),
                },
                "no frame or pong for 1.5s",
            ),
            (
                DisconnectReason::ConnectionLost {
                    error: "reset".into(),
                },
                "connection lost: reset",
            ),
        ];
        for (reason, text) in cases {
            assert_eq!(reason.to_string(), text);
        }
    }

    #[test]
    fn gaps_and_events() {
        struct NotClone;
        let event = StreamItem::Event(Arc::new(NotClone));
        assert!(event.clone().event().is_some());
        assert!(!event.is_gap());
        assert!(StreamItem::<NotClone>::Lagged {
            missed: 1,
            concerned: Vec::new()
        }
        .is_gap());
        assert!(StreamItem::<NotClone>::Reconnected {
            downtime: Duration::ZERO,
            attempts: 1
        }
        .is_gap());
        assert!(!StreamItem::<NotClone>::Connected.is_gap());
    }
}
