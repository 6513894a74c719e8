//! Events as they travel on `ari.event.<app>.<node>`: Asterisk's JSON with
//! the node stamped in, and the resources an event names (by which a proxy
//! finds the dialogs to forward it to).
//!
//! ```
//! use ari_proxy_protocol::event::{self, EventHeader};
//!
//! let mut json = serde_json::json!({
//!     "type": "StasisStart", "application": "demo",
//!     "asterisk_id": "02:00:00:fa:4e:01",
//!     "channel": {"id": "c1"}, "args": []
//! });
//! event::stamp_node(&mut json, "pbx-2");
//! let header: EventHeader = serde_json::from_value(json.clone())?;
//! assert_eq!(header.asterisk_id, "pbx-2");
//! assert_eq!(header.asterisk_entity_id, "02:00:00:fa:4e:01");
//! assert_eq!(header.key("channel", "c1").node, "pbx-2");
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::key::{EntityKind, Key};

/// The field holding Asterisk's own entity id when the proxy replaced
/// `asterisk_id` with its node name (an addition to the Go protocol).
pub const ENTITY_ID_FIELD: &str = "asterisk_entity_id";

/// The fields every published event has, for routing and filtering without
/// decoding the rest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventHeader {
    /// The event type (`StasisStart`).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The ARI application the event is for.
    #[serde(default)]
    pub application: String,
    /// The node the event comes from (Go's `Node` of an event).
    #[serde(default)]
    pub asterisk_id: String,
    /// Asterisk's entity id, when it differs from the node name.
    #[serde(default)]
    pub asterisk_entity_id: String,
    /// The dialog, on `ari.dialogevent.<dialog>`.
    #[serde(default)]
    pub dialog: String,
}

impl EventHeader {
    /// A key of `kind` and `id` at the event's location, as Go's
    /// `EventData.Key` makes it.
    pub fn key(&self, kind: &str, id: &str) -> Key {
        Key {
            kind: EntityKind::from_wire(kind),
            id: id.to_string(),
            node: self.asterisk_id.clone(),
            dialog: self.dialog.clone(),
            app: self.application.clone(),
        }
    }
}

/// Sets the event's `asterisk_id` to `node`, keeping Asterisk's value in
/// [`ENTITY_ID_FIELD`] when it differs. A non-object is left alone.
pub fn stamp_node(event: &mut Value, node: &str) {
    let Value::Object(map) = event else { return };
    let previous = map.insert("asterisk_id".into(), Value::String(node.to_string()));
    if let Some(Value::String(entity)) = previous {
        if entity != node && !entity.is_empty() {
            map.insert(ENTITY_ID_FIELD.into(), Value::String(entity));
        }
    }
}

/// Sets the event's `dialog`.
pub fn stamp_dialog(event: &mut Value, dialog: &str) {
    if let Value::Object(map) = event {
        map.insert("dialog".into(), Value::String(dialog.to_string()));
    }
}

/// Fields holding a channel object in some event.
const CHANNEL_FIELDS: &[&str] = &[
    "channel",
    "replace_channel",
    "peer",
    "caller",
    "forwarded",
    "transferee",
    "transfer_target",
    "transferer_channel",
    "transferer_first_leg",
    "transferer_second_leg",
    "destination_threeway_channel",
    "destination_link_first_leg",
    "destination_link_second_leg",
];

/// Fields holding a bridge object in some event.
const BRIDGE_FIELDS: &[&str] = &[
    "bridge",
    "bridge_from",
    "destination_threeway_bridge",
    "transferer_first_leg_bridge",
    "transferer_second_leg_bridge",
];

fn field_str<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    object
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `channel:<id>` or `bridge:<id>` as a resource.
fn target(uri: &str) -> Option<(EntityKind, String)> {
    let (kind, id) = uri.split_once(':')?;
    let kind = match kind {
        "channel" => EntityKind::Channel,
        "bridge" => EntityKind::Bridge,
        _ => return None,
    };
    (!id.is_empty()).then(|| (kind, id.to_string()))
}

