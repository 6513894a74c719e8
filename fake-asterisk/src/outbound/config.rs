//! The outbound connections a fake is configured with: the fake's
//! `websocket_client.conf` and the `outbound_websocket` sections of its
//! `ari.conf`.

use std::time::Duration;

/// How a `websocket_client` connection is used (`connection_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionType {
    /// One connection for every call of its applications, dialled at start
    /// and re-dialled for ever.
    Persistent,
    /// One connection per call that enters `Stasis()` of an application
    /// not registered otherwise (application id `<app>:<channel name>`),
    /// and per media channel that names it.
    PerCallConfig,
}

/// A `websocket_client.conf` section: where and how the fake dials.
///
/// ```
/// use std::time::Duration;
/// use fake_asterisk::{ConnectionType, WebsocketClient};
///
/// let client = WebsocketClient::new("ari_app", "ws://127.0.0.1:8765", ConnectionType::Persistent)
///     .credentials("asterisk", "s3cret")
///     .reconnect_interval(Duration::from_millis(100));
/// assert_eq!(client.id(), "ari_app");
/// ```
#[derive(Debug, Clone)]
pub struct WebsocketClient {
    pub(crate) id: String,
    pub(crate) uri: String,
    pub(crate) protocols: String,
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) connection_type: ConnectionType,
    pub(crate) reconnect_interval: Duration,
    pub(crate) reconnect_attempts: Option<u32>,
    pub(crate) connection_timeout: Duration,
    pub(crate) ca_certificate_der: Option<Vec<u8>>,
}

impl WebsocketClient {
    /// A connection `id` to `uri` (`ws://` or `wss://`), with
    /// `protocols = ari`, no credentials and Asterisk's defaults
    /// (`reconnect_interval` 500 ms, `connection_timeout` 500 ms,
    /// `reconnect_attempts` 4, for ever when persistent). Real time: the
    /// fake's time scale does not apply.
    pub fn new(id: &str, uri: &str, connection_type: ConnectionType) -> Self {
        WebsocketClient {
            id: id.to_owned(),
            uri: uri.to_owned(),
            protocols: "ari".to_owned(),
            username: String::new(),
            password: String::new(),
            connection_type,
            reconnect_interval: Duration::from_millis(500),
            reconnect_attempts: None,
            connection_timeout: Duration::from_millis(500),
            ca_certificate_der: None,
        }
    }

    /// The section's name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `protocols`: offered in `Sec-WebSocket-Protocol` (`ari`, `media`).
    pub fn protocols(mut self, protocols: &str) -> Self {
        self.protocols = protocols.to_owned();
        self
    }

    /// `username` and `password`, sent as HTTP basic auth (only when both
    /// are non-empty, as Asterisk does).
    pub fn credentials(mut self, username: &str, password: &str) -> Self {
        self.username = username.to_owned();
        self.password = password.to_owned();
        self
    }

    /// `reconnect_interval`.
    pub fn reconnect_interval(mut self, interval: Duration) -> Self {
        self.reconnect_interval = interval;
        self
    }

    /// `reconnect_attempts`: how many tries a connection gets before a
    /// per-call one fails its call (persistent ones retry for ever).
    pub fn reconnect_attempts(mut self, attempts: u32) -> Self {
        self.reconnect_attempts = Some(attempts.max(1));
        self
    }

    /// `tls_enabled = yes` with `ca_list_file` holding this certificate
    /// (DER), and the server's certificate and host name verified.
    pub fn trust(mut self, ca_certificate_der: Vec<u8>) -> Self {
        self.ca_certificate_der = Some(ca_certificate_der);
        self
    }

    /// Tries per connection: the configured number, else 4 (per call) or
    /// unbounded (persistent), as `res_websocket_client` defaults them.
    pub(crate) fn attempts(&self) -> u32 {
        match (self.reconnect_attempts, self.connection_type) {
            (Some(attempts), _) => attempts,
            (None, ConnectionType::Persistent) => u32::MAX,
            (None, ConnectionType::PerCallConfig) => 4,
        }
    }
}

/// An `ari.conf` `type = outbound_websocket` section: which applications
/// a `websocket_client` connection serves.
#[derive(Debug, Clone)]
pub struct OutboundWebsocket {
    pub(crate) id: String,
    pub(crate) websocket_client_id: String,
    pub(crate) apps: Vec<String>,
    pub(crate) subscribe_all: bool,
}

impl OutboundWebsocket {
    /// Section `id`, over connection `websocket_client_id`, serving `apps`.
    pub fn new(id: &str, websocket_client_id: &str, apps: &[&str]) -> Self {
        OutboundWebsocket {
            id: id.to_owned(),
            websocket_client_id: websocket_client_id.to_owned(),
            apps: apps.iter().map(|app| (*app).to_owned()).collect(),
            subscribe_all: false,
        }
    }

    /// `subscribe_all`.
    pub fn subscribe_all(mut self, all: bool) -> Self {
        self.subscribe_all = all;
        self
    }
}

/// The whole outbound configuration of a fake.
#[derive(Debug, Clone)]
pub(crate) struct OutboundConfig {
    pub(crate) clients: Vec<WebsocketClient>,
    pub(crate) websockets: Vec<OutboundWebsocket>,
    /// How long after a per-call channel's `StasisEnd` its connection is
    /// closed (Asterisk waits 3 s for the events that follow).
    pub(crate) per_call_close_delay: Duration,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        OutboundConfig {
            clients: Vec::new(),
            websockets: Vec::new(),
            per_call_close_delay: Duration::from_secs(3),
        }
    }
}

impl OutboundConfig {
    pub(crate) fn client(&self, id: &str) -> Option<&WebsocketClient> {
        self.clients.iter().find(|client| client.id == id)
    }

    /// The `per_call_config` section serving `app`, with its connection.
    pub(crate) fn per_call(&self, app: &str) -> Option<(&OutboundWebsocket, &WebsocketClient)> {
        self.websockets.iter().find_map(|websocket| {
            let client = self.client(&websocket.websocket_client_id)?;
            (client.connection_type == ConnectionType::PerCallConfig
                && websocket.apps.iter().any(|a| a == app))
            .then_some((websocket, client))
        })
    }
}
