//! A proxy's announcement of itself.

use serde::{Deserialize, Serialize};

/// What a proxy publishes on `ari.announce`, once per application it serves:
/// on every `ari.ping`, when it starts, and periodically.
///
/// `node` and `application` are Go's fields; `asterisk_id` and `instance`
/// are this protocol's additions (empty when a Go proxy announces).
///
/// ```
/// use ari_proxy_protocol::Announcement;
///
/// let go: Announcement = serde_json::from_str(r#"{"node":"ac:1f:6b:76:7a:ba","application":"demo"}"#)?;
/// assert_eq!(go.node, "ac:1f:6b:76:7a:ba");
/// assert!(go.instance.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Announcement {
    /// The node's name: the last token of its event and request subjects.
    #[serde(default)]
    pub node: String,
    /// The ARI application served.
    #[serde(default)]
    pub application: String,
    /// Asterisk's own entity id (`asterisk_id` of its events), which need
    /// not be unique.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub asterisk_id: String,
    /// A random id of the proxy process, new at each start: two
    /// announcements of one node with different instances are two proxies
    /// claiming one name (or a restart).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance: String,
    /// The last `Ari-Proxy-Seq` this proxy process gave an event of the
    /// application (an addition): a receiver that saw a lower one has
    /// missed the events in between, even when no later event comes to
    /// show the gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sequence: Option<u64>,
}
