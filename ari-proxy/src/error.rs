//! Why a proxy could not start.

use ari_proxy_protocol::SubjectError;

/// A proxy that could not start. Once started, a proxy does not fail: ARI
/// and NATS outages are waited out (and logged), requests meanwhile answered
/// with [`ErrorClass::Unavailable`](ari_proxy_protocol::ErrorClass::Unavailable).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The node or an application name cannot be a NATS subject token.
    #[error(transparent)]
    Name(#[from] SubjectError),
    /// The configuration names no application.
    #[error("the ARI configuration names no application to serve")]
    NoApplication,
    /// Asterisk could not be reached or refused the proxy (`/asterisk/info`).
    #[error("cannot reach ARI: {0}")]
    Ari(#[from] ari_sdk::Error),
    /// The events websocket did not connect in time, or was refused.
    #[error("the ARI events websocket did not connect: {0}")]
    Events(String),
    /// The NATS server could not be reached.
    #[error("cannot connect to NATS at {url}: {reason}")]
    Nats {
        /// The URL.
        url: String,
        /// What the client said.
        reason: String,
    },
    /// The JetStream event stream could not be found or created.
    #[error("JetStream event store: {0}")]
    JetStream(String),
    /// Another proxy announces this node name: two nodes under one name
    /// would get each other's requests.
    #[error("node name {node:?} is taken by another proxy (instance {instance:?}, Asterisk {asterisk_id:?})")]
    NodeNameTaken {
        /// The name.
        node: String,
        /// The other proxy's instance id (empty for a Go proxy).
        instance: String,
        /// The other proxy's Asterisk entity id.
        asterisk_id: String,
    },
}
