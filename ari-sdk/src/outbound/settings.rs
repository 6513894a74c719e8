//! How the outbound listener accepts Asterisk's connections.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

/// Settings of an [`OutboundServer`](super::OutboundServer): TLS, the
/// credentials Asterisk must present, and timeouts. Every setting has a
/// default; [`OutboundSettings::new`] is a plain-`ws://` listener that
/// accepts any connection.
///
/// ```
/// use std::time::Duration;
/// use ari_sdk::outbound::OutboundSettings;
///
/// // websocket_client.conf: username = asterisk, password = s3cret
/// let settings = OutboundSettings::new()
///     .basic_auth("asterisk", "s3cret")
///     .request_timeout(Duration::from_secs(5));
/// // The password never shows.
/// assert!(!format!("{settings:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
#[must_use]
pub struct OutboundSettings {
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    pub(crate) credentials: Option<(String, SecretString)>,
    pub(crate) handshake_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) redial_window: Duration,
    pub(crate) max_message_size: usize,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        OutboundSettings {
            tls: None,
            credentials: None,
            handshake_timeout: Duration::from_secs(10),
            request_timeout: crate::config::DEFAULT_REQUEST_TIMEOUT,
            redial_window: Duration::from_secs(10),
            max_message_size: 16 << 20,
        }
    }
}

impl OutboundSettings {
    /// The defaults: plain `ws://`, no authentication, 10 s for the TLS
    /// and websocket handshakes, REST requests timing out after 30 s, 10 s
    /// for Asterisk to dial a dropped per-call connection again.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `wss://` with this rustls server configuration (certificate
    /// chain and key; `websocket_client.conf`'s `tls_enabled = yes`, with
    /// `ca_list_file` naming the CA that signed it). A failed TLS
    /// handshake is an [`OutboundError::Tls`](super::OutboundError::Tls).
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Refuses (HTTP 401) an upgrade without `Authorization: Basic`
    /// carrying exactly these credentials (`websocket_client.conf`'s
    /// `username` and `password`, which Asterisk sends on every
    /// connection). Without it any connection is accepted: then listen on
    /// a private address, or use TLS with client certificates.
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((username.into(), SecretString::from(password.into())));
        self
    }

    /// How long the TLS handshake and the websocket upgrade of one
    /// connection may take (default 10 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How long one REST request over a session's websocket may take
    /// (default 30 s, as over HTTP).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long a per-call session whose connection dropped before its
    /// call was over waits for Asterisk to dial it again (it tries
    /// `reconnect_attempts` times, `reconnect_interval` apart) before it
    /// ends with [`StreamError::OutboundDropped`](crate::stream::StreamError::OutboundDropped).
    /// Default 10 s.
    pub fn redial_window(mut self, window: Duration) -> Self {
        self.redial_window = window;
        self
    }

    /// The largest websocket message accepted (default 16 MiB).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Whether `authorization` (an `Authorization` header's value) carries
    /// the configured credentials; true when none are configured.
    pub(crate) fn authorizes(&self, authorization: Option<&[u8]>) -> bool {
        use base64::Engine as _;
        let Some((username, password)) = &self.credentials else {
            return true;
        };
        let Some(value) = authorization.and_then(|value| std::str::from_utf8(value).ok()) else {
            return false;
        };
        let Some((scheme, encoded)) = value.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let expected = format!("{username}:{}", password.expose_secret());
        constant_time_eq(&decoded, expected.as_bytes())
    }
}

/// Compares without returning early at the first difference, so the time
/// taken says nothing about how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl fmt::Debug for OutboundSettings {
    // Hand-written: the password must never reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundSettings")
            .field("tls", &self.tls.is_some())
            .field(
                "username",
                &self.credentials.as_ref().map(|(user, _)| user.as_str()),
            )
            .field("handshake_timeout", &self.handshake_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("redial_window", &self.redial_window)
            .field("max_message_size", &self.max_message_size)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_basic_credentials() {
        let open = OutboundSettings::new();
        assert!(open.authorizes(None));
        let settings = OutboundSettings::new().basic_auth("asterisk", "secret");
        // base64("asterisk:secret")
        assert!(settings.authorizes(Some(b"Basic YXN0ZXJpc2s6c2VjcmV0")));
        assert!(settings.authorizes(Some(b"basic  YXN0ZXJpc2s6c2VjcmV0 ")));
        // base64("asterisk:secreT"), another scheme, garbage, nothing.
        assert!(!settings.authorizes(Some(b"Basic YXN0ZXJpc2s6c2VjcmVU")));
        assert!(!settings.authorizes(Some(b"Bearer YXN0ZXJpc2s6c2VjcmV0")));
        assert!(!settings.authorizes(Some(b"Basic !!!")));
        assert!(!settings.authorizes(Some(b"Basic")));
        assert!(!settings.authorizes(None));
    }
}
