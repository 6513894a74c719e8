//! A loopback websocket server standing in for Asterisk's `/ari/events`, and
//! a small event type, shared by the `stream_*` tests.

// Each test binary uses its own part of this; the upgrade callbacks return
// the error type tungstenite dictates.
#![allow(dead_code, clippy::result_large_err)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ari_sdk::resource::ResourceKind;
use ari_sdk::stream::{
    Backoff, EventKind, Jitter, StreamEvent, StreamItem, StreamSettings, Subscription,
};
use base64::Engine as _;
use futures::{SinkExt as _, StreamExt as _};
use secrecy::SecretString;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub const USERNAME: &str = "asterisk";
pub const PASSWORD: &str = "pw-Zq8xT3vLr9";
pub const APPS: &str = "app=test-app,other-app&subscribeAll=true";

/// How long any single wait in a test may take before it fails.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// The header value Asterisk expects for `USERNAME:PASSWORD`.
pub fn basic_token() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"))
}

pub fn authorization() -> SecretString {
    SecretString::from(format!("Basic {}", basic_token()))
}

/// Settings for a server at `addr`, with timings short enough for tests.
pub fn settings(addr: SocketAddr) -> StreamSettings {
    StreamSettings::new(format!("ws://{addr}/ari/events?{APPS}"), authorization())
        .backoff(fast_backoff())
        .ping_interval(Duration::from_millis(100))
        .idle_timeout(Duration::from_millis(400))
        .connect_timeout(Duration::from_secs(2))
        .buffer(64)
}

pub fn fast_backoff() -> Backoff {
    Backoff::default()
        .initial(Duration::from_millis(20))
        .max(Duration::from_millis(100))
        .jitter(Jitter::Equal)
        .reset_after(Duration::from_secs(60))
}

pub async fn bind() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0")
}

/// What the client sent when upgrading.
#[derive(Debug, Clone)]
pub struct Upgrade {
    pub target: String,
    pub authorization: Option<String>,
    pub subprotocol: Option<String>,
}

pub type ServerSocket = WebSocketStream<TcpStream>;

/// Accepts one TCP connection.
pub async fn accept_tcp(listener: &TcpListener) -> TcpStream {
    let (tcp, _) = tokio::time::timeout(PATIENCE, listener.accept())
        .await
        .expect("the client should connect")
        .expect("accept");
    tcp
}

/// Accepts one connection and upgrades it, like Asterisk: the right
/// credentials or 401.
pub async fn accept(listener: &TcpListener) -> (ServerSocket, Upgrade) {
    upgrade(accept_tcp(listener).await).await
}

/// Upgrades an accepted connection (plain or TLS) like Asterisk: the right
/// credentials or 401.
pub async fn upgrade<S>(transport: S) -> (WebSocketStream<S>, Upgrade)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let seen = Arc::new(std::sync::Mutex::new(None));
    let recorder = Arc::clone(&seen);
    let expected = format!("Basic {}", basic_token());
    let callback =
        move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .map(|value| value.to_str().unwrap_or("<non-ascii>").to_owned())
            };
            let upgrade = Upgrade {
                target: request.uri().to_string(),
                authorization: header("authorization"),
                subprotocol: header("sec-websocket-protocol"),
            };
            let authorized = upgrade.authorization.as_deref() == Some(expected.as_str());
            *recorder.lock().unwrap() = Some(upgrade);
            if authorized {
                Ok(response)
            } else {
                Err(unauthorized())
            }
        };
    let socket = tokio_tungstenite::accept_hdr_async(transport, callback)
        .await
        .expect("the upgrade should succeed");
    let upgrade = seen.lock().unwrap().take().expect("the callback ran");
    (socket, upgrade)
}

