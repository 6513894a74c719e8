//! The snapshot of `snapshot.rs` compiled against the real runtime, and used.

#[rustfmt::skip]
#[allow(dead_code, clippy::all)]
#[path = "output/mod.rs"]
mod fixture;

use fixture::widgets::IfExists;
use fixture::{Ari, Event, EventType, Widget, WidgetState};

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
        [EventType::WidgetCreated, EventType::WidgetRemoved]
    );
    let unknown = Event::from_json(r#"{"type":"Other","application":"a"}"#).unwrap();
    assert_eq!(unknown.event_type(), EventType::Unknown);
}
