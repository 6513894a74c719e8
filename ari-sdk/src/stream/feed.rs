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
    /// One event frame, as Asterisk wrote it, with the receipt a durable
    /// source waits for before it lets the event go.
    Frame(Utf8Bytes, Option<Receipt>),
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

/// What a durable source learns of a frame it fed: the stream handed it to
/// its consumers ([`handed_over`](Receipt::handed_over)), or the receipt was
/// dropped first (the stream stopped with the frame still in the feed).
/// The source acknowledges the event only in the first case, so an event
/// is never let go of before it reached the application.
// Only the cluster transport makes them.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(crate) struct Receipt {
    settle: Option<Box<dyn FnOnce(bool) + Send + Sync>>,
}

#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
impl Receipt {
    /// A receipt that calls `settle` once: with `true` when the frame was
    /// handed over, `false` when it was dropped.
    pub(crate) fn new(settle: impl FnOnce(bool) + Send + Sync + 'static) -> Receipt {
        Receipt {
            settle: Some(Box::new(settle)),
        }
    }

    /// The frame reached the consumers (or needs no delivery).
    pub(crate) fn handed_over(mut self) {
        if let Some(settle) = self.settle.take() {
            settle(true);
        }
    }

    /// [`handed_over`](Self::handed_over) for a frame that may have come
    /// without a receipt (not through a durable source).
    pub(crate) fn hand_over(receipt: Option<Receipt>) {
        if let Some(receipt) = receipt {
            receipt.handed_over();
        }
    }
}

impl Drop for Receipt {
    fn drop(&mut self) {
        if let Some(settle) = self.settle.take() {
            settle(false);
        }
    }
}

impl std::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receipt").finish_non_exhaustive()
    }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;

    use futures::StreamExt as _;
    use serde_json::Value;

    use super::*;
    use crate::stream::{EventStream, StreamItem, StreamSettings};

    /// A feed whose items are all there before the stream starts.
    #[derive(Debug)]
    struct Preloaded(Mutex<Option<mpsc::Receiver<FeedItem>>>);

    impl FeedSource for Preloaded {
        fn open(&self) -> Result<mpsc::Receiver<FeedItem>, StreamError> {
            self.0
                .lock()
                .ok()
                .and_then(|mut receiver| receiver.take())
                .ok_or(StreamError::Closed)
        }
    }

    /// How many receipts were handed over, and how many dropped.
    #[derive(Default)]
    struct Counts {
        handed: AtomicUsize,
        dropped: AtomicUsize,
    }

    /// A stream over a feed that is up and holds `frames` events, each with
    /// a receipt counted in `counts`.
    fn stream_of(frames: usize, counts: &Arc<Counts>) -> EventStream<Value> {
        let (sender, receiver) = mpsc::channel(frames + 1);
        sender.try_send(FeedItem::Up).expect("room");
        for n in 0..frames {
            let counts = Arc::clone(counts);
            let receipt = Receipt::new(move |handed| {
                let count = if handed {
                    &counts.handed
                } else {
                    &counts.dropped
                };
                count.fetch_add(1, Ordering::SeqCst);
            });
            let frame = format!(r#"{{"type":"Dial","n":{n}}}"#);
            sender
                .try_send(FeedItem::Frame(frame.into(), Some(receipt)))
                .expect("room");
        }
        let mut settings =
            StreamSettings::new("ws://feed.invalid", secrecy::SecretString::from("Basic x"));
        settings.feed = Some(Arc::new(Preloaded(Mutex::new(Some(receiver)))));
        EventStream::connect(settings).expect("stream")
    }

    async fn until(done: impl Fn() -> bool) {
        tokio::time::timeout(Duration::from_secs(10), async {
            while !done() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("in time");
    }

    #[tokio::test]
    async fn a_frame_is_handed_over_once_routed_and_handed_back_if_the_stream_stops_first() {
        // Routed to the subscriber: every receipt is handed over.
        let counts = Arc::new(Counts::default());
        let stream = stream_of(3, &counts);
        let mut events = stream.subscribe();
        let mut read = 0;
        while read < 3 {
            if let Some(StreamItem::Event(_)) = events.next().await {
                read += 1;
            }
        }
        assert_eq!(counts.handed.load(Ordering::SeqCst), 3);
        assert_eq!(counts.dropped.load(Ordering::SeqCst), 0);

        // Stopped before its task ran (this runtime has one thread): none
        // was routed, so none is handed over, and every one is given back.
        let counts = Arc::new(Counts::default());
        let stream = stream_of(3, &counts);
        stream.close();
        stream.closed().await;
        until(|| counts.dropped.load(Ordering::SeqCst) == 3).await;
        assert_eq!(counts.handed.load(Ordering::SeqCst), 0);
    }
}
