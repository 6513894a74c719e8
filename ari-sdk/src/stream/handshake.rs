//! Opening the websocket: TCP, TLS, and the HTTP upgrade.
//!
//! The upgrade is written here rather than by tungstenite's client because
//! tungstenite logs the whole request, `Authorization` header included, at
//! TRACE level; a `log` bridge would put the password (base64 is no
//! protection) into the application's logs. Here the header is written
//! straight to the socket and the buffer holding it is zeroed afterwards.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use secrecy::zeroize::Zeroize as _;
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::http::Uri;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use super::transport::Transport;
use super::StreamError;

/// An open event websocket.
pub(crate) type Socket = WebSocketStream<Transport>;

/// The largest upgrade response head read before giving up; Asterisk's is a
/// few hundred bytes.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// More headers than any upgrade response has.
const MAX_RESPONSE_HEADERS: usize = 32;

/// Where the websocket is, parsed once from the settings' URL.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    secure: bool,
    /// For connecting and for TLS server names: no brackets around IPv6.
    host: String,
    port: u16,
    /// `host[:port]` as written in the URL, for the `Host` header.
    authority: String,
    /// Path and query: `/ari/events?app=a`.
    target: String,
}

impl Endpoint {
    /// Parses a `ws://` or `wss://` URL. Errors never repeat the URL, which
    /// is the user's to log.
    pub(crate) fn parse(url: &str) -> Result<Self, StreamError> {
        let uri: Uri = url
            .parse()
            .map_err(|_| StreamError::InvalidSettings("the event stream URL is not a valid URL"))?;
        let secure = match uri.scheme_str() {
            Some(scheme) if scheme.eq_ignore_ascii_case("ws") => false,
            Some(scheme) if scheme.eq_ignore_ascii_case("wss") => true,
            _ => {
                return Err(StreamError::InvalidSettings(
                    "the event stream URL must start with ws:// or wss://",
                ))
            }
        };
        let authority = uri.authority().ok_or(StreamError::InvalidSettings(
            "the event stream URL has no host",
        ))?;
        if authority.as_str().contains('@') {
            return Err(StreamError::InvalidSettings(
                "the event stream URL must not carry credentials; they go in the authorization header",
            ));
        }
        let target = uri.path_and_query().map_or("/", |target| target.as_str());
        let has_api_key = uri.query().is_some_and(|query| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some("api_key"))
        });
        if has_api_key {
            return Err(StreamError::InvalidSettings(
                "the event stream URL must not carry an api_key; credentials go in the authorization header",
            ));
        }
        // Asterisk answers an `/events` upgrade without an application with
        // 400 ("missing param: [app]"): say so before connecting.
        let names_app = uri.query().is_some_and(|query| {
            query.split('&').any(|pair| {
                pair.split_once('=')
                    .is_some_and(|(key, value)| key == "app" && !value.is_empty())
            })
        });
        if uri.path().ends_with("/events") && !names_app {
            return Err(StreamError::InvalidSettings(
                "the event stream URL names no Stasis application (`app=`); set one \
                 (ConfigBuilder::application, ARI_APPLICATION)",
            ));
        }
        let host = authority.host();
        let host = host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            return Err(StreamError::InvalidSettings(
                "the event stream URL has no host",
            ));
        }
        // `Authority::port` hides a port that is not a number (or too big)
        // as no port at all; read it from the text instead.
        let after_host = authority
            .as_str()
            .rsplit_once(']')
            .map_or(authority.as_str(), |(_, rest)| rest);
        let port = match after_host.rsplit_once(':') {
            None => {
                if secure {
                    443
                } else {
                    80
                }
            }
            Some((_, port)) => port.parse::<u16>().map_err(|_| {
                StreamError::InvalidSettings("the event stream URL's port is not a valid port")
            })?,
        };
        Ok(Endpoint {
            secure,
            host: host.to_owned(),
            port,
            authority: authority.as_str().to_owned(),
            target: if target.is_empty() { "/" } else { target }.to_owned(),
        })
    }

    /// True for `wss://`.
    pub(crate) fn is_secure(&self) -> bool {
        self.secure
    }

    /// `ws://host:port/path?query`, credential-free by construction, for
    /// logs.
    pub(crate) fn display(&self) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        format!("{scheme}://{}{}", self.authority, self.target)
    }
}

