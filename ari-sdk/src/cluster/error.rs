//! What can go wrong in a cluster client.

/// Why a cluster client could not start, or a request could not reach its
/// node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The settings cannot work.
    #[error("invalid cluster settings: {0}")]
    Settings(&'static str),
    /// The NATS server could not be reached.
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect {
        /// The server's URL.
        url: String,
        /// What the NATS client said.
        reason: String,
    },
    /// JetStream (the durable consumer, the claims bucket) is not usable.
    #[error("JetStream: {0}")]
    JetStream(String),
}
