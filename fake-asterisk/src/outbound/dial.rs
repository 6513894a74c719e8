//! Dialling a `websocket_client` as `res_websocket_client` does: `GET` of
//! the URI's path (with chan_websocket's `v()` parameters appended),
//! `Authorization: Basic` when both username and password are set,
//! `Sec-WebSocket-Protocol` with the configured protocols, TLS when the URI
//! is `wss://`; up to the configured attempts, `reconnect_interval` apart,
//! each within `connection_timeout`.

use std::sync::Arc;

use base64::Engine as _;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::config::WebsocketClient;

/// A websocket the fake dialled.
pub(crate) type Dialled = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One connection attempt; why it failed.
pub(crate) async fn dial_once(
    client: &WebsocketClient,
    uri_params: Option<&str>,
) -> Result<Dialled, String> {
    let uri = match uri_params {
        Some(params) if client.uri.contains('?') => format!("{}&{params}", client.uri),
        Some(params) => format!("{}?{params}", client.uri),
        None => client.uri.clone(),
    };
    let mut request = uri.into_client_request().map_err(|e| e.to_string())?;
    if !client.username.is_empty() && !client.password.is_empty() {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", client.username, client.password));
        let value = HeaderValue::from_str(&format!("Basic {token}")).map_err(|e| e.to_string())?;
        request.headers_mut().insert("Authorization", value);
    }
    if !client.protocols.is_empty() {
        let value = HeaderValue::from_str(&client.protocols).map_err(|e| e.to_string())?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", value);
    }
    let connector = match &client.ca_certificate_der {
        Some(der) => Some(Connector::Rustls(tls_config(der)?)),
        None => None,
    };
    let connecting =
        tokio_tungstenite::connect_async_tls_with_config(request, None, true, connector);
    match tokio::time::timeout(client.connection_timeout, connecting).await {
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!(
            "no connection within {:?}",
            client.connection_timeout
        )),
    }
}

/// Dials until connected, the client's attempts run out (`Err` with the
/// last failure), or `stop` is set; waits while `paused` is set.
pub(crate) async fn dial(
    client: &WebsocketClient,
    uri_params: Option<&str>,
    paused: &mut watch::Receiver<bool>,
) -> Result<Dialled, String> {
    let mut last = String::new();
    for attempt in 0..client.attempts() {
        if attempt > 0 {
            tokio::time::sleep(client.reconnect_interval).await;
        }
        if paused.wait_for(|paused| !*paused).await.is_err() {
            return Err("the fake is shutting down".into());
        }
        match dial_once(client, uri_params).await {
            Ok(socket) => return Ok(socket),
            Err(error) => {
                tracing::debug!(client = %client.id, attempt, %error, "websocket client connection failed");
                last = error;
            }
        }
    }
    Err(last)
}

/// TLS trusting `ca_der` only, with ring (whatever provider the process
/// installed).
fn tls_config(ca_der: &[u8]) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca_der.to_vec()))
        .map_err(|e| e.to_string())?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
