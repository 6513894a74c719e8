//! Whose connection is it: the first message decides. An ARI connection's
//! first event names its application (`ApplicationRegistered`, or the
//! first of the events Asterisk queued while it was not connected); a
//! media connection starts with `MEDIA_START`. The application name picks
//! the session: a live per-call session dialled again, a persistent
//! session, or a new per-call session of a declared base application.

use std::collections::HashMap;
use std::sync::Arc;

use futures::SinkExt as _;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::media::MediaConnections;
use super::session::split_per_call;
use super::upgrade::Upgraded;
use super::OutboundError;
use crate::media::{MediaChannel, MediaEvent};
use crate::stream::accepted::{Accepted, Delivery};

/// Audio frames a dialled media channel keeps unread (as
/// [`MediaSettings::buffer`](crate::media::MediaSettings::buffer)'s default).
const MEDIA_BUFFER: usize = 500;

/// Makes the session of a new per-call connection (generic over the
/// version module, hence boxed): given the application id and the
/// connection, the sender later connections of that id go to.
pub(crate) type PerCallMaker =
    dyn Fn(&str, Accepted) -> Result<mpsc::UnboundedSender<Delivery>, OutboundError> + Send + Sync;

/// Where connections go.
#[derive(Default)]
pub(crate) struct Routes {
    /// Persistent sessions: their applications and their feed.
    pub(crate) persistent: Vec<(Vec<String>, mpsc::UnboundedSender<Delivery>)>,
    /// Base application -> how to make one of its per-call sessions.
    pub(crate) per_call: HashMap<String, Arc<PerCallMaker>>,
    /// Application id (`<app>:<channel>`) -> the feed of its live session.
    pub(crate) live: HashMap<String, mpsc::UnboundedSender<Delivery>>,
    pub(crate) media: Option<MediaConnections>,
}

impl Routes {
    /// Whether `application` is declared already, persistent or per-call.
    pub(crate) fn serves(&self, application: &str) -> bool {
        self.per_call.contains_key(application)
            || self
                .persistent
                .iter()
                .any(|(apps, _)| apps.iter().any(|app| app == application))
    }
}

/// What a connection's first message says it is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// An ARI event of this application.
    Ari(String),
    Media,
    Unrecognised,
}

/// The fields read to classify a first message.
#[derive(serde::Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: Option<String>,
    application: Option<String>,
    event: Option<String>,
}

fn classify(text: &str) -> Kind {
    if text.starts_with("MEDIA_START") {
        return Kind::Media;
    }
    match serde_json::from_str::<Head>(text) {
        Ok(Head {
            event: Some(event), ..
        }) if event == "MEDIA_START" => Kind::Media,
        Ok(Head {
            kind: Some(_),
            application: Some(application),
            ..
        }) => Kind::Ari(application),
        _ => Kind::Unrecognised,
    }
}

