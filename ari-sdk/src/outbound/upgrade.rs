//! One connection from Asterisk up to its first message: TLS, the HTTP
//! upgrade (checking the credentials, choosing the subprotocol Asterisk
//! offers), then the first message, which tells whose connection it is.
//!
//! What Asterisk sends (`res_http_websocket`'s client, used by
//! `res_websocket_client`): `GET /<path of the configured uri>` with
//! `Upgrade: websocket`, `Host`, `Sec-WebSocket-Key`, `Authorization:
//! Basic ...` when `username` and `password` are set, and
//! `Sec-WebSocket-Protocol` with the configured `protocols`. It takes a
//! `101` with or without a subprotocol, as long as one given is among
//! those it offered; it refuses extensions, so none are offered back.

use std::net::SocketAddr;
use std::sync::Arc;

use futures::StreamExt as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{header, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use super::{OutboundError, OutboundSettings};
use crate::stream::handshake::Socket;
use crate::stream::transport::Transport;

/// The subprotocols answered when offered, in this order of preference:
/// ARI's events and chan_websocket's media.
const KNOWN_PROTOCOLS: [&str; 2] = ["ari", "media"];

/// An upgraded connection and its first message.
pub(crate) struct Upgraded {
    pub(crate) socket: Socket,
    pub(crate) first: Message,
    pub(crate) peer: SocketAddr,
}

/// TLS (when configured) and the websocket upgrade, within the handshake
/// timeout; then the first text or binary message (pings are answered
/// meanwhile).
pub(crate) async fn upgrade(
    tcp: TcpStream,
    peer: SocketAddr,
    settings: &OutboundSettings,
) -> Result<Upgraded, OutboundError> {
    let timeout = settings.handshake_timeout;
    let socket = tokio::time::timeout(timeout, handshake(tcp, peer, settings))
        .await
        .map_err(|_| OutboundError::BadUpgrade {
            peer,
            message: format!("no websocket upgrade within {timeout:?}"),
        })??;
    first_message(socket, peer).await
}

async fn handshake(
    tcp: TcpStream,
    peer: SocketAddr,
    settings: &OutboundSettings,
) -> Result<Socket, OutboundError> {
    // Audio and events are small and latency matters more than packets.
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%peer, %error, "cannot set TCP_NODELAY");
    }
    let transport = match &settings.tls {
        None => Transport::Plain(tcp),
        Some(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(config));
            let tls = acceptor
                .accept(tcp)
                .await
                .map_err(|source| OutboundError::Tls { peer, source })?;
            Transport::Tls(Box::new(tokio_rustls::TlsStream::Server(tls)))
        }
    };
    let mut refused_credentials = false;
    // tungstenite's callback type; its error is an HTTP response.
    #[allow(clippy::result_large_err)]
    let check = |request: &Request, mut response: Response| {
        tracing::debug!(%peer, path = %request.uri(), "websocket upgrade from Asterisk");
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if !settings.authorizes(authorization) {
            refused_credentials = true;
            let mut refusal = ErrorResponse::new(Some("Unauthorized".to_owned()));
            *refusal.status_mut() = StatusCode::UNAUTHORIZED;
            refusal.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"ari-sdk\""),
            );
            return Err(refusal);
        }
        if let Some(protocol) = chosen_protocol(request) {
            response
                .headers_mut()
                .insert(header::SEC_WEBSOCKET_PROTOCOL, protocol);
        }
        Ok(response)
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(settings.max_message_size))
        .max_frame_size(Some(settings.max_message_size));
    match tokio_tungstenite::accept_hdr_async_with_config(transport, check, Some(config)).await {
        Ok(socket) => Ok(socket),
        Err(_) if refused_credentials => Err(OutboundError::Unauthorized { peer }),
        Err(error) => Err(OutboundError::BadUpgrade {
            peer,
            message: error.to_string(),
        }),
    }
}

/// The subprotocol to answer: one of ours if offered, else the first
/// offered (Asterisk accepts any it offered), else none.
fn chosen_protocol(request: &Request) -> Option<HeaderValue> {
    let offered: Vec<&str> = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|protocol| !protocol.is_empty())
        .collect();
    let chosen = KNOWN_PROTOCOLS
        .iter()
        .find(|known| offered.contains(known))
        .copied()
        .or_else(|| offered.first().copied())?;
    HeaderValue::from_str(chosen).ok()
}

/// Waits for the first text or binary message. No timeout: Asterisk
/// sends one at once on every connection it makes (`ApplicationRegistered`
/// or the events queued meanwhile; `MEDIA_START`), and a silent one costs
/// only its own task.
async fn first_message(mut socket: Socket, peer: SocketAddr) -> Result<Upgraded, OutboundError> {
    loop {
        match socket.next().await {
            Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                return Ok(Upgraded {
                    socket,
                    first: message,
                    peer,
                })
            }
            Some(Ok(Message::Close(_))) | None => return Err(OutboundError::ClosedEarly { peer }),
            Some(Ok(_)) => {}
            Some(Err(error)) => {
                return Err(OutboundError::BadUpgrade {
                    peer,
                    message: error.to_string(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offering(protocols: Option<&str>) -> Request {
        let mut request = Request::builder().uri("/");
        if let Some(protocols) = protocols {
            request = request.header(header::SEC_WEBSOCKET_PROTOCOL, protocols);
        }
        request.body(()).expect("a request")
    }

    #[test]
    fn answers_a_protocol_asterisk_offered() {
        let chosen = |offer| chosen_protocol(&offering(offer));
        assert_eq!(
            chosen(Some("ari")).as_ref().map(HeaderValue::as_bytes),
            Some(&b"ari"[..])
        );
        assert_eq!(
            chosen(Some("media")).as_ref().map(HeaderValue::as_bytes),
            Some(&b"media"[..])
        );
        assert_eq!(
            chosen(Some("x, ari")).as_ref().map(HeaderValue::as_bytes),
            Some(&b"ari"[..])
        );
        assert_eq!(
            chosen(Some("other")).as_ref().map(HeaderValue::as_bytes),
            Some(&b"other"[..])
        );
        assert_eq!(chosen(None), None);
    }
}