/// Accepts one connection and answers its upgrade with 401, whatever it sent.
pub async fn accept_and_refuse(listener: &TcpListener) -> Upgrade {
    let tcp = accept_tcp(listener).await;
    let seen = Arc::new(std::sync::Mutex::new(None));
    let recorder = Arc::clone(&seen);
    let callback = move |request: &Request, _: Response| -> Result<Response, ErrorResponse> {
        *recorder.lock().unwrap() = Some(Upgrade {
            target: request.uri().to_string(),
            authorization: request
                .headers()
                .get("authorization")
                .map(|value| value.to_str().unwrap_or("").to_owned()),
            subprotocol: None,
        });
        Err(unauthorized())
    };
    let refused = tokio_tungstenite::accept_hdr_async(tcp, callback).await;
    assert!(refused.is_err(), "the upgrade was meant to be refused");
    let upgrade = seen.lock().unwrap().take().expect("the callback ran");
    upgrade
}

fn unauthorized() -> ErrorResponse {
    let mut response =
        ErrorResponse::new(Some(r#"{"message": "Authentication required"}"#.to_owned()));
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    response
}

/// An ARI-shaped event frame.
pub fn event(kind: &str, seq: u64) -> Message {
    Message::text(format!(
        r#"{{"type":"{kind}","seq":{seq},"timestamp":"2026-11-22T18:02:24.382+0000","application":"test-app","channel":{{"id":"chan-{}"}}}}"#,
        seq % 3
    ))
}

pub async fn send(socket: &mut ServerSocket, message: Message) {
    socket.send(message).await.expect("the server sends");
}

/// A minimal typed event: what the generated enums look like to the stream.
#[derive(Debug)]
pub struct TestEvent {
    pub kind: String,
    pub seq: u64,
    pub channel: Option<String>,
}

#[derive(serde::Deserialize)]
struct RawEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    seq: u64,
    channel: Option<RawChannel>,
}

#[derive(serde::Deserialize)]
struct RawChannel {
    id: String,
}

/// The test events' types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestKind {
    StasisStart,
    ChannelVarset,
    StasisEnd,
    Other,
}

impl EventKind for TestKind {
    const COUNT: usize = 4;

    fn index(self) -> usize {
        self as usize
    }

    fn from_type_name(name: &str) -> Self {
        match name {
            "StasisStart" => TestKind::StasisStart,
            "ChannelVarset" => TestKind::ChannelVarset,
            "StasisEnd" => TestKind::StasisEnd,
            _ => TestKind::Other,
        }
    }
}

impl StreamEvent for TestEvent {
    type Kind = TestKind;

    fn kind(&self) -> TestKind {
        TestKind::from_type_name(&self.kind)
    }

    fn for_each_resource(&self, f: &mut dyn FnMut(ResourceKind, &str)) {
        if let Some(channel) = &self.channel {
            f(ResourceKind::Channel, channel);
        }
    }

    fn decode(frame: &str) -> Result<Self, serde_json::Error> {
        let raw: RawEvent = serde_json::from_str(frame)?;
        Ok(TestEvent {
            kind: raw.kind,
            seq: raw.seq,
            channel: raw.channel.map(|channel| channel.id),
        })
    }

    fn type_name(&self) -> &str {
        &self.kind
    }
}

/// The next item, or a test failure after [`PATIENCE`].
pub async fn next<S>(subscription: &mut S) -> StreamItem<TestEvent>
where
    S: futures::Stream<Item = StreamItem<TestEvent>> + Unpin,
{
    tokio::time::timeout(PATIENCE, subscription.next())
        .await
        .expect("an item should arrive in time")
        .expect("the subscription should not have ended")
}

/// The next item, which must be an event; returns its sequence number.
pub async fn next_seq<S>(subscription: &mut S) -> u64
where
    S: futures::Stream<Item = StreamItem<TestEvent>> + Unpin,
{
    match next(subscription).await {
        StreamItem::Event(event) => event.seq,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// True when nothing arrives within `quiet`.
pub async fn stays_quiet(subscription: &mut Subscription<TestEvent>, quiet: Duration) -> bool {
    tokio::time::timeout(quiet, subscription.next())
        .await
        .is_err()
}
