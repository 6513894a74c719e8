//! A received event frame, decoded at most once, by whoever needs it first.
//!
//! The connection task does not decode a frame that goes to one subscriber
//! only: it queues the frame's text, and the subscriber decodes it when it
//! takes it, in its own task. The taps (the handles' dispatcher) need the
//! event at once, and a frame several subscribers take would otherwise be
//! decoded by whichever comes first while the others wait, so such frames
//! are decoded on the connection task, once, before any subscriber sees
//! them.
//!
//! Why not decode on the connection task always: with one subscriber, the
//! reading and the decoding then run on two threads side by side instead of
//! one after the other, and an event is allocated and freed on the same
//! thread (the consumer's), which the system allocator handles much faster
//! than memory freed on another thread than the one that allocated it
//! (measured: `benches/stream.rs`, BENCHMARKS.md).

use std::sync::{Arc, OnceLock};

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{StreamError, StreamEvent, StreamItem};

/// One text frame and, once someone needed it, what it decoded to.
pub(crate) struct Frame<E> {
    text: Utf8Bytes,
    decoded: OnceLock<StreamItem<E>>,
}

impl<E: StreamEvent> Frame<E> {
    pub(crate) fn new(text: Utf8Bytes) -> Self {
        Frame {
            text,
            decoded: OnceLock::new(),
        }
    }

    /// The same frame, undecoded, in memory of its own. A received frame's
    /// text is a slice of the websocket's read buffer: while any frame of a
    /// buffer is alive, that buffer (128 KiB) cannot be reused, and a queue
    /// of thousands of frames would keep dozens of them.
    pub(crate) fn detached(&self) -> Arc<Self> {
        Arc::new(Frame::new(Utf8Bytes::from(self.text.as_str())))
    }

    /// The frame as received.
    pub(crate) fn text(&self) -> &str {
        self.text.as_str()
    }

    /// What the frame decoded to, if anyone decoded it yet.
    pub(crate) fn decoded(&self) -> Option<&StreamItem<E>> {
        self.decoded.get()
    }

    /// The event, or the error of a frame that is not one; decoded on the
    /// first call (concurrent first calls wait for one decode).
    pub(crate) fn item(&self) -> &StreamItem<E> {
        self.decoded.get_or_init(|| decode(self.text.as_str()))
    }
}

/// Decodes one frame into the item every consumer of it gets.
fn decode<E: StreamEvent>(frame: &str) -> StreamItem<E> {
    match E::decode(frame) {
        Ok(event) => {
            tracing::debug!(event_type = event.type_name(), "event received");
            StreamItem::Event(Arc::new(event))
        }
        Err(error) => {
            tracing::warn!(error = %error, bytes = frame.len(), "malformed event frame");
            StreamItem::Error(Arc::new(StreamError::MalformedFrame {
                raw: frame.to_owned(),
                source: error,
            }))
        }
    }
}

/// What a consumer's queue holds: an event ready to hand out, a frame that
/// may still need decoding, or another item.
///
/// Two words: every live call's handle queue holds a few of these once it
/// was read from (a `VecDeque` keeps its slots), so an entry holding a
/// whole [`StreamItem`] inline (five words, more if a variant grows) would
/// cost each call its size several times over. Events are nearly every
/// entry and are inline; notices and errors are rare and boxed.
pub(crate) enum Entry<E> {
    Event(Arc<E>),
    Frame(Arc<Frame<E>>),
    Other(Box<StreamItem<E>>),
}

impl<E: StreamEvent> Entry<E> {
    /// The item, decoding the frame if nobody has yet.
    pub(crate) fn into_item(self) -> StreamItem<E> {
        match self {
            Entry::Event(event) => StreamItem::Event(event),
            Entry::Frame(frame) => frame.item().clone(),
            Entry::Other(item) => *item,
        }
    }

    /// The event, decoding the frame if nobody has yet; `None` for another
    /// item.
    pub(crate) fn event(&self) -> Option<&Arc<E>> {
        match self {
            Entry::Event(event) => Some(event),
            Entry::Frame(frame) => frame.item().event(),
            Entry::Other(_) => None,
        }
    }
}

impl<E> From<StreamItem<E>> for Entry<E> {
    fn from(item: StreamItem<E>) -> Self {
        match item {
            StreamItem::Event(event) => Entry::Event(event),
            other => Entry::Other(Box::new(other)),
        }
    }
}

impl<E> Clone for Entry<E> {
    fn clone(&self) -> Self {
        match self {
            Entry::Event(event) => Entry::Event(Arc::clone(event)),
            Entry::Frame(frame) => Entry::Frame(Arc::clone(frame)),
            Entry::Other(item) => Entry::Other(Box::new(StreamItem::clone(item))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_two_words() {
        // See `Entry`: a handle queue's slots are paid for by every live call.
        assert_eq!(
            std::mem::size_of::<Entry<serde_json::Value>>(),
            2 * std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn items_become_entries_and_back() {
        let event = Arc::new(serde_json::json!({"type": "X"}));
        match Entry::from(StreamItem::Event(Arc::clone(&event))) {
            Entry::Event(inline) => assert!(Arc::ptr_eq(&inline, &event)),
            _ => panic!("an event is kept inline"),
        }
        let notice = Entry::<serde_json::Value>::from(StreamItem::Lagged {
            missed: 3,
            concerned: Vec::new(),
        });
        assert!(notice.event().is_none());
        match notice.clone().into_item() {
            StreamItem::Lagged { missed: 3, .. } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_frame_is_decoded_once_and_shared() {
        let frame = Arc::new(Frame::<serde_json::Value>::new(Utf8Bytes::from(
            r#"{"type":"X","n":1}"#,
        )));
        let first = Entry::Frame(Arc::clone(&frame)).into_item();
        let second = Entry::Frame(frame).into_item();
        match (first, second) {
            (StreamItem::Event(a), StreamItem::Event(b)) => {
                assert!(Arc::ptr_eq(&a, &b), "one decode, one Arc");
                assert_eq!(a["n"], 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_malformed_frame_is_an_error_with_its_text() {
        let frame = Arc::new(Frame::<serde_json::Value>::new(Utf8Bytes::from(
            "{not json",
        )));
        match Entry::Frame(frame).into_item() {
            StreamItem::Error(error) => match &*error {
                StreamError::MalformedFrame { raw, .. } => assert_eq!(raw, "{not json"),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }
}
