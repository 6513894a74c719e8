//! What can go wrong with connections Asterisk dials to the application.

use std::io;
use std::net::SocketAddr;

use crate::stream::StreamError;

/// An outbound listener failure: binding, or one connection Asterisk
/// opened that could not be served.
///
/// A refused connection never stops the listener: it is logged, handed to
/// [`OutboundServer::rejections`](super::OutboundServer::rejections), and
/// Asterisk tries again at its `reconnect_interval`. No `Display` carries a
/// password or an `Authorization` header.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundError {
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address as given.
        addr: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Accepting a TCP connection failed (the listener goes on).
    #[error("accepting a connection failed: {0}")]
    Accept(#[source] io::Error),
    /// The TLS handshake with Asterisk failed (a certificate it does not
    /// trust, a plain `ws://` client on a TLS listener, ...).
    #[error("TLS handshake with {peer} failed: {source}")]
    Tls {
        /// Who connected.
        peer: SocketAddr,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The connection was not a valid websocket upgrade request (or
    /// the upgrade did not finish in time).
    #[error("bad websocket upgrade from {peer}: {message}")]
    BadUpgrade {
        /// Who connected.
        peer: SocketAddr,
        /// What was wrong.
        message: String,
    },
    /// The upgrade lacked the credentials of
    /// [`OutboundSettings::basic_auth`](super::OutboundSettings::basic_auth),
    /// or carried others; it was answered 401.
    #[error("{peer} presented no or wrong credentials; refused with 401")]
    Unauthorized {
        /// Who connected.
        peer: SocketAddr,
    },
    /// The connection closed before its first message, which tells whose
    /// it is.
    #[error("{peer} closed the connection before its first message")]
    ClosedEarly {
        /// Who connected.
        peer: SocketAddr,
    },
    /// The first message was neither an ARI event nor chan_websocket's
    /// `MEDIA_START`.
    #[error("{peer} sent a first message that is neither an ARI event nor MEDIA_START: {first}")]
    Unrecognised {
        /// Who connected.
        peer: SocketAddr,
        /// The message (at most 200 characters of it).
        first: String,
    },
    /// The connection's events are for an application nothing serves here
    /// (no [`persistent`](super::OutboundServer::persistent) session names
    /// it, no [`per_call`](super::OutboundServer::per_call) route has its
    /// base name). It was closed.
    #[error("{peer} carries application `{application}`, which this listener does not serve")]
    UnknownApplication {
        /// Who connected.
        peer: SocketAddr,
        /// The `application` of its first event.
        application: String,
    },
    /// A media connection arrived for a channel nobody
    /// [expects](super::MediaConnections::expect), and nothing takes
    /// [unexpected](super::MediaConnections::unexpected) ones. It was
    /// closed (Asterisk hangs the channel up).
    #[error(
        "{peer} opened the media connection of channel {channel_id}, which nothing here takes"
    )]
    MediaNotServed {
        /// Who connected.
        peer: SocketAddr,
        /// The `channel_id` of its `MEDIA_START`.
        channel_id: String,
    },
    /// An application name the event stream cannot take (empty, or
    /// holding a comma).
    #[error("invalid application name: {0}")]
    InvalidApplication(String),
    /// An application is already served by this listener (each name may
    /// be declared once, persistent or per-call).
    #[error("application `{0}` is already served by this listener")]
    AlreadyServed(String),
    /// A session's event stream could not be made (outside a tokio
    /// runtime, invalid settings).
    #[error(transparent)]
    Stream(#[from] StreamError),
}
