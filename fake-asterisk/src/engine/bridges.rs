//! Bridges: creation, channels entering and leaving, destruction; the
//! applications of bridged Stasis channels follow the bridge while they are in it.

use serde_json::Map;
use tokio::sync::watch;

use super::media;
use crate::clock::asterisk_timestamp;
use crate::model::Bridge;
use crate::world::{BridgeHistory, Route, World};

/// Creates a bridge and emits `BridgeCreated`.
pub(crate) fn create_bridge(
    w: &mut World,
    id: String,
    bridge_type: String,
    name: String,
    vars: Vec<(String, String)>,
) -> serde_json::Value {
    let video_mode = if bridge_type.split(',').any(|t| t.trim() == "video_sfu") {
        "sfu"
    } else if bridge_type.split(',').any(|t| t.trim() == "video_single") {
        "single"
    } else {
        "talker"
    };
    let kind = if bridge_type.split(',').any(|t| t.trim() == "holding") {
        "holding"
    } else {
        "mixing"
    };
    let (gone_tx, _) = watch::channel(false);
    let bridge = Bridge {
        id: id.clone(),
        bridge_type: kind.to_string(),
        name,
        creator: "Stasis".into(),
        creationtime: asterisk_timestamp(),
        video_mode: video_mode.to_string(),
        video_source: None,
        channels: Vec::new(),
        vars: vars.into_iter().collect(),
        moh: None,
        media_queue: Default::default(),
        media_busy: false,
        recordings: Vec::new(),
        gone_tx,
    };
    let snapshot = bridge.snapshot();
    w.bridges.insert(id.clone(), bridge);
    w.bridge_history
        .push(BridgeHistory::Created { bridge: id.clone() });
    emit_bridge(w, &id, "BridgeCreated", None);
    snapshot
}

/// Emits a bridge event; with a channel, `ChannelEnteredBridge`-style.
fn emit_bridge(w: &mut World, bridge: &str, kind: &str, channel: Option<&str>) {
    let Some(snapshot) = w.bridges.get(bridge).map(Bridge::snapshot) else {
        return;
    };
    let mut fields = Map::new();
    fields.insert("bridge".into(), snapshot);
    let mut channels = Vec::new();
    if let Some(channel) = channel.and_then(|id| w.channels.get(id)) {
        fields.insert("channel".into(), channel.snapshot());
        channels.push(channel.id.clone());
    }
    w.emit(
        Route::Bridge {
            bridge: bridge.to_string(),
            channels,
        },
        kind,
        fields,
    );
}

/// Puts a channel into a bridge (out of any other first).
pub(crate) fn add_to_bridge(w: &mut World, bridge: &str, channel: &str) {
    let Some(current) = w.channels.get(channel).map(|c| c.bridge.clone()) else {
        return;
    };
    if current.as_deref() == Some(bridge) {
        return;
    }
    if let Some(old) = current {
        remove_from_bridge(w, &old, channel);
    }
    let Some(b) = w.bridges.get_mut(bridge) else {
        return;
    };
    b.channels.push(channel.to_string());
    if let Some(c) = w.channels.get_mut(channel) {
        c.bridge = Some(bridge.to_string());
    }
    if let Some(app) = w.stasis_app_of(channel) {
        if let Some(app) = w.apps.get_mut(&app) {
            app.bridges.add(bridge);
        }
    }
    w.bridge_history.push(BridgeHistory::Entered {
        bridge: bridge.to_string(),
        channel: channel.to_string(),
    });
    emit_bridge(w, bridge, "ChannelEnteredBridge", Some(channel));
}

/// Takes a channel out of a bridge.
pub(crate) fn remove_from_bridge(w: &mut World, bridge: &str, channel: &str) {
    leave(w, bridge, channel, true);
}

/// Takes a channel out of a bridge; its app stops following the bridge
/// unless the bridge is going away (then `BridgeDestroyed` still reaches it).
fn leave(w: &mut World, bridge: &str, channel: &str, unsubscribe: bool) {
    let Some(b) = w.bridges.get_mut(bridge) else {
        return;
    };
    let before = b.channels.len();
    b.channels.retain(|c| c != channel);
    if b.channels.len() == before {
        return;
    }
    if let Some(c) = w.channels.get_mut(channel) {
        c.bridge = None;
    }
    w.bridge_history.push(BridgeHistory::Left {
        bridge: bridge.to_string(),
        channel: channel.to_string(),
    });
    emit_bridge(w, bridge, "ChannelLeftBridge", Some(channel));
    if !unsubscribe {
        return;
    }
    if let Some(app) = w.stasis_app_of(channel) {
        if let Some(app) = w.apps.get_mut(&app) {
            app.bridges.remove_one(bridge);
        }
    }
}

/// Destroys a bridge: its channels leave, its media stops, `BridgeDestroyed`.
pub(crate) fn destroy_bridge(w: &mut World, bridge: &str) {
    let Some(b) = w.bridges.get(bridge) else {
        return;
    };
    let channels = b.channels.clone();
    b.gone_tx.send_replace(true);
    for channel in channels {
        leave(w, bridge, &channel, false);
    }
    media::abort_bridge_media(w, bridge);
    emit_bridge(w, bridge, "BridgeDestroyed", None);
    w.bridges.shift_remove(bridge);
    for app in w.apps.values_mut() {
        app.bridges.ids.shift_remove(bridge);
    }
    w.bridge_history.push(BridgeHistory::Destroyed {
        bridge: bridge.to_string(),
    });
}

/// A bridge variable change, reported like a channel's.
pub(crate) fn set_bridge_var(w: &mut World, bridge: &str, name: &str, value: &str) {
    if let Some(b) = w.bridges.get_mut(bridge) {
        b.vars.insert(name.to_string(), value.to_string());
    }
}
