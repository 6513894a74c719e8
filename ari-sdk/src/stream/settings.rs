//! How the event stream connects and how patient it is.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{Backoff, StreamError};

/// The largest per-subscriber buffer accepted; far beyond any sensible
/// setting, it keeps a typo from reserving gigabytes.
const MAX_BUFFER: usize = 1 << 20;

/// The longest ping interval, idle timeout or connect timeout accepted: a day
/// is already absurd, and the limit keeps deadline arithmetic far from
/// overflowing.
const MAX_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// Where the event stream connects and how it behaves.
///
/// `url` and `authorization` are required; everything else has a default
/// that suits a production Asterisk.
///
/// ```
/// use std::time::Duration;
/// use ari_sdk::stream::StreamSettings;
/// use secrecy::SecretString;
///
/// let settings = StreamSettings::new(
///     "ws://pbx.example.com:8088/ari/events?app=my-app",
///     SecretString::from("Basic YXN0ZXJpc2s6c2VjcmV0"),
/// )
/// .buffer(4096)
/// .ping_interval(Duration::from_secs(5))
/// .idle_timeout(Duration::from_secs(12));
/// // The header never shows.
/// assert!(!format!("{settings:?}").contains("YXN0ZXJpc2s6c2VjcmV0"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StreamSettings {
    /// `ws://host:port/ari/events?app=a,b&subscribeAll=true` (or `wss://`).
    /// Must not carry credentials: no `user:password@`, no `api_key`.
    pub url: String,
    /// The whole `Authorization` header value, `Basic base64(user:password)`.
    pub authorization: SecretString,
    /// Waits between reconnection attempts.
    pub backoff: Backoff,
    /// How often to ping the server. Default 10 s.
    pub ping_interval: Duration,
    /// The connection is declared dead when nothing (event, pong, ping)
    /// arrived for this long. Must exceed `ping_interval`. Default 25 s.
    pub idle_timeout: Duration,
    /// The longest a connection attempt (TCP, TLS, upgrade) may take.
    /// Default 10 s.
    pub connect_timeout: Duration,
    /// How many events a subscriber may fall behind before it loses the
    /// newest ones (and gets a [`Lagged`](super::StreamItem::Lagged) notice
    /// with their exact count). Each subscriber has its own queue, which
    /// takes memory only while it is behind: the bound absorbs a consumer
    /// thread the OS did not schedule for a few milliseconds in a burst.
    /// Default 8192.
    pub buffer: usize,
    /// The largest websocket message accepted; a bigger one ends the
    /// connection (which is then re-established). Default 16 MiB.
    pub max_message_size: usize,
    /// TLS for `wss://`; `None` trusts the usual web PKI roots.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// The client whose REST requests this stream's connections carry
    /// (see [`RestTransport`](crate::config::RestTransport)), set by
    /// [`Client::stream_settings`](crate::Client::stream_settings).
    pub(crate) rest: Option<Arc<crate::ws_rest::WsRest>>,
    /// The connections Asterisk dials to the application, when it does
    /// (see [`crate::outbound`]): the stream takes them instead of dialling
    /// `url`, set by the outbound session's client.
    pub(crate) accepted: Option<Arc<super::accepted::AcceptFeed>>,
    /// The feed of events read elsewhere (the `cluster`
    /// transport): the stream takes its frames instead of dialling `url`.
    pub(crate) feed: Option<super::feed::SharedFeedSource>,
}

impl StreamSettings {
    /// Settings for `url` with the given `Authorization` header value and
    /// every other setting at its default.
    pub fn new(url: impl Into<String>, authorization: SecretString) -> Self {
        StreamSettings {
            url: url.into(),
            authorization,
            backoff: Backoff::default(),
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(25),
            connect_timeout: Duration::from_secs(10),
            buffer: 8192,
            max_message_size: 16 << 20,
            tls: None,
            rest: None,
            accepted: None,
            feed: None,
        }
    }