/// Why a connection attempt failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HandshakeError {
    #[error("cannot connect: {0}")]
    Connect(#[source] io::Error),
    #[error("TLS handshake failed: {0}")]
    Tls(#[source] io::Error),
    #[error("the host is not a valid TLS server name")]
    ServerName,
    #[error("connection failed during the websocket upgrade: {0}")]
    Io(#[source] io::Error),
    #[error("the server closed the connection during the websocket upgrade")]
    Closed,
    #[error("the websocket upgrade response is not valid HTTP: {0}")]
    MalformedResponse(#[source] httparse::Error),
    #[error("the websocket upgrade response head exceeds {MAX_RESPONSE_HEAD} bytes")]
    ResponseTooLarge,
    #[error("the server answered the websocket upgrade with HTTP {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        status: u16,
        /// What the server said in the body (Asterisk's error page), if
        /// anything readable.
        message: Option<String>,
    },
    #[error("the server's answer is not a websocket upgrade: {0}")]
    NotWebSocket(&'static str),
    #[error("no connection within {0:?}")]
    Timeout(Duration),
}

impl HandshakeError {
    /// The error that stops the stream for good, when retrying the same
    /// request cannot succeed: credentials Asterisk rejects (401, 403), or
    /// a request it refuses as such (400, e.g. no `app`).
    pub(crate) fn fatal(&self) -> Option<StreamError> {
        match self {
            HandshakeError::Status {
                status: status @ (401 | 403),
                ..
            } => Some(StreamError::Unauthorized { status: *status }),
            HandshakeError::Status {
                status: status @ 400,
                message,
            } => Some(StreamError::Refused {
                status: *status,
                message: message.clone().unwrap_or_default(),
            }),
            _ => None,
        }
    }
}

/// Connects, upgrades to a websocket and hands the socket to tungstenite.
pub(crate) async fn open(
    endpoint: &Endpoint,
    authorization: &SecretString,
    tls: Option<&Arc<rustls::ClientConfig>>,
    config: WebSocketConfig,
) -> Result<Socket, HandshakeError> {
    let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port))
        .await
        .map_err(HandshakeError::Connect)?;
    // Events are small and latency matters more than packet count.
    tcp.set_nodelay(true).map_err(HandshakeError::Connect)?;
    let mut stream = match (endpoint.secure, tls) {
        (false, _) => Transport::Plain(tcp),
        (true, Some(tls)) => {
            let name = rustls::pki_types::ServerName::try_from(endpoint.host.clone())
                .map_err(|_| HandshakeError::ServerName)?;
            let connector = tokio_rustls::TlsConnector::from(Arc::clone(tls));
            let tls_stream = connector
                .connect(name, tcp)
                .await
                .map_err(HandshakeError::Tls)?;
            Transport::Tls(Box::new(tokio_rustls::TlsStream::Client(tls_stream)))
        }
        (true, None) => return Err(HandshakeError::ServerName),
    };

    let key = generate_key();
    let mut request = upgrade_request(endpoint, &key, authorization);
    let written = stream.write_all(&request).await;
    request.zeroize();
    written.map_err(HandshakeError::Io)?;
    stream.flush().await.map_err(HandshakeError::Io)?;

    let leftover = read_upgrade_response(&mut stream, &key).await?;
    Ok(WebSocketStream::from_partially_read(stream, leftover, Role::Client, Some(config)).await)
}

/// The HTTP/1.1 upgrade request. No `Sec-WebSocket-Protocol`: Asterisk picks
/// `ari` itself when the client names none (as the Go and Node clients do),
/// and naming one would oblige every test server to echo it back.
fn upgrade_request(endpoint: &Endpoint, key: &str, authorization: &SecretString) -> Vec<u8> {
    let parts: [&str; 11] = [
        "GET ",
        &endpoint.target,
        " HTTP/1.1\r\nHost: ",
        &endpoint.authority,
        "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ",
        key,
        "\r\nUser-Agent: ari-sdk/",
        env!("CARGO_PKG_VERSION"),
        "\r\nAuthorization: ",
        authorization.expose_secret(),
        "\r\n\r\n",
    ];
    let mut request = Vec::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        request.extend_from_slice(part.as_bytes());
    }
    request
}

