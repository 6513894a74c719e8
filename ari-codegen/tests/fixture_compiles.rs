//! The snapshot of `snapshot.rs` compiled against the real runtime, and used.

#[rustfmt::skip]
// `unused_variables`: the fixture has no `record`, so `record_request`
// leaves its options unread.
#[allow(dead_code, unused_variables, clippy::all)]
#[path = "output/mod.rs"]
mod fixture;

use ari_sdk::handles::{ResourceEvent, ResourceKind, Signal, VersionApi};
use fixture::widgets::IfExists;
use fixture::{
    Ari, BridgeHandle, BridgeHandleMethods, ChannelHandle, ChannelHandleMethods, Event, EventType,
    Widget, WidgetState,
};

fn ari() -> Ari {
    let config = ari_sdk::Config::builder()
        .url("http://127.0.0.1:9/ari")
        .build()
        .unwrap();
    Ari::new(ari_sdk::Client::new(config).unwrap())
}

#[test]
fn builders_make_the_request_the_spec_describes() {
    let ari = ari();
    let create = ari
        .widgets()
        .create("w")
        .size(5)
        .shiny(true)
        .tags(["a", "b"])
        .if_exists(IfExists::DtmfHash)
        .variables([("K", "v")]);
    let request = create.request();
    assert_eq!(request.operation().name, "widgets.create");
    assert_eq!(request.path(), "/widgets");
    let query: Vec<(&str, &str)> = request
        .query_pairs()
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    assert_eq!(
        query,
        [
            ("name", "w"),
            ("size", "5"),
            ("shiny", "true"),
            ("tags", "a,b"),
            ("ifExists", "dtmf_#")
        ]
    );
    assert_eq!(
        request.json_body(),
        Some(&serde_json::json!({"variables": {"K": "v"}}))
    );

    let moved = ari.widgets().r#move("w/1", "slot 2", "fast");
    assert_eq!(moved.request().path(), "/widgets/w%2F1/move/slot%202");
    assert_eq!(
        moved.request().query_pairs(),
        [("type", "fast".to_string())]
    );

    let remove = ari.widgets().remove("w");
    let documented = remove.request().operation().documented_error(409).unwrap();
    assert_eq!(documented.kind, ari_sdk::HttpErrorKind::NotInStasis);
}

#[test]
fn models_and_enums_decode_leniently() {
    let widget: Widget = serde_json::from_str(
        r#"{"id":"w","state":"Brand-new","createdAt":"2026-11-22T18:02:24.382+0000","type":"t","unknown":1}"#,
    )
    .unwrap();
    assert_eq!(widget.state, WidgetState::Other("Brand-new".into()));
    assert_eq!(widget.r#type.as_deref(), Some("t"));
    assert_eq!(widget.parts, None);
    assert_eq!(WidgetState::from_wire("Pre-used"), WidgetState::PreUsed);
    assert_eq!(WidgetState::DialingOffhook.as_str(), "Dialing Offhook");
    let back = serde_json::to_value(&widget).unwrap();
    assert_eq!(back["createdAt"], "2026-11-22T18:02:24.382+0000");
    assert!(back.get("parts").is_none());
}

#[test]
fn events_decode_by_type() {
    let frame = r#"{"type":"WidgetRemoved","application":"app","timestamp":"2026-11-22T18:02:24.382+0000","widget_id":"w"}"#;
    let event = Event::from_json(frame).unwrap();
    assert_eq!(event.event_type(), EventType::WidgetRemoved);
    assert_eq!(event.application(), Some("app"));
    assert_eq!(event.asterisk_id(), None);
    match &event {
        Event::WidgetRemoved(removed) => assert_eq!(removed.widget_id, "w"),
        other => panic!("{other:?}"),
    }
    let back: serde_json::Value = serde_json::to_value(&event).unwrap();
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(frame).unwrap()
    );
    assert_eq!(
        EventType::ALL,
        [
            EventType::WidgetCreated,
            EventType::WidgetRemoved,
            EventType::StasisStart
        ]
    );
    let unknown = Event::from_json(r#"{"type":"Other","application":"a"}"#).unwrap();
    assert_eq!(unknown.event_type(), EventType::Unknown);
}

#[test]
fn the_handles_requests_are_the_releases() {
    let ari = ari();
    let get = ari.get_request(ResourceKind::Channel, "c 1").unwrap();
    assert_eq!(get.operation().name, "channels.get");
    assert_eq!(get.path(), "/channels/c%201");
    let get = ari.get_request(ResourceKind::LiveRecording, "r").unwrap();
    assert_eq!(get.path(), "/recordings/live/r");
    let play = ari
        .play_request(ResourceKind::Channel, "c", "p", vec!["sound:x".into()])
        .unwrap();
    assert_eq!(play.path(), "/channels/c/play/p");
    assert!(ari
        .play_request(ResourceKind::Bridge, "b", "p", Vec::new())
        .is_none());
    let create = ari.create_bridge_request("b", vec!["mixing".into(), "dtmf_events".into()]);
    assert_eq!(create.path(), "/bridges/b");
    assert_eq!(
        create.query_pairs(),
        [("type", "mixing,dtmf_events".to_string())]
    );
    let add = ari.add_channels_request("b", vec!["c1".into(), "c2".into()]);
    assert_eq!(add.query_pairs(), [("channel", "c1,c2".to_string())]);
    assert_eq!(ari.stop_playback_request("p").path(), "/playbacks/p");
}

#[test]
fn events_tell_the_handles_what_happened() {
    let frame = r#"{"type":"StasisStart","application":"app","timestamp":"2026-11-22T18:02:24.382+0000","args":["a"],"channel":{"id":"c1","name":"PJSIP/1"}}"#;
    let event = Event::from_json(frame).unwrap();
    let mut resources = Vec::new();
    ResourceEvent::for_each_resource(&event, &mut |kind, id| {
        resources.push((kind, id.to_string()))
    });
    assert_eq!(resources, [(ResourceKind::Channel, "c1".to_string())]);
    assert!(event.concerns(ResourceKind::Channel, "c1"));
    match event.signal() {
        Signal::StasisStart {
            channel,
            channel_id,
            args,
        } => {
            assert_eq!(channel.name, "PJSIP/1");
            assert_eq!(channel_id, "c1");
            assert_eq!(args, ["a"]);
        }
        other => panic!("{other:?}"),
    }
}

/// The handles' methods build the group methods' requests (compiled, not
/// run: a handle comes from a running `StasisApp`).
#[allow(dead_code)]
fn handle_methods(
    channel: &ChannelHandle,
    bridge: &BridgeHandle,
) -> [ari_sdk::runtime::Request; 3] {
    [
        channel.hangup().into_request(),
        bridge.add_channel(["c1"]).into_request(),
        bridge.destroy().into_request(),
    ]
}
