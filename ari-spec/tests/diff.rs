//! Diffs between real releases against facts read off the files by hand
//! (with a few lines of Python over the JSON).

mod support;

use ari_spec::{diff, Api, ApiDiff, AttributeChange, ChangeKind, ItemKey};
use serde_json::{json, Value};
use support::spec_dir;

fn major(major: u32) -> Api {
    Api::merge(&spec_dir().load_major(major).unwrap())
}

fn names<'a>(d: &'a ApiDiff, kind: &'a str, wanted: fn(&ChangeKind) -> bool) -> Vec<&'a str> {
    d.of_kind(kind)
        .filter(|c| wanted(&c.kind))
        .map(|c| c.name.as_str())
        .collect()
}

fn added(kind: &ChangeKind) -> bool {
    matches!(kind, ChangeKind::Added { .. })
}

fn removed(kind: &ChangeKind) -> bool {
    matches!(kind, ChangeKind::Removed { .. })
}

fn attributes<'a>(d: &'a ApiDiff, item: &ItemKey) -> &'a [AttributeChange] {
    match &d
        .change(item)
        .unwrap_or_else(|| panic!("no change to {item}"))
        .kind
    {
        ChangeKind::Changed { attributes } => attributes,
        other => panic!("{item}: {other:?}"),
    }
}

#[test]
fn from_19_to_20() {
    let d = diff(&major(19), &major(20));
    assert_eq!(
        (d.from.as_deref(), d.to.as_deref()),
        (Some("19.8.1"), Some("20.20.1"))
    );
    assert_eq!(d.counts(), (110, 0, 17));
    assert_eq!(
        names(&d, "operation", added),
        [
            "bridges.getBridgeVar",
            "bridges.getBridgeVars",
            "bridges.setBridgeVar",
            "bridges.setBridgeVars",
            "channels.getChannelVars",
            "channels.progress",
            "channels.setChannelVars",
            "channels.transfer_progress",
            "endpoints.refer",
            "endpoints.referToEndpoint",
            "events.claimChannel",
        ]
    );
    assert_eq!(
        names(&d, "event", added),
        [
            "event ApplicationRegistered",
            "event ApplicationUnregistered",
            "event CallBroadcast",
            "event CallClaimed",
            "event ChannelTransfer",
            "event RESTResponse",
        ]
    );
    assert_eq!(
        names(&d, "model", added),
        [
            "model AdditionalParam",
            "model RESTHeader",
            "model RESTQueryStringParameter",
            "model RESTRequest",
            "model ReferTo",
            "model ReferredBy",
            "model RequiredDestination",
            "model Variables",
        ]
    );
    assert!(names(&d, "field", added).contains(&"RESTResponse.status_code"));
    assert!(names(&d, "parameter", added).contains(&"events.claimChannel(application)"));
    assert!(names(&d, "allowable value", added)
        .contains(&"channels.externalMedia(transport) = websocket"));

    let host = ItemKey::parameter("channels", "externalMedia", "external_host");
    let required = &attributes(&d, &host)[0];
    assert_eq!(
        (
            required.attribute.as_str(),
            &required.before,
            &required.after
        ),
        ("required", &json!(true), &json!(false))
    );
    let summary = &attributes(&d, &ItemKey::operation("bridges", "createWithId"))[0];
    assert_eq!(summary.attribute, "summary");
    assert_eq!(summary.after, json!("Create a new bridge."));
    let event = attributes(&d, &ItemKey::model("Event"));
    assert_eq!(event[0].attribute, "subTypes");
    assert_eq!(
        event[0].to_string(),
        "subTypes: +\"ApplicationRegistered\" +\"ApplicationUnregistered\" +\"ChannelTransfer\" \
         +\"RESTResponse\" +\"CallBroadcast\" +\"CallClaimed\""
    );

    let text = d.to_string();
    assert!(
        text.starts_with("ARI 19.8.1 -> 20.20.1: 110 added, 0 removed, 17 changed\n\nOperations\n")
    );
    for line in [
        "  + events.claimChannel  (POST /events/claim)",
        "  + channels.getChannelVars  (GET /channels/{channelId}/variables)",
        "  + event ApplicationRegistered",
        "  + event ChannelTransfer",
        "  + event RESTResponse",
        "  ~ channels.externalMedia(external_host)",
        "      required: true -> false",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line `{line}` in\n{text}"
        );
    }
}