    /// Sets [`backoff`](Self::backoff).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets [`ping_interval`](Self::ping_interval).
    pub fn ping_interval(mut self, every: Duration) -> Self {
        self.ping_interval = every;
        self
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    pub fn idle_timeout(mut self, silence: Duration) -> Self {
        self.idle_timeout = silence;
        self
    }

    /// Sets [`connect_timeout`](Self::connect_timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`buffer`](Self::buffer).
    pub fn buffer(mut self, items: usize) -> Self {
        self.buffer = items;
        self
    }

    /// Sets [`max_message_size`](Self::max_message_size).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets [`tls`](Self::tls).
    pub fn tls(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Checks everything but the URL (which the handshake module parses).
    pub(crate) fn validate(&self) -> Result<(), StreamError> {
        if self.buffer == 0 {
            return Err(StreamError::InvalidSettings(
                "the buffer must hold at least one item",
            ));
        }
        if self.buffer > MAX_BUFFER {
            return Err(StreamError::InvalidSettings(
                "the buffer may hold at most 1048576 items",
            ));
        }
        if self.ping_interval.is_zero() {
            return Err(StreamError::InvalidSettings(
                "the ping interval must be longer than zero",
            ));
        }
        if self.idle_timeout <= self.ping_interval {
            return Err(StreamError::InvalidSettings(
                "the idle timeout must be longer than the ping interval",
            ));
        }
        if self.ping_interval > MAX_INTERVAL
            || self.idle_timeout > MAX_INTERVAL
            || self.connect_timeout > MAX_INTERVAL
        {
            return Err(StreamError::InvalidSettings(
                "the ping interval, idle timeout and connect timeout must not exceed a day",
            ));
        }
        if self.connect_timeout.is_zero() {
            return Err(StreamError::InvalidSettings(
                "the connect timeout must be longer than zero",
            ));
        }
        if self.max_message_size == 0 {
            return Err(StreamError::InvalidSettings(
                "the maximum message size must be larger than zero",
            ));
        }
        let backoff = &self.backoff;
        if !(backoff.multiplier.is_finite() && backoff.multiplier >= 1.0) {
            return Err(StreamError::InvalidSettings(
                "the backoff multiplier must be a finite number of at least 1",
            ));
        }
        if backoff.initial > backoff.max {
            return Err(StreamError::InvalidSettings(
                "the initial backoff must not exceed the maximum",
            ));
        }
        let authorization = self.authorization.expose_secret();
        // Only visible ASCII and spaces: anything else could end the header
        // line and smuggle in others (or make the server print it back).
        if authorization.trim().is_empty()
            || !authorization
                .bytes()
                .all(|b| b == b' ' || b.is_ascii_graphic())
        {
            return Err(StreamError::InvalidSettings(
                "the authorization header value must be non-empty printable ASCII",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> StreamSettings {
        StreamSettings::new(
            "ws://127.0.0.1:8088/ari/events?app=a",
            SecretString::from("Basic eA=="),
        )
    }

    #[test]
    fn defaults_are_valid() {
        settings().validate().unwrap();
    }

    #[test]
    fn rejects_unworkable_settings() {
        let cases: Vec<(StreamSettings, &str)> = vec![
            (settings().buffer(0), "at least one item"),
            (settings().buffer(MAX_BUFFER + 1), "at most"),
            (settings().ping_interval(Duration::ZERO), "ping interval"),
            (
                settings()
                    .ping_interval(Duration::from_secs(5))
                    .idle_timeout(Duration::from_secs(5)),
                "idle timeout",
            ),
            (
                settings().connect_timeout(Duration::ZERO),
                "connect timeout",
            ),
            (settings().max_message_size(0), "message size"),
            (
                settings().backoff(Backoff {
                    multiplier: 0.5,
                    ..Backoff::default()
                }),
                "multiplier",
            ),
            (
                settings().backoff(Backoff {
                    multiplier: f64::NAN,
                    ..Backoff::default()
                }),
                "multiplier",
            ),
            (
                settings().backoff(Backoff {
                    initial: Duration::from_secs(60),
                    ..Backoff::default()
                }),
                "initial backoff",
            ),
            (
                StreamSettings::new("ws://h/ari/events", SecretString::from("Basic x\r\nX: y")),
                "printable ASCII",
            ),
            (
                StreamSettings::new("ws://h/ari/events", SecretString::from("  ")),
                "printable ASCII",
            ),
        ];
        for (settings, expected) in cases {
            let error = settings.validate().unwrap_err().to_string();
            assert!(
                error.contains(expected),
                "{error:?} should mention {expected:?}"
            );
            assert!(!error.contains("Basic"), "{error}");
        }
    }
}
