//! Connections that Asterisk opened: websockets accepted by the outbound
//! listener ([`crate::outbound`]) and handed to an event stream, which
//! serves them as it serves the connections it dials itself.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::handshake::Socket;
use super::StreamError;
use crate::sync::lock;

/// A websocket Asterisk dialled, upgraded, with what was already read from
/// it (the listener reads the first frame to learn whose it is).
pub(crate) struct Accepted {
    pub(crate) socket: Socket,
    /// Read before the hand-over; published before anything else.
    pub(crate) first: Option<Message>,
    pub(crate) peer: SocketAddr,
}

/// What the listener hands an event stream: the next connection, or the
/// error that ends the stream. The stream ends cleanly when the sender goes.
pub(crate) type Delivery = Result<Accepted, StreamError>;

/// Where an event stream takes its connections from, instead of dialling:
/// made with the stream's client, taken by the one stream that serves them.
#[derive(Debug)]
pub(crate) struct AcceptFeed {
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Delivery>>>,
    per_call: Option<Duration>,
}

/// The receiving end of a feed, as the connection task takes it.
pub(crate) struct Taken {
    pub(crate) deliveries: mpsc::UnboundedReceiver<Delivery>,
    /// For a per-call connection: a close with code 1000 (Asterisk done
    /// with the call) ends the stream, and after any other loss Asterisk
    /// must dial again within this long.
    pub(crate) per_call: Option<Duration>,
}

impl AcceptFeed {
    /// A feed and the sender the listener delivers on; `per_call` as in
    /// [`Taken::per_call`].
    pub(crate) fn new(
        per_call: Option<Duration>,
    ) -> (mpsc::UnboundedSender<Delivery>, Arc<AcceptFeed>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let feed = AcceptFeed {
            receiver: Mutex::new(Some(receiver)),
            per_call,
        };
        (sender, Arc::new(feed))
    }

    /// The receiving end, once: one connection feeds one event stream.
    pub(crate) fn take(&self) -> Result<Taken, StreamError> {
        let deliveries = lock(&self.receiver)
            .take()
            .ok_or(StreamError::InvalidSettings(
                "the connections Asterisk dials feed a single event stream, which the \
             outbound session's StasisApp already has (use its event_stream())",
            ))?;
        Ok(Taken {
            deliveries,
            per_call: self.per_call,
        })
    }
}

impl std::fmt::Debug for Accepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accepted")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}
