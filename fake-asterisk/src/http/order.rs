//! Asterisk's JSON key order, for event frames and REST bodies.
//!
//! Asterisk builds its JSON with jansson, which writes an object's keys in
//! the order they were set: an event starts with `type` and `timestamp`
//! (except the few built around a blob of their own fields, such as
//! `ChannelVarset`, which start with those fields), then its fields, and
//! `asterisk_id` and `application` come last because they are set on the
//! way out to the websocket. A channel is `id`, `name`, `state`, ... in the
//! order `ast_channel_snapshot_to_json` sets them.
//!
//! The fake keeps its values as `serde_json::Value`, whose maps sort their
//! keys: the workspace does not turn on serde_json's `preserve_order`, since
//! that feature would be unified into every crate of a build and change the
//! SDK's own maps. So the order is laid out here, when a value is written:
//! an event's top level by its `type`, a nested object by the keys that say
//! what it is (a channel has `id` and `dialplan`, a playback `media_uri`,
//! ...). Keys a layout does not name keep serde_json's (sorted) order, after
//! the named ones. Objects keyed by the client (channel variables, a user
//! event's variables) are never taken for a model object; they come out
//! sorted, where Asterisk keeps the order the client sent.

use serde_json::{Map, Value};

use crate::ordered_json::OrderedJson;

/// Where an object's keys go: `head` first in this order, then every key
/// neither list names (sorted), then `tail` in this order.
#[derive(Debug, Clone, Copy)]
struct Layout {
    head: &'static [&'static str],
    tail: &'static [&'static str],
}

impl Layout {
    /// Sorted keys, as serde_json holds them.
    const SORTED: Layout = Layout::head(&[]);

    const fn head(head: &'static [&'static str]) -> Layout {
        Layout { head, tail: &[] }
    }
}

/// Set on an event after it is built: `asterisk_id` by `app_send`, then
/// `application` by the websocket session (in place when already there).
const EVENT_TAIL: &[&str] = &["asterisk_id", "application"];

/// An event frame as Asterisk writes it on `/ari/events`.
pub(crate) fn event_text(event: &Map<String, Value>) -> String {
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
    let layout = Layout {
        head: event_head(kind),
        tail: EVENT_TAIL,
    };
    arrange_object(event, layout).to_json_string()
}

/// A REST response body as Asterisk writes it.
pub(crate) fn body_text(body: &Value) -> String {
    arrange(body, None).to_json_string()
}

/// The top-level keys of an event, from the function that builds it in
/// Asterisk (`channel_blob_to_json` puts the blob's own fields first).
fn event_head(kind: &str) -> &'static [&'static str] {
    match kind {
        "ChannelVarset" => &["variable", "value", "type", "timestamp", "channel"],
        "ChannelHangupRequest" => &["cause", "soft", "type", "timestamp", "channel"],
        "ChannelTalkingFinished" => &["duration", "type", "timestamp", "channel"],
        // `send_device_state` names the application itself, second.
        "DeviceStateChanged" => &["type", "application", "timestamp", "device_state"],
        "ApplicationReplaced" => &["type", "timestamp", "application"],
        // `send_rest_response` packs these; the session then sets
        // `application`, `timestamp` and `asterisk_id` in that order.
        "RESTResponse" => &[
            "type",
            "transaction_id",
            "request_id",
            "status_code",
            "reason_phrase",
            "uri",
            "content_type",
            "message_body",
            "application",
            "timestamp",
            "asterisk_id",
        ],
        "ChannelDestroyed" => &["type", "timestamp", "cause", "cause_txt", "channel"],
        "ChannelDialplan" => &[
            "type",
            "timestamp",
            "dialplan_app",
            "dialplan_app_data",
            "channel",
        ],
        "ChannelCallerId" => &[
            "type",
            "timestamp",
            "caller_presentation",
            "caller_presentation_txt",
            "channel",
        ],
        "ChannelDtmfReceived" => &["type", "timestamp", "digit", "duration_ms", "channel"],
        "ChannelHold" => &["type", "timestamp", "musicclass", "channel"],
        "Dial" => &[
            "type",
            "timestamp",
            "dialstatus",
            "forward",
            "dialstring",
            "caller",
            "peer",
            "forwarded",
        ],
        "StasisStart" => &["type", "timestamp", "args", "channel", "replace_channel"],
        "ApplicationMoveFailed" => &["type", "timestamp", "channel", "destination", "args"],
        "ChannelUserevent" => &[
            "type",
            "timestamp",
            "eventname",
            "userevent",
            "channel",
            "bridge",
            "endpoint",
        ],
        "ChannelEnteredBridge" | "ChannelLeftBridge" => &["type", "timestamp", "bridge", "channel"],
        // The rest (`ChannelCreated`, `PlaybackStarted`, `BridgeCreated`, ...)
        // carry one snapshot after `type` and `timestamp`.
        _ => &["type", "timestamp"],
    }
}

