//! REST over the event websocket (Asterisk 20.14.0, 21.9.0, 22.4.0 and
//! every later release): the requests a [`Client`](crate::Client) sends as
//! `RESTRequest` messages on a connected `/ari/events` websocket, and the
//! `RESTResponse` events that answer them.
//!
//! One [`WsRest`] per client. Every event stream made from a client whose
//! [`RestTransport`](crate::config::RestTransport) is the websocket links
//! its connection here while it is up ([`WsRest::attach`]), hands every
//! `RESTResponse` frame here instead of to its subscribers
//! ([`WsRest::resolve`]) and unlinks when the connection ends
//! ([`WsRest::detach`]), which fails the requests still waiting on it.
//!
//! A request is answered by the `RESTResponse` carrying its `request_id`,
//! a number unique for the client's life: Asterisk answers on the
//! websocket that carried the request, in any order, so concurrent
//! requests need no other ordering.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::{mpsc, oneshot, watch};

use crate::sync::lock;

/// The messages a linked connection writes on its socket.
pub(crate) type Outgoing = mpsc::UnboundedSender<String>;

/// The connection requests are sent on, and the requests in flight.
pub(crate) struct WsRest {
    state: Mutex<State>,
    /// Bumped at every [`attach`](Self::attach), to wake the requests
    /// waiting for a connection.
    attached: watch::Sender<u64>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct State {
    /// The newest connection that is up: its number and its writer.
    link: Option<(u64, Outgoing)>,
    /// Connections numbered from 1.
    links_made: u64,
    /// Requests sent and not answered: `request_id` -> the connection
    /// that carries it and where its answer goes.
    pending: HashMap<String, (u64, oneshot::Sender<Answer>)>,
}

/// What came back for a request: Asterisk's `RESTResponse`, as decoded.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Answer {
    /// The `RESTResponse`'s `status_code`.
    pub status_code: i64,
    /// Its `message_body`: the JSON of the answer, absent without one.
    #[serde(default)]
    pub message_body: Option<String>,
}

/// The part of a `RESTResponse` read to find its request.
#[derive(serde::Deserialize)]
struct Addressed {
    #[serde(default)]
    request_id: Option<String>,
}

/// A `RESTRequest` message (the fields `events.json` documents).
#[derive(serde::Serialize)]
pub(crate) struct RestRequest<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub transaction_id: &'a str,
    pub request_id: &'a str,
    pub method: &'static str,
    /// Below ARI's base, without the leading slash (`channels/abc/answer`):
    /// Asterisk walks its handler tree from the first segment.
    pub uri: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub query_strings: Vec<QueryString<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
}

/// One `{"name": ..., "value": ...}` of `query_strings`.
#[derive(serde::Serialize)]
pub(crate) struct QueryString<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

/// Why a request got no answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NoAnswer {
    /// The connection that carried it ended first.
    Closed,
}

impl fmt::Debug for WsRest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("WsRest")
            .field("linked", &state.link.as_ref().map(|(n, _)| *n))
            .field("pending", &state.pending.len())
            .finish()
    }
}

impl Default for WsRest {
    fn default() -> Self {
        WsRest {
            state: Mutex::new(State::default()),
            attached: watch::Sender::new(0),
            next_id: AtomicU64::new(1),
        }
    }
}

