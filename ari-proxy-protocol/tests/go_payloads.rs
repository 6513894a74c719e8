//! Payloads written as the Go side (CyCoreSystems/ari-proxy and its client,
//! `encoding/json`) writes them: field order of the Go structs, `omitempty`
//! where Go has it, `null` for a nil key, nanosecond durations. Each is
//! decoded, checked field by field, and encoded again to the same bytes
//! (or, where an entity's fields are a JSON object, to the same JSON value).

use std::time::Duration;

use ari_proxy_protocol::event::EventHeader;
use ari_proxy_protocol::{
    Announcement, EntityKind, ErrorClass, Key, Request, RequestClass, RequestKind, Response,
    Subjects,
};

fn round_trip_request(go: &str) -> Request {
    let request: Request = serde_json::from_str(go).expect("decodes");
    assert_eq!(serde_json::to_string(&request).expect("encodes"), go);
    request
}

fn round_trip_response(go: &str) -> Response {
    let response: Response = serde_json::from_str(go).expect("decodes");
    assert_eq!(serde_json::to_string(&response).expect("encodes"), go);
    response
}

#[test]
fn ping_is_an_empty_request() {
    // messagebus.NatsBus.PublishPing publishes &proxy.Request{}.
    let ping = round_trip_request(r#"{"kind":"","key":null}"#);
    assert!(ping.key.is_none());
}

#[test]
fn announcement_from_a_go_proxy() {
    // As in the trace of ari-proxy issue 31.
    let go = r#"{"node":"ac:1f:6b:76:7a:ba","application":"mobile_stage"}"#;
    let announcement: Announcement = serde_json::from_str(go).unwrap();
    assert_eq!(announcement.node, "ac:1f:6b:76:7a:ba");
    assert_eq!(announcement.application, "mobile_stage");
    assert_eq!(serde_json::to_string(&announcement).unwrap(), go);
}

#[test]
fn originate_in_the_create_class() {
    let go = r#"{"kind":"ChannelOriginate","key":{"node":"pbx-2","app":"demo"},"channel_originate":{"originate_request":{"endpoint":"PJSIP/alice","timeout":30,"callerId":"\"Robot\" <100>","app":"demo","appArgs":"a,b","channelId":"c1","variables":{"X":"1"}}}}"#;
    let request = round_trip_request(go);
    assert_eq!(request.kind, RequestKind::ChannelOriginate);
    assert_eq!(request.kind.class(), RequestClass::Create);
    let originate = &request
        .channel_originate
        .as_ref()
        .unwrap()
        .originate_request;
    assert_eq!(originate.endpoint, "PJSIP/alice");
    assert_eq!(originate.timeout, 30);
    assert_eq!(originate.channel_id, "c1");
    assert_eq!(originate.variables.get("X").map(String::as_str), Some("1"));
    assert_eq!(
        Subjects::default().request_for(&request, "other").unwrap(),
        "ari.create.demo.pbx-2"
    );
}

#[test]
fn command_with_a_dialog_key() {
    let go = r#"{"kind":"ChannelHangup","key":{"kind":"channel","id":"1700000000.7","node":"pbx-1","dialog":"d-42","app":"demo"},"channel_hangup":{"reason":"busy"}}"#;
    let request = round_trip_request(go);
    let key = request.key.as_ref().unwrap();
    assert_eq!(key.kind, EntityKind::Channel);
    assert_eq!(key.dialog, "d-42");
    assert_eq!(request.channel_hangup.as_ref().unwrap().reason, "busy");
    assert_eq!(request.kind.class(), RequestClass::Command);
}

#[test]
fn untagged_go_structs_keep_their_names_and_nanoseconds() {
    let record = round_trip_request(
        r##"{"kind":"ChannelRecord","key":{"kind":"channel","id":"c1"},"channel_record":{"name":"r1","options":{"Format":"wav","MaxDuration":10000000000,"MaxSilence":0,"Exists":"overwrite","Beep":true,"Terminate":"#"}}}"##,
    );
    let options = record.channel_record.unwrap().options.unwrap();
    assert_eq!(options.max_duration, Duration::from_secs(10));
    assert!(options.beep);

    let dial = round_trip_request(
        r#"{"kind":"ChannelDial","key":{"kind":"channel","id":"c2"},"channel_dial":{"caller":"c1","timeout":30000000000}}"#,
    );
    assert_eq!(dial.channel_dial.unwrap().timeout, Duration::from_secs(30));

    let dtmf = round_trip_request(
        r##"{"kind":"ChannelSendDTMF","key":{"kind":"channel","id":"c1"},"channel_send_dtmf":{"dtmf":"12#","options":{"Before":0,"Between":100000000,"Duration":0,"After":0}}}"##,
    );
    assert_eq!(dtmf.kind, RequestKind::ChannelSendDtmf);
    assert_eq!(
        dtmf.channel_send_dtmf.unwrap().options.unwrap().between,
        Duration::from_millis(100)
    );
}

#[test]
fn omitempty_and_null_as_go_writes_them() {
    let add = round_trip_request(
        r#"{"kind":"BridgeAddChannel","key":{"kind":"bridge","id":"b1"},"bridge_add_channel":{"channel":"c1","absorbDTMF":true}}"#,
    );
    let add = add.bridge_add_channel.unwrap();
    assert!(add.absorb_dtmf && !add.mute && add.role.is_empty());

    let sounds =
        round_trip_request(r#"{"kind":"SoundList","key":null,"sound_list":{"filters":null}}"#);
    assert!(sounds.sound_list.unwrap().filters.is_none());

    let create = round_trip_request(
        r#"{"kind":"BridgeCreate","key":{"kind":"bridge","id":"b1","app":"demo"},"bridge_create":{"type":"mixing"}}"#,
    );
    assert_eq!(create.bridge_create.unwrap().bridge_type, "mixing");

    let user_event = round_trip_request(
        r#"{"kind":"ChannelUserEvent","key":{"kind":"channel","id":"c1"},"channel_user_event":{"UserEvent":{"eventname":"e","userevent":{"a":1}}}}"#,
    );
    assert_eq!(
        user_event.channel_user_event.unwrap().user_event["eventname"],
        "e"
    );
}

#[test]
fn responses_as_the_go_proxy_writes_them() {
    let ok = round_trip_response(r#"{"error":""}"#);
    assert!(ok.result().is_ok());

    let key = round_trip_response(
        r#"{"error":"","key":{"kind":"channel","id":"c1","node":"pbx-1","app":"demo"}}"#,
    );
    assert_eq!(key.key, Some(Key::channel("c1").on("demo", "pbx-1")));

    let keys = round_trip_response(
        r#"{"error":"","keys":[{"kind":"bridge","id":"b1","node":"pbx-1","app":"demo"},{"kind":"bridge","id":"b2","node":"pbx-1","app":"demo"}]}"#,
    );
    assert_eq!(keys.keys.len(), 2);

    // The Go proxy's wrapped error of a 404 from the native client: only a
    // string, classified as Other (not the "Not found" Go tests for).
    let wrapped = round_trip_response(
        r#"{"error":"failed to get data: Error getting data for channel 'c9': Non-2XX response: 404 Not Found"}"#,
    );
    assert_eq!(wrapped.result().unwrap_err().class, ErrorClass::Other);
    let not_found = round_trip_response(r#"{"error":"Not found"}"#);
    assert!(not_found.result().unwrap_err().is_not_found());
    let not_implemented = round_trip_response(r#"{"error":"Not implemented"}"#);
    assert_eq!(
        not_implemented.result().unwrap_err().class,
        ErrorClass::NotImplemented
    );
}

#[test]
fn channel_data_is_asterisks_json_plus_the_key() {
    // ari.ChannelData's MarshalJSON: key first, then Asterisk's fields.
    let go = r#"{"error":"","data":{"channel":{"key":{"kind":"channel","id":"c1","node":"pbx-1","app":"demo"},"id":"c1","name":"PJSIP/alice-00000001","state":"Up","accountcode":"","caller":{"name":"Alice","number":"100"},"connected":{},"creationtime":"2024-01-02T03:04:05.000+0000","dialplan":{"context":"default","exten":"100","priority":1},"language":"en","channelvars":null,"protocol_id":""}}}"#;
    let response: Response = serde_json::from_str(go).unwrap();
    let channel = response.data.as_ref().unwrap().channel.as_ref().unwrap();
    assert_eq!(channel.key.as_ref().unwrap().node, "pbx-1");
    assert_eq!(channel.str("state"), Some("Up"));
    assert_eq!(channel.fields["caller"]["number"], "100");
    let again: serde_json::Value = serde_json::to_value(&response).unwrap();
    let original: serde_json::Value = serde_json::from_str(go).unwrap();
    assert_eq!(again, original);

    let variable = round_trip_response(r#"{"error":"","data":{"variable":"42"}}"#);
    assert_eq!(variable.data.unwrap().variable, "42");
}

#[test]
fn an_event_as_the_go_proxy_publishes_it() {
    // ari.StasisStart encoded by Go: EventData inline, then the event's
    // fields; asterisk_id is the node, dialog left out when empty.
    let go = r#"{"application":"demo","asterisk_id":"ac:1f:6b:76:7a:bb","timestamp":"2024-01-02T03:04:05.000+0000","type":"StasisStart","args":["a"],"channel":{"id":"c1","name":"PJSIP/alice-00000001","state":"Ring","accountcode":"","caller":{"name":"","number":"100"},"connected":{},"creationtime":"2024-01-02T03:04:05.000+0000","dialplan":{"context":"default","exten":"100","priority":2},"language":"en","channelvars":null,"protocol_id":""},"replace_channel":{"id":"","name":"","state":"","accountcode":"","caller":null,"connected":null,"creationtime":"0001-01-01T00:00:00.000+0000","dialplan":null,"language":"","channelvars":null,"protocol_id":""}}"#;
    let header: EventHeader = serde_json::from_str(go).unwrap();
    assert_eq!(header.event_type, "StasisStart");
    assert_eq!(header.asterisk_id, "ac:1f:6b:76:7a:bb");
    assert_eq!(
        header.key("channel", "c1"),
        Key::channel("c1").on("demo", "ac:1f:6b:76:7a:bb")
    );
    let value: serde_json::Value = serde_json::from_str(go).unwrap();
    // Go's empty replace_channel names no resource.
    assert_eq!(
        ari_proxy_protocol::event::resources(&value),
        vec![(EntityKind::Channel, "c1".to_string())]
    );
}
