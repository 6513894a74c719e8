//! Frames from a source other than a websocket of the stream's own: the
//! `cluster` transport reads Asterisk's events from NATS
//! and hands them to the stream as a feed, with the news about its
//! connection and its nodes in order with them.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{DisconnectReason, NodeNotice, StreamError};

/// One item of a feed.
#[derive(Debug)]
// Only the cluster transport makes them.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(crate) enum FeedItem {
    /// The source is connected: the stream is (again) up.
    Up,
    /// One event frame, as Asterisk wrote it.
    Frame(Utf8Bytes),
    /// News about a node.
    Node(NodeNotice),
    /// A message that is no event frame (not UTF-8): reported to every
    /// subscriber, and the feed goes on.
    Malformed(StreamError),
    /// The source lost its connection; events until the next
    /// [`Up`](FeedItem::Up) are lost (or will be replayed, if the source
    /// can).
    Down(DisconnectReason),
}

/// Opens the feed of one event stream: called once per stream, when it
/// starts. The feed ends (its sender dropped) when the source is gone for
/// good; the stream then ends.
pub(crate) trait FeedSource: Send + Sync + std::fmt::Debug {
    /// A receiver of the feed, its task started.
    fn open(&self) -> Result<mpsc::Receiver<FeedItem>, StreamError>;
}

/// What the stream settings carry.
pub(crate) type SharedFeedSource = Arc<dyn FeedSource>;
