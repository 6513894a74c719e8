//! Outbound websockets: the fake dials the application, as Asterisk does
//! for `ari.conf`'s `outbound_websocket` sections (ARI events and REST on
//! a connection the application accepts) and for chan_websocket's
//! `connection_type=client` media channels. The connections are
//! `websocket_client.conf` sections ([`WebsocketClient`]).

pub(crate) mod ari;
pub(crate) mod config;
mod dial;
pub(crate) mod media;

pub use config::{ConnectionType, OutboundWebsocket, WebsocketClient};

use std::sync::Arc;

use crate::world::Inner;

/// Starts the persistent connections, as loading `ari.conf` does.
pub(crate) fn start(inner: &Arc<Inner>) {
    let outbound = &inner.settings.outbound;
    for websocket in &outbound.websockets {
        let Some(client) = outbound.client(&websocket.websocket_client_id) else {
            tracing::warn!(
                section = %websocket.id,
                "outbound_websocket names no websocket_client; ignored"
            );
            continue;
        };
        if client.connection_type != ConnectionType::Persistent {
            continue;
        }
        let task = tokio::spawn(ari::persistent(
            Arc::clone(inner),
            websocket.clone(),
            client.clone(),
        ));
        inner.lock().outbound_tasks.push(task.abort_handle());
    }
}
