//! What a proxy connects to and how it names itself.

use std::time::Duration;

use ari_proxy_protocol::{Subjects, DEFAULT_PREFIX};

use crate::persist::EventStore;

/// How often a proxy announces itself without being asked (the Go proxy's
/// interval).
pub const DEFAULT_ANNOUNCE_INTERVAL: Duration = Duration::from_secs(60);

/// How long a starting proxy listens for another proxy announcing its node
/// name before it takes the name.
pub const DEFAULT_NAME_CHECK: Duration = Duration::from_millis(500);

/// How long a starting proxy waits for its ARI events websocket.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The configuration of one proxy: the Asterisk it sits beside (with the
/// applications it serves), the NATS server, the node name.
///
/// ```
/// use ari_proxy::ProxyConfig;
///
/// let ari = ari_sdk::Config::builder()
///     .url("http://127.0.0.1:8088/ari")
///     .username("proxy")
///     .password("secret")
///     .applications(["ivr", "queue"])
///     .build()?;
/// let config = ProxyConfig::new(ari, "nats://127.0.0.1:4222").node("pbx-1");
/// assert_eq!(config.node_name(), "pbx-1");
/// # Ok::<(), ari_sdk::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub(crate) ari: ari_sdk::Config,
    pub(crate) nats_url: String,
    pub(crate) node: Option<String>,
    pub(crate) prefix: String,
    pub(crate) announce_interval: Duration,
    pub(crate) name_check: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) event_buffer: usize,
    pub(crate) store: Option<EventStore>,
}

impl ProxyConfig {
    /// A proxy of the Asterisk and applications `ari` names, on the NATS
    /// server at `nats_url` (`nats://host:4222`; several comma-separated).
    pub fn new(ari: ari_sdk::Config, nats_url: impl Into<String>) -> ProxyConfig {
        ProxyConfig {
            ari,
            nats_url: nats_url.into(),
            node: None,
            prefix: DEFAULT_PREFIX.to_string(),
            announce_interval: DEFAULT_ANNOUNCE_INTERVAL,
            name_check: DEFAULT_NAME_CHECK,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            event_buffer: 65_536,
            store: None,
        }
    }

    /// The node's name, unique in the cluster: the last token of its
    /// subjects and the `node` of every key it hands out. Without it the
    /// name is [`default_node_name`] of the ARI URL.
    pub fn node(mut self, name: impl Into<String>) -> ProxyConfig {
        self.node = Some(name.into());
        self
    }

    /// The subject prefix (`ari.` by default).
    pub fn prefix(mut self, prefix: impl Into<String>) -> ProxyConfig {
        self.prefix = prefix.into();
        self
    }

    /// How often to announce without being pinged (at least every
    /// millisecond). Applications that count a node gone when its
    /// announcements stop notice it sooner with a shorter interval.
    pub fn announce_interval(mut self, every: Duration) -> ProxyConfig {
        // tokio's interval refuses a zero period.
        self.announce_interval = every.max(Duration::from_millis(1));
        self
    }

    /// How long to listen, at start, for another proxy with the node name.
    pub fn name_check(mut self, window: Duration) -> ProxyConfig {
        self.name_check = window;
        self
    }

    /// How long to wait, at start, for the ARI events websocket.
    pub fn connect_timeout(mut self, timeout: Duration) -> ProxyConfig {
        self.connect_timeout = timeout;
        self
    }

    /// How many events may wait between the websocket and NATS before the
    /// oldest are counted as lost (65,536 by default).
    pub fn event_buffer(mut self, events: usize) -> ProxyConfig {
        self.event_buffer = events.max(1);
        self
    }

    /// Keeps the events in a JetStream stream (the NATS server must run
    /// with JetStream), for applications reading through durable consumers.
    pub fn event_store(mut self, store: EventStore) -> ProxyConfig {
        self.store = Some(store);
        self
    }

    /// The node name the proxy will use.
    pub fn node_name(&self) -> String {
        self.node
            .clone()
            .unwrap_or_else(|| default_node_name(self.ari.url()))
    }

    /// The subjects under the configured prefix.
    pub fn subjects(&self) -> Subjects {
        Subjects::with_prefix(self.prefix.clone())
    }

    /// The ARI configuration.
    pub fn ari(&self) -> &ari_sdk::Config {
        &self.ari
    }
}

/// The node name used when none is configured: the host's short name and a
/// hash of the ARI URL (`pbx1-3f9a0c12`), stable across restarts and
/// different for two Asterisks on one host, which Asterisk's MAC-derived
/// entity id is not. Characters a subject token cannot hold become `-`.
///
/// ```
/// let a = ari_proxy::default_node_name("http://127.0.0.1:8088/ari");
/// let b = ari_proxy::default_node_name("http://127.0.0.1:8089/ari");
/// assert_ne!(a, b);
/// assert!(ari_proxy_protocol::Subjects::check_token("node", &a).is_ok());
/// ```
pub fn default_node_name(ari_url: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let short = host.trim().split('.').next().unwrap_or_default();
    let short: String = short
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let short = if short.is_empty() { "node" } else { &short };
    format!("{short}-{:08x}", fnv1a(ari_url.as_bytes()))
}

/// 32-bit FNV-1a: a hash that stays the same across Rust releases and
/// machines (std's `DefaultHasher` promises neither).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
    }
}