#[test]
fn refer_went_away_in_19_and_claim_channel_is_not_in_21() {
    let d = diff(&major(18), &major(19));
    assert_eq!(
        names(&d, "operation", removed),
        ["endpoints.refer", "endpoints.referToEndpoint"]
    );
    assert!(names(&d, "field", removed).contains(&"Channel.tenantid"));
    let d = diff(&major(20), &major(21));
    assert_eq!(
        names(&d, "operation", removed),
        [
            "bridges.getBridgeVar",
            "bridges.getBridgeVars",
            "bridges.setBridgeVar",
            "bridges.setBridgeVars",
            "channels.getChannelVars",
            "channels.setChannelVars",
            "events.claimChannel",
        ]
    );
    assert_eq!(
        names(&d, "event", removed),
        ["event CallBroadcast", "event CallClaimed"]
    );
}

#[test]
fn field_and_parameter_changes_between_13_14_and_16() {
    let d = diff(&major(13), &major(14));
    let timestamp = attributes(&d, &ItemKey::field("Event", "timestamp"));
    assert_eq!(timestamp[0].to_string(), "required: true -> false");
    let variables = attributes(&d, &ItemKey::field("TextMessage", "variables"));
    assert_eq!(
        variables[0].to_string(),
        "type: \"object\" -> \"List[TextMessageVariable]\""
    );
    for (resource, nickname) in [
        ("bridges", "play"),
        ("bridges", "playWithId"),
        ("channels", "play"),
        ("channels", "playWithId"),
    ] {
        let media = attributes(&d, &ItemKey::parameter(resource, nickname, "media"));
        assert_eq!(media[0].attribute, "allowMultiple", "{resource}.{nickname}");
    }
    assert!(names(&d, "event", removed).contains(&"event ApplicationMoveFailed"));
    // 16 took the 14/15 changes back.
    let d = diff(&major(15), &major(16));
    let timestamp = attributes(&d, &ItemKey::field("Event", "timestamp"));
    assert_eq!(timestamp[0].to_string(), "required: false -> true");
    assert!(names(&d, "model", removed).contains(&"model TextMessageVariable"));
}

#[test]
fn releases_of_one_line_diff_too() {
    let api = |tag: &str| Api::merge(&spec_dir().load_release(tag).unwrap());
    let d = diff(&api("20.17.0"), &api("20.20.0"));
    let ops = names(&d, "operation", added);
    assert!(ops.contains(&"events.claimChannel") && ops.contains(&"channels.getChannelVars"));
    // Patch releases that shipped the same files.
    assert!(diff(&api("20.20.0"), &api("20.20.1")).is_empty());
}

#[test]
fn a_release_against_itself_is_empty_and_directions_mirror() {
    let (a, b) = (major(19), major(20));
    assert!(diff(&a, &a).is_empty());
    let forward = diff(&a, &b);
    let backward = diff(&b, &a);
    assert_eq!(forward.counts().0, backward.counts().1);
    assert_eq!(forward.counts().2, backward.counts().2);
}

#[test]
fn json_form_tags_each_change() {
    let d = diff(&major(19), &major(20));
    let value = serde_json::to_value(&d).unwrap();
    let claim = value["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "events.claimChannel")
        .unwrap();
    assert_eq!(
        claim,
        &json!({
            "item": {"kind": "operation", "resource": "events", "nickname": "claimChannel"},
            "name": "events.claimChannel",
            "change": "added",
            "summary": "POST /events/claim",
        })
    );
    let host = value["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "channels.externalMedia(external_host)")
        .unwrap();
    assert_eq!(host["change"], "changed");
    assert_eq!(
        host["attributes"][0],
        json!({"attribute": "required", "before": true, "after": false})
    );
    // Keys round-trip through JSON.
    let key: ItemKey = serde_json::from_value(claim["item"].clone()).unwrap();
    assert_eq!(key, ItemKey::operation("events", "claimChannel"));
    let value_key = ItemKey::allowable_value(ItemKey::field("Channel", "state"), "Up");
    let round: ItemKey = serde_json::from_value(serde_json::to_value(&value_key).unwrap()).unwrap();
    assert_eq!(round, value_key);
    assert_eq!(value["from"], Value::from("19.8.1"));
}