/// Objects whose keys the client chose: laid out as they are, never
/// mistaken for a model object that happens to share a key.
const CLIENT_KEYED: &[&str] = &["channelvars", "bridgevars", "variables"];

/// Model objects, recognised by keys only they have, checked in order.
const MODELS: &[(&[&str], Layout)] = &[
    (
        &["id", "dialplan"],
        Layout::head(&[
            "id",
            "name",
            "state",
            "protocol_id",
            "caller",
            "connected",
            "accountcode",
            "dialplan",
            "creationtime",
            "language",
            "caller_rdnis",
            "channelvars",
            "tenantid",
        ]),
    ),
    (
        &["bridge_type"],
        Layout::head(&[
            "id",
            "technology",
            "bridge_type",
            "bridge_class",
            "creator",
            "name",
            "channels",
            "creationtime",
            "video_mode",
            "video_source_id",
            "bridgevars",
        ]),
    ),
    (
        &["media_uri"],
        Layout::head(&[
            "id",
            "media_uri",
            "next_media_uri",
            "target_uri",
            "language",
            "state",
        ]),
    ),
    (
        &["exten", "priority"],
        Layout::head(&["context", "exten", "priority", "app_name", "app_data"]),
    ),
    (
        &["technology", "resource"],
        Layout::head(&[
            "technology",
            "resource",
            "state",
            "channel_ids",
            "max_channels",
        ]),
    ),
    (
        &["channel_ids", "bridge_ids"],
        Layout::head(&[
            "name",
            "channel_ids",
            "bridge_ids",
            "endpoint_ids",
            "device_names",
            "events_allowed",
            "events_disallowed",
        ]),
    ),
    (&["formats"], Layout::head(&["id", "text", "formats"])),
    (
        &["language", "format"],
        Layout::head(&["language", "format"]),
    ),
    // Live and stored recordings.
    (
        &["name", "format"],
        Layout::head(&[
            "name",
            "format",
            "state",
            "target_uri",
            "duration",
            "talking_duration",
            "silence_duration",
            "cause",
        ]),
    ),
    (
        &["use_count"],
        Layout::head(&[
            "name",
            "description",
            "use_count",
            "status",
            "support_level",
        ]),
    ),
    (
        &["configuration"],
        Layout::head(&["channel", "type", "status", "configuration"]),
    ),
    (
        &["old_messages"],
        Layout::head(&["name", "old_messages", "new_messages"]),
    ),
    (
        &["ping"],
        Layout::head(&["ping", "timestamp", "asterisk_id"]),
    ),
    // `/asterisk/info` and its sections.
    (
        &["startup_time"],
        Layout::head(&["startup_time", "last_reload_time"]),
    ),
    (
        &["kernel"],
        Layout::head(&["os", "kernel", "machine", "options", "date", "user"]),
    ),
    (&["entity_id"], Layout::head(&["version", "entity_id"])),
    (
        &["default_language"],
        Layout::head(&[
            "name",
            "default_language",
            "setid",
            "max_channels",
            "max_open_files",
            "max_load",
        ]),
    ),
    (&["user", "group"], Layout::head(&["user", "group"])),
    (
        &["txcount"],
        Layout::head(&[
            "txcount",
            "rxcount",
            "txjitter",
            "rxjitter",
            "remote_maxjitter",
            "remote_minjitter",
            "remote_normdevjitter",
            "remote_stdevjitter",
            "local_maxjitter",
            "local_minjitter",
            "local_normdevjitter",
            "local_stdevjitter",
            "txploss",
            "rxploss",
            "remote_maxrxploss",
            "remote_minrxploss",
            "remote_normdevrxploss",
            "remote_stdevrxploss",
            "local_maxrxploss",
            "local_minrxploss",
            "local_normdevrxploss",
            "local_stdevrxploss",
            "rtt",
            "maxrtt",
            "minrtt",
            "normdevrtt",
            "stdevrtt",
            "local_ssrc",
            "remote_ssrc",
            "txoctetcount",
            "rxoctetcount",
            "channel_uniqueid",
        ]),
    ),
];

