//! chan_websocket's client side: an `externalMedia` channel with
//! `connection_type=client` dials the `websocket_client` named by
//! `external_host` (its URI with the `v()` parameters appended), then runs
//! as a server-side media channel does; a connection that cannot be made
//! hangs the channel up (cause 3, no route to destination).

use std::sync::Arc;

use futures::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::config::WebsocketClient;
use super::dial::dial;
use crate::engine::calls;
use crate::engine::websocket_media::{self, Wire};
use crate::world::Inner;

/// Dials the media connection of the link `link_key` and serves it.
pub(crate) async fn dial_media(
    inner: Arc<Inner>,
    client: WebsocketClient,
    link_key: String,
    uri_params: Option<String>,
) {
    let mut paused = inner.lock().outbound_paused.subscribe();
    let socket = match dial(&client, uri_params.as_deref(), &mut paused).await {
        Ok(socket) => socket,
        Err(error) => {
            tracing::debug!(%error, link_key, "media connection failed");
            let mut w = inner.lock();
            if let Some(channel_id) = w.media_links.get(&link_key).map(|l| l.channel_id.clone()) {
                calls::hangup(&mut w, &channel_id, calls::Hangup::Remote(3));
            }
            return;
        }
    };
    inner.lock().outbound_dials += 1;
    let Ok(ctl) = websocket_media::claim(&inner, &link_key) else {
        return;
    };
    let (sink, stream) = socket.split();
    let sink = sink.with(|wire| {
        futures::future::ready(Ok::<_, tokio_tungstenite::tungstenite::Error>(wire_out(
            wire,
        )))
    });
    let stream = stream.map(wire_in);
    websocket_media::run(inner, Box::pin(sink), stream, link_key, ctl).await;
}

fn wire_in(message: Result<Message, tokio_tungstenite::tungstenite::Error>) -> Wire {
    match message {
        Ok(Message::Text(text)) => Wire::Text(text.as_str().to_owned()),
        Ok(Message::Binary(data)) => Wire::Binary(data.to_vec()),
        Ok(Message::Close(frame)) => Wire::Close(frame.map_or(1005, |f| u16::from(f.code))),
        Ok(_) => Wire::Other,
        Err(_) => Wire::Gone,
    }
}

fn wire_out(wire: Wire) -> Message {
    match wire {
        Wire::Text(text) => Message::text(text),
        Wire::Binary(data) => Message::binary(data),
        Wire::Close(code) => Message::Close(Some(CloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        })),
        Wire::Gone | Wire::Other => Message::Ping(Vec::new().into()),
    }
}