/// Every resource the event names: channels, bridges (and the channels in
/// them), the playback or recording and its target, the endpoint, the
/// device state. Duplicates are removed; the order is the event's.
pub fn resources(event: &Value) -> Vec<(EntityKind, String)> {
    let mut found: Vec<(EntityKind, String)> = Vec::new();
    let mut add = |kind: EntityKind, id: &str| {
        if !id.is_empty() && !found.iter().any(|(k, i)| *k == kind && i == id) {
            found.push((kind, id.to_string()));
        }
    };
    for field in CHANNEL_FIELDS {
        if let Some(id) = event.get(field).and_then(|c| field_str(c, "id")) {
            add(EntityKind::Channel, id);
        }
    }
    for field in BRIDGE_FIELDS {
        if let Some(bridge) = event.get(field) {
            if let Some(id) = field_str(bridge, "id") {
                add(EntityKind::Bridge, id);
            }
            for channel in bridge
                .get("channels")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(id) = channel.as_str() {
                    add(EntityKind::Channel, id);
                }
            }
        }
    }
    if let Some(playback) = event.get("playback") {
        if let Some(id) = field_str(playback, "id") {
            add(EntityKind::Playback, id);
        }
        if let Some((kind, id)) = field_str(playback, "target_uri").and_then(target) {
            add(kind, &id);
        }
    }
    if let Some(recording) = event.get("recording") {
        if let Some(name) = field_str(recording, "name") {
            add(EntityKind::LiveRecording, name);
        }
        if let Some((kind, id)) = field_str(recording, "target_uri").and_then(target) {
            add(kind, &id);
        }
    }
    if let Some(endpoint) = event.get("endpoint") {
        if let (Some(tech), Some(resource)) = (
            field_str(endpoint, "technology"),
            field_str(endpoint, "resource"),
        ) {
            add(EntityKind::Endpoint, &format!("{tech}/{resource}"));
        }
    }
    if let Some(name) = event.get("device_state").and_then(|d| field_str(d, "name")) {
        add(EntityKind::DeviceState, name);
    }
    found
}

/// The resource an event ends, if it ends one (its dialog bindings can go).
pub fn ended_resource(event: &Value) -> Option<(EntityKind, String)> {
    let event_type = field_str(event, "type")?;
    let (field, id_field, kind) = match event_type {
        "ChannelDestroyed" => ("channel", "id", EntityKind::Channel),
        "BridgeDestroyed" => ("bridge", "id", EntityKind::Bridge),
        "PlaybackFinished" => ("playback", "id", EntityKind::Playback),
        "RecordingFinished" | "RecordingFailed" => ("recording", "name", EntityKind::LiveRecording),
        _ => return None,
    };
    let id = event.get(field).and_then(|o| field_str(o, id_field))?;
    Some((kind, id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_cover_channels_bridges_and_targets() {
        let event = json!({
            "type": "PlaybackStarted",
            "playback": {"id": "p1", "target_uri": "channel:c1"}
        });
        assert_eq!(
            resources(&event),
            vec![
                (EntityKind::Playback, "p1".to_string()),
                (EntityKind::Channel, "c1".to_string())
            ]
        );
        let entered = json!({
            "type": "ChannelEnteredBridge",
            "channel": {"id": "c1"},
            "bridge": {"id": "b1", "channels": ["c1", "c2"]}
        });
        assert_eq!(resources(&entered).len(), 3);
        assert_eq!(
            ended_resource(&json!({"type": "ChannelDestroyed", "channel": {"id": "c1"}})),
            Some((EntityKind::Channel, "c1".to_string()))
        );
        assert_eq!(ended_resource(&entered), None);
    }

    #[test]
    fn stamping_keeps_the_entity_id_only_when_it_differs() {
        let mut same = json!({"type": "X", "asterisk_id": "n"});
        stamp_node(&mut same, "n");
        assert!(same.get(ENTITY_ID_FIELD).is_none());
        let mut missing = json!({"type": "X"});
        stamp_node(&mut missing, "n");
        assert_eq!(missing["asterisk_id"], "n");
        assert!(missing.get(ENTITY_ID_FIELD).is_none());
    }
}