/// `/asterisk/info`: the sections asked for, in this order.
const INFO: &[&str] = &["build", "system", "config", "status"];

/// The layout of an object found under the key `parent`.
fn object_layout(map: &Map<String, Value>, parent: Option<&str>) -> Layout {
    match parent {
        // `stasis_app_user_event` adds `eventname` to the client's variables.
        Some("userevent") => {
            return Layout {
                head: &[],
                tail: &["eventname"],
            }
        }
        Some(key) if CLIENT_KEYED.contains(&key) => return Layout::SORTED,
        _ => {}
    }
    if let Some((_, layout)) = MODELS
        .iter()
        .find(|(keys, _)| keys.iter().all(|k| map.contains_key(*k)))
    {
        return *layout;
    }
    if !map.is_empty() && map.keys().all(|k| INFO.contains(&k.as_str())) {
        return Layout::head(INFO);
    }
    Layout::SORTED
}

fn arrange(value: &Value, parent: Option<&str>) -> OrderedJson {
    match value {
        Value::Null => OrderedJson::Null,
        Value::Bool(b) => OrderedJson::Bool(*b),
        Value::Number(n) => OrderedJson::Number(n.clone()),
        Value::String(s) => OrderedJson::String(s.clone()),
        // Elements of an array are laid out as if under the array's key.
        Value::Array(items) => {
            OrderedJson::Array(items.iter().map(|i| arrange(i, parent)).collect())
        }
        Value::Object(map) => arrange_object(map, object_layout(map, parent)),
    }
}

fn arrange_object(map: &Map<String, Value>, layout: Layout) -> OrderedJson {
    let named = |key: &str| layout.head.contains(&key) || layout.tail.contains(&key);
    let placed = |key: &str| {
        map.get(key)
            .map(|v| (key.to_string(), arrange(v, Some(key))))
    };
    let mut pairs: Vec<(String, OrderedJson)> = Vec::with_capacity(map.len());
    pairs.extend(layout.head.iter().filter_map(|key| placed(key)));
    pairs.extend(
        map.iter()
            .filter(|(key, _)| !named(key))
            .map(|(key, value)| (key.clone(), arrange(value, Some(key)))),
    );
    // A tail key the head already placed (`application` of
    // `DeviceStateChanged`) stays where the head put it.
    pairs.extend(
        layout
            .tail
            .iter()
            .filter(|key| !layout.head.contains(key))
            .filter_map(|key| placed(key)),
    );
    OrderedJson::Object(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_and_models_follow_asterisk() {
        let event = json!({
            "application": "app", "asterisk_id": "id", "timestamp": "t", "type": "ChannelDialplan",
            "dialplan_app_data": "", "dialplan_app": "Answer",
            "channel": {"language": "en", "id": "c", "dialplan": {"app_data": "", "exten": "1", "priority": 1}},
        });
        let Value::Object(map) = event else {
            panic!("an object")
        };
        assert_eq!(
            event_text(&map),
            r#"{"type":"ChannelDialplan","timestamp":"t","dialplan_app":"Answer","dialplan_app_data":"","channel":{"id":"c","dialplan":{"exten":"1","priority":1,"app_data":""},"language":"en"},"asterisk_id":"id","application":"app"}"#
        );
        let Value::Object(map) = json!({"application": "a", "asterisk_id": "i", "type": "DeviceStateChanged", "timestamp": "t", "device_state": {"state": "INUSE", "name": "d"}})
        else {
            panic!("an object")
        };
        assert_eq!(
            event_text(&map),
            r#"{"type":"DeviceStateChanged","application":"a","timestamp":"t","device_state":{"name":"d","state":"INUSE"},"asterisk_id":"i"}"#
        );
        // Client-chosen keys are not taken for a dialplan location.
        assert_eq!(
            body_text(&json!({"variables": {"priority": "1", "exten": "2", "a": "3"}})),
            r#"{"variables":{"a":"3","exten":"2","priority":"1"}}"#
        );
        assert_eq!(
            body_text(&json!([{"formats": [{"format": "gsm", "language": "en"}], "id": "x"}])),
            r#"[{"id":"x","formats":[{"language":"en","format":"gsm"}]}]"#
        );
    }
}