/// Reads the response head, checks it is a websocket upgrade answering
/// `key`, and returns whatever the server sent after it (the first frames may
/// arrive in the same packet).
async fn read_upgrade_response(
    stream: &mut Transport,
    key: &str,
) -> Result<Vec<u8>, HandshakeError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream.read(&mut chunk).await.map_err(HandshakeError::Io)?;
        if read == 0 {
            return Err(HandshakeError::Closed);
        }
        head.extend_from_slice(&chunk[..read]);

        let mut headers = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&head) {
            Ok(httparse::Status::Complete(head_len)) => {
                return match check_upgrade(&response, key) {
                    Ok(()) => Ok(head.split_off(head_len)),
                    Err(HandshakeError::Status { status, .. }) => {
                        let length = content_length(&response);
                        let body = head.split_off(head_len);
                        let body = read_error_body(stream, body, length).await;
                        Err(HandshakeError::Status {
                            status,
                            message: crate::error_body::message(&body),
                        })
                    }
                    Err(error) => Err(error),
                };
            }
            Ok(httparse::Status::Partial) if head.len() > MAX_RESPONSE_HEAD => {
                return Err(HandshakeError::ResponseTooLarge)
            }
            Ok(httparse::Status::Partial) => {}
            Err(error) => return Err(HandshakeError::MalformedResponse(error)),
        }
    }
}

/// The most of an error response's body that is read.
const MAX_ERROR_BODY: usize = 4 * 1024;

/// How long the rest of an error response's body may take to arrive.
const ERROR_BODY_WAIT: Duration = Duration::from_secs(1);

/// The `Content-Length` of a response, if it has a valid one.
fn content_length(response: &httparse::Response<'_, '_>) -> Option<usize> {
    response
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case("content-length"))
        .and_then(|header| std::str::from_utf8(header.value).ok())
        .and_then(|value| value.trim().parse().ok())
}

/// Reads an error response's body after `body` (what came with the head):
/// up to its `Content-Length`, the end of the connection, [`MAX_ERROR_BODY`]
/// bytes or a pause of [`ERROR_BODY_WAIT`], whichever comes first. A server
/// that keeps the connection open without saying how long its body is must
/// not hold the error back.
async fn read_error_body(
    stream: &mut Transport,
    mut body: Vec<u8>,
    length: Option<usize>,
) -> Vec<u8> {
    let wanted = length.unwrap_or(MAX_ERROR_BODY).min(MAX_ERROR_BODY);
    let mut chunk = [0u8; 1024];
    while body.len() < wanted {
        match tokio::time::timeout(ERROR_BODY_WAIT, stream.read(&mut chunk)).await {
            Ok(Ok(read)) if read > 0 => body.extend_from_slice(&chunk[..read]),
            _ => break,
        }
    }
    body.truncate(wanted);
    body
}

fn check_upgrade(response: &httparse::Response<'_, '_>, key: &str) -> Result<(), HandshakeError> {
    let status = response.code.unwrap_or(0);
    if status != 101 {
        return Err(HandshakeError::Status {
            status,
            message: None,
        });
    }
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case(name))
            .map(|header| header.value)
    };
    let upgrade_ok =
        header("Upgrade").is_some_and(|value| value.eq_ignore_ascii_case(b"websocket"));
    if !upgrade_ok {
        return Err(HandshakeError::NotWebSocket("no `Upgrade: websocket`"));
    }
    let connection_ok = header("Connection").is_some_and(|value| {
        value
            .split(|&b| b == b',')
            .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"upgrade"))
    });
    if !connection_ok {
        return Err(HandshakeError::NotWebSocket("no `Connection: upgrade`"));
    }
    let expected = derive_accept_key(key.as_bytes());
    if header("Sec-WebSocket-Accept").map(<[u8]>::trim_ascii) != Some(expected.as_bytes()) {
        return Err(HandshakeError::NotWebSocket(
            "`Sec-WebSocket-Accept` does not match the key",
        ));
    }
    Ok(())
}