/// Hands an upgraded connection to its session, or refuses it.
pub(crate) async fn route(
    routes: &std::sync::Mutex<Routes>,
    upgraded: Upgraded,
) -> Result<(), OutboundError> {
    let Upgraded {
        mut socket,
        first,
        peer,
    } = upgraded;
    let text = match &first {
        Message::Text(text) => text.as_str().to_owned(),
        Message::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    let refused = match classify(&text) {
        Kind::Media => return route_media(routes, socket, &text, peer).await,
        Kind::Unrecognised => OutboundError::Unrecognised {
            peer,
            first: text.chars().take(200).collect(),
        },
        Kind::Ari(application) => {
            let accepted = Accepted {
                socket,
                first: Some(first),
                peer,
            };
            match route_ari(routes, &application, accepted).map_err(|refused| *refused) {
                Ok(()) => return Ok(()),
                Err((error, Some(accepted))) => {
                    socket = accepted.socket;
                    error
                }
                Err((error, None)) => return Err(error),
            }
        }
    };
    let close = CloseFrame {
        code: CloseCode::Policy,
        reason: "not served here".into(),
    };
    let _ = socket.send(Message::Close(Some(close))).await;
    Err(refused)
}

/// Why an ARI connection was refused, with the connection (to close) when
/// it was not consumed.
type Refused = (OutboundError, Option<Accepted>);

/// The session of an ARI connection.
fn route_ari(
    routes: &std::sync::Mutex<Routes>,
    application: &str,
    accepted: Accepted,
) -> Result<(), Box<Refused>> {
    let peer = accepted.peer;
    let maker = {
        let mut routes = crate::sync::lock(routes);
        // A live per-call session dialled again, or a persistent one.
        let existing = routes
            .live
            .get(application)
            .filter(|feed| !feed.is_closed())
            .or_else(|| {
                routes
                    .persistent
                    .iter()
                    .find(|(apps, _)| apps.iter().any(|app| app == application))
                    .map(|(_, feed)| feed)
            });
        if let Some(feed) = existing {
            tracing::info!(%peer, application, "Asterisk dialled a session's connection");
            return match feed.send(Ok(accepted)) {
                Ok(()) => Ok(()),
                // Its stream has stopped: nobody serves it any more.
                Err(unsent) => Err(Box::new((
                    OutboundError::UnknownApplication {
                        peer,
                        application: application.to_owned(),
                    },
                    unsent.0.ok(),
                ))),
            };
        }
        routes.live.retain(|_, feed| !feed.is_closed());
        let maker = split_per_call(application)
            .and_then(|(base, _)| routes.per_call.get(base))
            .cloned();
        match maker {
            Some(maker) => maker,
            None => {
                return Err(Box::new((
                    OutboundError::UnknownApplication {
                        peer,
                        application: application.to_owned(),
                    },
                    Some(accepted),
                )))
            }
        }
    };
    tracing::info!(%peer, application, "Asterisk dialled a per-call session");
    let feed = maker(application, accepted).map_err(|error| Box::new((error, None)))?;
    crate::sync::lock(routes)
        .live
        .insert(application.to_owned(), feed);
    Ok(())
}

/// A media connection: its `MEDIA_START`, then to whoever expects it.
async fn route_media(
    routes: &std::sync::Mutex<Routes>,
    mut socket: crate::stream::handshake::Socket,
    text: &str,
    peer: std::net::SocketAddr,
) -> Result<(), OutboundError> {
    let start = match MediaEvent::parse(text) {
        Ok(MediaEvent::MediaStart(start)) => start,
        _ => {
            let _ = socket.close(None).await;
            return Err(OutboundError::Unrecognised {
                peer,
                first: text.chars().take(200).collect(),
            });
        }
    };
    let channel_id = start.channel_id.clone();
    let taker = crate::sync::lock(routes).media.clone();
    let media = MediaChannel::accepted(socket, text, start, MEDIA_BUFFER);
    if taker.is_some_and(|taker| taker.deliver(media)) {
        tracing::info!(%peer, channel_id, "Asterisk dialled a media connection");
        Ok(())
    } else {
        Err(OutboundError::MediaNotServed { peer, channel_id })
    }
}

#[cfg(test)]
mod tests {
    use super::{classify, Kind};

    #[test]
    fn classifies_first_messages() {
        assert_eq!(
            classify(r#"{"type":"ApplicationRegistered","timestamp":"x","application":"hello"}"#),
            Kind::Ari("hello".into())
        );
        assert_eq!(
            classify(r#"{"application":"hello:PJSIP/a-1","type":"StasisStart"}"#),
            Kind::Ari("hello:PJSIP/a-1".into())
        );
        assert_eq!(
            classify("MEDIA_START connection_id:c channel:WebSocket/c/0x1 channel_id:1 format:ulaw optimal_frame_size:160 ptime:20"),
            Kind::Media
        );
        assert_eq!(
            classify(r#"{"event":"MEDIA_START","connection_id":"c"}"#),
            Kind::Media
        );
        assert_eq!(classify(r#"{"type":"StasisStart"}"#), Kind::Unrecognised);
        assert_eq!(classify("hello"), Kind::Unrecognised);
    }
}
