//! The key naming a resource in the cluster.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kind of resource a [`Key`] names, as the Go `ari` package spells
/// it on the wire (`channel`, `liverecording`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum EntityKind {
    /// No kind: the key is a filter or a location only.
    #[default]
    Unspecified,
    /// `application`
    Application,
    /// `bridge`
    Bridge,
    /// `channel`
    Channel,
    /// `devicestate`
    DeviceState,
    /// `endpoint` (id `tech/resource`)
    Endpoint,
    /// `liverecording` (id: the recording's name)
    LiveRecording,
    /// `logging`
    Logging,
    /// `mailbox`
    Mailbox,
    /// `module`
    Module,
    /// `playback`
    Playback,
    /// `sound`
    Sound,
    /// `storedrecording`
    StoredRecording,
    /// `variable`
    Variable,
    /// A kind this crate does not know, kept as sent.
    Other(String),
}

impl EntityKind {
    /// The wire name (empty for [`EntityKind::Unspecified`]).
    pub fn as_str(&self) -> &str {
        match self {
            EntityKind::Unspecified => "",
            EntityKind::Application => "application",
            EntityKind::Bridge => "bridge",
            EntityKind::Channel => "channel",
            EntityKind::DeviceState => "devicestate",
            EntityKind::Endpoint => "endpoint",
            EntityKind::LiveRecording => "liverecording",
            EntityKind::Logging => "logging",
            EntityKind::Mailbox => "mailbox",
            EntityKind::Module => "module",
            EntityKind::Playback => "playback",
            EntityKind::Sound => "sound",
            EntityKind::StoredRecording => "storedrecording",
            EntityKind::Variable => "variable",
            EntityKind::Other(other) => other,
        }
    }

    /// The kind a wire name names.
    pub fn from_wire(name: &str) -> EntityKind {
        match name {
            "" => EntityKind::Unspecified,
            "application" => EntityKind::Application,
            "bridge" => EntityKind::Bridge,
            "channel" => EntityKind::Channel,
            "devicestate" => EntityKind::DeviceState,
            "endpoint" => EntityKind::Endpoint,
            "liverecording" => EntityKind::LiveRecording,
            "logging" => EntityKind::Logging,
            "mailbox" => EntityKind::Mailbox,
            "module" => EntityKind::Module,
            "playback" => EntityKind::Playback,
            "sound" => EntityKind::Sound,
            "storedrecording" => EntityKind::StoredRecording,
            "variable" => EntityKind::Variable,
            other => EntityKind::Other(other.to_string()),
        }
    }

    fn is_unspecified(&self) -> bool {
        *self == EntityKind::Unspecified
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EntityKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EntityKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(EntityKind::from_wire(&name))
    }
}

/// A resource in the cluster, or a filter over resources: every empty field
/// matches anything. Empty fields are left out of the JSON, as Go writes
/// keys.
///
/// ```
/// use ari_proxy_protocol::{EntityKind, Key};
///
/// let key = Key::channel("c1").on("demo", "pbx-1");
/// assert_eq!(key.kind, EntityKind::Channel);
/// assert!(Key::default().matches(&key));
/// assert!(!Key::channel("c2").matches(&key));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Key {
    /// What the key names.
    #[serde(default, skip_serializing_if = "EntityKind::is_unspecified")]
    pub kind: EntityKind,
    /// The resource's id (a channel's `id`, a recording's `name`, an
    /// endpoint's `tech/resource`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The node the resource lives on (or is to be created on).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node: String,
    /// The dialog the resource is bound to, for receiving its events.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dialog: String,
    /// The ARI application the key belongs to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app: String,
}

impl Key {
    /// A key of `kind` and `id`, without location.
    pub fn new(kind: EntityKind, id: impl Into<String>) -> Key {
        Key {
            kind,
            id: id.into(),
            ..Key::default()
        }
    }

    /// A channel key.
    pub fn channel(id: impl Into<String>) -> Key {
        Key::new(EntityKind::Channel, id)
    }

    /// A bridge key.
    pub fn bridge(id: impl Into<String>) -> Key {
        Key::new(EntityKind::Bridge, id)
    }

    /// A key naming only a location: an application on a node.
    pub fn node(app: impl Into<String>, node: impl Into<String>) -> Key {
        Key::default().on(app, node)
    }

    /// The key with `app` and `node` set.
    pub fn on(mut self, app: impl Into<String>, node: impl Into<String>) -> Key {
        self.app = app.into();
        self.node = node.into();
        self
    }

    /// The key with `dialog` set.
    pub fn in_dialog(mut self, dialog: impl Into<String>) -> Key {
        self.dialog = dialog.into();
        self
    }

    /// A key of `kind` and `id` at this key's location (application, node
    /// and dialog).
    pub fn sibling(&self, kind: EntityKind, id: impl Into<String>) -> Key {
        Key {
            kind,
            id: id.into(),
            node: self.node.clone(),
            dialog: self.dialog.clone(),
            app: self.app.clone(),
        }
    }

    /// Whether `other` matches this key, an empty field on either side
    /// matching anything.
    pub fn matches(&self, other: &Key) -> bool {
        fn same(a: &str, b: &str) -> bool {
            a.is_empty() || b.is_empty() || a == b
        }
        same(&self.app, &other.app)
            && same(&self.dialog, &other.dialog)
            && same(&self.node, &other.node)
            && same(self.kind.as_str(), other.kind.as_str())
            && same(&self.id, &other.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_left_out() {
        assert_eq!(serde_json::to_string(&Key::default()).unwrap(), "{}");
        let key: Key = serde_json::from_str(r#"{"kind":"weird","id":"x"}"#).unwrap();
        assert_eq!(key.kind, EntityKind::Other("weird".into()));
        assert_eq!(
            serde_json::to_string(&key).unwrap(),
            r#"{"kind":"weird","id":"x"}"#
        );
    }
}