/// The TLS configuration used when the settings give none: the web PKI
/// roots, with ring as the crypto provider so nothing depends on which
/// provider the rest of the program happens to install.
pub(crate) fn default_tls_config() -> Result<Arc<rustls::ClientConfig>, StreamError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(StreamError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_event_urls() {
        let endpoint =
            Endpoint::parse("ws://127.0.0.1:8088/ari/events?app=a,b&subscribeAll=true").unwrap();
        assert!(!endpoint.is_secure());
        assert_eq!(endpoint.host, "127.0.0.1");
        assert_eq!(endpoint.port, 8088);
        assert_eq!(endpoint.authority, "127.0.0.1:8088");
        assert_eq!(endpoint.target, "/ari/events?app=a,b&subscribeAll=true");
        assert_eq!(
            endpoint.display(),
            "ws://127.0.0.1:8088/ari/events?app=a,b&subscribeAll=true"
        );

        let secure = Endpoint::parse("wss://[::1]/ari/events?app=a").unwrap();
        assert!(secure.is_secure());
        assert_eq!(secure.host, "::1");
        assert_eq!(secure.port, 443);
        assert_eq!(secure.authority, "[::1]");

        let bare = Endpoint::parse("ws://pbx").unwrap();
        assert_eq!((bare.port, bare.target.as_str()), (80, "/"));
    }

    #[test]
    fn refuses_urls_with_credentials_without_echoing_them() {
        for url in [
            "ws://asterisk:hunter2@pbx/ari/events?app=a",
            "ws://pbx/ari/events?app=a&api_key=asterisk:hunter2",
            "ws://pbx/ari/events?api_key=asterisk:hunter2",
        ] {
            let error = Endpoint::parse(url).unwrap_err().to_string();
            assert!(error.contains("credentials"), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn refuses_an_events_url_without_an_application() {
        for url in [
            "ws://pbx/ari/events",
            "ws://pbx/ari/events?app=",
            "ws://pbx/ari/events?subscribeAll=true",
            "ws://pbx/ari/events?app=&subscribeAll=true",
        ] {
            let error = Endpoint::parse(url).unwrap_err().to_string();
            assert!(error.contains("no Stasis application"), "{url}: {error}");
        }
        Endpoint::parse("ws://pbx/ari/events?subscribeAll=true&app=a").unwrap();
    }

    #[test]
    fn refuses_other_schemes_and_garbage() {
        for url in [
            "http://pbx/ari/events",
            "pbx/ari/events",
            "ws://",
            "",
            "ws://pbx:99999/",
            "ws://pbx:x/",
            "ws://[::1]:70000/",
        ] {
            assert!(Endpoint::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn request_carries_the_header_once() {
        let endpoint = Endpoint::parse("ws://pbx:8088/ari/events?app=a").unwrap();
        let request = upgrade_request(&endpoint, "a2V5", &SecretString::from("Basic eDp5"));
        let text = String::from_utf8(request).unwrap();
        assert!(text.starts_with("GET /ari/events?app=a HTTP/1.1\r\nHost: pbx:8088\r\n"));
        assert!(text.contains("\r\nSec-WebSocket-Key: a2V5\r\n"));
        assert_eq!(text.matches("Authorization: Basic eDp5\r\n").count(), 1);
        assert!(text.ends_with("\r\n\r\n"));
    }

    fn check(head: &str, key: &str) -> Result<(), HandshakeError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        response.parse(head.as_bytes()).unwrap();
        check_upgrade(&response, key)
    }

    #[test]
    fn checks_the_upgrade_response() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        // RFC 6455's example.
        let accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
        let good = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        );
        check(&good, key).unwrap();

        let unauthorized = check(
            "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
            key,
        )
        .unwrap_err();
        assert!(matches!(
            unauthorized.fatal(),
            Some(StreamError::Unauthorized { status: 401 })
        ));
        let missing = check("HTTP/1.1 404 Not Found\r\n\r\n", key).unwrap_err();
        assert!(missing.fatal().is_none());

        let wrong_accept = good.replace(accept, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        assert!(matches!(
            check(&wrong_accept, key),
            Err(HandshakeError::NotWebSocket(_))
        ));
        let no_upgrade = good.replace("Upgrade: WebSocket\r\n", "");
        assert!(matches!(
            check(&no_upgrade, key),
            Err(HandshakeError::NotWebSocket(_))
        ));
        let no_connection = good.replace("Connection: keep-alive, Upgrade\r\n", "");
        assert!(matches!(
            check(&no_connection, key),
            Err(HandshakeError::NotWebSocket(_))
        ));
    }

    #[test]
    fn a_bad_request_is_fatal_and_keeps_the_message() {
        let error = HandshakeError::Status {
            status: 400,
            message: Some("HTTP request is missing param: [app]".into()),
        };
        match error.fatal() {
            Some(StreamError::Refused { status, message }) => {
                assert_eq!(status, 400);
                assert_eq!(message, "HTTP request is missing param: [app]");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn default_tls_config_builds() {
        default_tls_config().unwrap();
    }
}
