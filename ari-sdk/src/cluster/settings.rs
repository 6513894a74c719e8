//! How a cluster client connects and behaves.

use std::time::Duration;

use ari_proxy_protocol::Subjects;

use super::error::ClusterError;

/// Where a new resource (an originated channel, a bridge) is created when
/// the request does not name a node ([`Client::on_node`](crate::Client::on_node)
/// does).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Placement {
    /// Each live node in turn (by name order).
    #[default]
    RoundRobin,
    /// The live node with the fewest channels this client knows of.
    LeastCalls,
    /// Always this node.
    Node(String),
}

/// Events read through a JetStream durable consumer: an application that
/// restarts resumes where it stopped (the proxies must keep the events in
/// the stream: `ari-proxy --event-store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurableEvents {
    /// The JetStream stream the proxies write the events to.
    pub stream: String,
    /// The durable consumer's name: one per application instance, the same
    /// across its restarts.
    pub consumer: String,
}

/// Several instances of one application sharing the calls: each call is
/// served by the one instance that claims it first, in a NATS key-value
/// bucket (JetStream), so none is served twice and none by nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedCalls {
    /// The key-value bucket holding the claims (created when missing).
    pub bucket: String,
    /// This instance's name, unique among the instances and the same
    /// across its restarts (with [`DurableEvents`], a restarted instance
    /// finds its own claims again).
    pub instance: String,
    /// How long a claim is kept: longer than an event may wait in a
    /// durable consumer. Default a day.
    pub keep_for: Duration,
}

impl SharedCalls {
    /// Claims in `bucket` under the name `instance`, kept a day.
    pub fn new(bucket: impl Into<String>, instance: impl Into<String>) -> SharedCalls {
        SharedCalls {
            bucket: bucket.into(),
            instance: instance.into(),
            keep_for: Duration::from_secs(24 * 3600),
        }
    }
}

/// The settings of a cluster client ([`connect`](super::connect)).
///
/// ```
/// use std::time::Duration;
/// use ari_sdk::cluster::{ClusterSettings, Placement};
///
/// let settings = ClusterSettings::new("nats://127.0.0.1:4222", ["ivr"])
///     .placement(Placement::LeastCalls)
///     .ping_interval(Duration::from_millis(500));
/// assert_eq!(settings.applications(), ["ivr"]);
/// ```
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    pub(crate) nats_url: String,
    pub(crate) nats: Option<async_nats::Client>,
    pub(crate) applications: Vec<String>,
    pub(crate) subjects: Subjects,
    pub(crate) request_timeout: Duration,
    pub(crate) ping_interval: Duration,
    pub(crate) node_timeout: Duration,
    pub(crate) discovery: Duration,
    pub(crate) placement: Placement,
    pub(crate) durable: Option<DurableEvents>,
    pub(crate) shared_calls: Option<SharedCalls>,
    pub(crate) buffer: usize,
    pub(crate) version_check: bool,
}

impl ClusterSettings {
    /// A client of the NATS server at `nats_url` for `applications`, every
    /// other setting at its default.
    pub fn new<I, S>(nats_url: impl Into<String>, applications: I) -> ClusterSettings
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ClusterSettings {
            nats_url: nats_url.into(),
            nats: None,
            applications: applications.into_iter().map(Into::into).collect(),
            subjects: Subjects::default(),
            request_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(2),
            node_timeout: Duration::from_secs(7),
            discovery: Duration::from_secs(2),
            placement: Placement::default(),
            durable: None,
            shared_calls: None,
            buffer: 8192,
            version_check: true,
        }
    }

    /// Uses a NATS connection of the caller's (credentials, TLS, a cluster
    /// of servers) instead of connecting to the URL. Disconnections of a
    /// client made elsewhere are not seen; prefer the URL when that matters.
    pub fn nats_client(mut self, client: async_nats::Client) -> Self {
        self.nats = Some(client);
        self
    }

    /// The subjects' prefix, `ari.` by default (the proxies' `--prefix`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.subjects = Subjects::with_prefix(prefix);
        self
    }

    /// How long a request waits for its node's answer. Default 10 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How often the proxies are pinged. Default 2 s.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// A node silent this long is lost. Default 7 s; at least twice the
    /// ping interval.
    pub fn node_timeout(mut self, timeout: Duration) -> Self {
        self.node_timeout = timeout;
        self
    }

    /// How long [`connect`](super::connect) waits for the nodes to
    /// announce themselves (it goes on as soon as one has). Default 2 s.
    pub fn discovery(mut self, wait: Duration) -> Self {
        self.discovery = wait;
        self
    }

    /// Where new resources are created. Default [`Placement::RoundRobin`].
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// Reads the events through a JetStream durable consumer.
    pub fn durable(mut self, stream: impl Into<String>, consumer: impl Into<String>) -> Self {
        self.durable = Some(DurableEvents {
            stream: stream.into(),
            consumer: consumer.into(),
        });
        self
    }

    /// Shares the calls with the other instances of the application.
    pub fn shared_calls(mut self, shared: SharedCalls) -> Self {
        self.shared_calls = Some(shared);
        self
    }

    /// Each subscriber's buffer ([`StreamSettings::buffer`](crate::stream::StreamSettings::buffer)).
    pub fn buffer(mut self, buffer: usize) -> Self {
        self.buffer = buffer;
        self
    }

    /// Whether `Ari::connect` checks the nodes' Asterisk major. Default on.
    pub fn version_check(mut self, check: bool) -> Self {
        self.version_check = check;
        self
    }

    /// The applications.
    pub fn applications(&self) -> &[String] {
        &self.applications
    }

    pub(crate) fn validate(&self) -> Result<(), ClusterError> {
        if self.applications.is_empty() {
            return Err(ClusterError::Settings("name at least one application"));
        }
        for app in &self.applications {
            if Subjects::check_token("application", app).is_err() {
                return Err(ClusterError::Settings(
                    "an application name must be one NATS subject token (no '.', '*', '>' or spaces)",
                ));
            }
        }
        if self.ping_interval.is_zero() || self.request_timeout.is_zero() {
            return Err(ClusterError::Settings(
                "the ping interval and the request timeout must be longer than zero",
            ));
        }
        if self.node_timeout < self.ping_interval * 2 {
            return Err(ClusterError::Settings(
                "the node timeout must be at least twice the ping interval",
            ));
        }
        if let Some(shared) = &self.shared_calls {
            if shared.instance.is_empty() || shared.bucket.is_empty() {
                return Err(ClusterError::Settings(
                    "shared calls need a bucket and an instance name",
                ));
            }
        }
        Ok(())
    }
}