impl WsRest {
    /// A fresh `request_id`.
    pub(crate) fn next_request_id(&self) -> String {
        format!("ari-sdk-{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Makes `writer` the connection requests go on; returns its number
    /// for [`detach`](Self::detach).
    pub(crate) fn attach(&self, writer: Outgoing) -> u64 {
        let number = {
            let mut state = lock(&self.state);
            state.links_made += 1;
            let number = state.links_made;
            state.link = Some((number, writer));
            number
        };
        self.attached.send_modify(|n| *n = n.wrapping_add(1));
        number
    }

    /// The connection `number` ended: requests stop going there, and those
    /// it carried learn that no answer will come.
    pub(crate) fn detach(&self, number: u64) {
        let mut state = lock(&self.state);
        if state.link.as_ref().is_some_and(|(n, _)| *n == number) {
            state.link = None;
        }
        // Dropping a sender wakes its request with `NoAnswer::Closed`.
        state.pending.retain(|_, (carrier, _)| *carrier != number);
    }

    /// Sends `message` (a `RESTRequest` whose `request_id` is `id`) on the
    /// current connection, waiting for one to be up; the answer's receiver.
    /// Waits as long as no connection is up: the caller bounds it.
    pub(crate) async fn send(&self, id: &str, mut message: String) -> AnswerReceiver {
        let mut attached = self.attached.subscribe();
        loop {
            attached.borrow_and_update();
            {
                let mut state = lock(&self.state);
                if let Some((number, writer)) = state.link.clone() {
                    // Under the lock, so `detach` either sees the request
                    // or the request sees the link gone.
                    match writer.send(message) {
                        Ok(()) => {
                            let (tx, rx) = oneshot::channel();
                            state.pending.insert(id.to_owned(), (number, tx));
                            return AnswerReceiver { rx };
                        }
                        // The connection is going: wait for the next one.
                        Err(mpsc::error::SendError(unsent)) => {
                            message = unsent;
                            state.link = None;
                        }
                    }
                }
            }
            if attached.changed().await.is_err() {
                // Never: `self` holds the sender.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Forgets a request that no longer waits (timed out, dropped).
    pub(crate) fn forget(&self, id: &str) {
        lock(&self.state).pending.remove(id);
    }

    /// Hands a `RESTResponse` frame to the request it answers. A frame
    /// answering nothing in flight (one that timed out, or a malformed
    /// one) is logged and dropped.
    pub(crate) fn resolve(&self, frame: &str) {
        let id = match serde_json::from_str::<Addressed>(frame) {
            Ok(Addressed {
                request_id: Some(id),
            }) => id,
            Ok(_) | Err(_) => {
                tracing::warn!(frame, "RESTResponse without a request_id, dropped");
                return;
            }
        };
        let Some((_, answer)) = lock(&self.state).pending.remove(&id) else {
            tracing::debug!(request_id = %id, "RESTResponse for no request in flight, dropped");
            return;
        };
        match serde_json::from_str::<Answer>(frame) {
            Ok(decoded) => {
                // The request may have stopped waiting meanwhile.
                let _ = answer.send(decoded);
            }
            Err(error) => {
                tracing::warn!(request_id = %id, %error, "malformed RESTResponse");
                // Dropped: the request ends as if its connection had.
                drop(answer);
            }
        }
    }

    /// How many requests wait for an answer (for tests).
    #[cfg(test)]
    fn in_flight(&self) -> usize {
        lock(&self.state).pending.len()
    }
}

/// Where a sent request's answer arrives.
pub(crate) struct AnswerReceiver {
    rx: oneshot::Receiver<Answer>,
}

impl AnswerReceiver {
    /// The answer, or why none will come.
    pub(crate) async fn answer(self) -> Result<Answer, NoAnswer> {
        self.rx.await.map_err(|_| NoAnswer::Closed)
    }
}

/// Whether a frame is a `RESTResponse`. Asterisk writes `type` first, so
/// that is a prefix comparison; other frames get the scan.
pub(crate) fn is_rest_response(frame: &str) -> bool {
    const TYPE_FIRST: &str = r#"{"type":"RESTResponse""#;
    if frame.starts_with(r#"{"type":""#) {
        return frame.starts_with(TYPE_FIRST);
    }
    crate::event_tag::event_type(frame).is_ok_and(|name| name == "RESTResponse")
}

/// The release of each line that first took REST over the websocket.
pub(crate) const SINCE: [&str; 3] = ["20.14.0", "21.9.0", "22.4.0"];

/// The release a server of `major` needs for REST over the websocket, if it
/// runs an older one than `(major, minor, patch)`: `None` when it has it.
pub(crate) fn needs(running: (u32, u32, u32)) -> Option<&'static str> {
    match running.0 {
        0..=19 => Some(SINCE[0]),
        20 if running < (20, 14, 0) => Some(SINCE[0]),
        21 if running < (21, 9, 0) => Some(SINCE[1]),
        22 if running < (22, 4, 0) => Some(SINCE[2]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_that_have_it() {
        assert_eq!(needs((19, 18, 0)), Some("20.14.0"));
        assert_eq!(needs((20, 13, 9)), Some("20.14.0"));
        assert_eq!(needs((20, 14, 0)), None);
        assert_eq!(needs((21, 8, 2)), Some("21.9.0"));
        assert_eq!(needs((21, 9, 0)), None);
        assert_eq!(needs((22, 3, 0)), Some("22.4.0"));
        assert_eq!(needs((22, 10, 1)), None);
        assert_eq!(needs((23, 0, 0)), None);
    }

    #[test]
    fn recognises_responses() {
        assert!(is_rest_response(
            r#"{"type":"RESTResponse","request_id":"1"}"#
        ));
        assert!(is_rest_response(
            r#"{"request_id":"1","type":"RESTResponse"}"#
        ));
        assert!(!is_rest_response(r#"{"type":"RESTResponses"}"#));
        assert!(!is_rest_response(r#"{"type":"StasisStart"}"#));
        assert!(!is_rest_response("not json"));
    }

    #[tokio::test]
    async fn answers_by_id_and_fails_on_detach() {
        let hub = WsRest::default();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let link = hub.attach(tx);
        let first = hub.send("a", "one".into()).await;
        let second = hub.send("b", "two".into()).await;
        assert_eq!(rx.recv().await.as_deref(), Some("one"));
        assert_eq!(rx.recv().await.as_deref(), Some("two"));
        hub.resolve(r#"{"type":"RESTResponse","request_id":"b","status_code":204}"#);
        // Unknown and malformed answers change nothing.
        hub.resolve(r#"{"type":"RESTResponse","request_id":"zzz","status_code":200}"#);
        hub.resolve(r#"{"type":"RESTResponse","status_code":200}"#);
        hub.resolve("{");
        let answered = second.answer().await.expect("answered");
        assert_eq!(answered.status_code, 204);
        assert_eq!(answered.message_body, None);
        assert_eq!(hub.in_flight(), 1);
        hub.detach(link);
        assert_eq!(first.answer().await.unwrap_err(), NoAnswer::Closed);
        assert_eq!(hub.in_flight(), 0);
    }

    #[tokio::test]
    async fn waits_for_a_connection() {
        let hub = std::sync::Arc::new(WsRest::default());
        let sender = {
            let hub = hub.clone();
            tokio::spawn(async move { hub.send("x", "msg".into()).await })
        };
        tokio::task::yield_now().await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        hub.attach(tx);
        assert_eq!(rx.recv().await.as_deref(), Some("msg"));
        let answer = sender.await.expect("sent");
        hub.resolve(
            r#"{"type":"RESTResponse","request_id":"x","status_code":200,"message_body":"[]"}"#,
        );
        assert_eq!(
            answer
                .answer()
                .await
                .expect("answer")
                .message_body
                .as_deref(),
            Some("[]")
        );
    }
}
