//! Every event type of every major decodes into its own variant: for each
//! event of each spec, a frame is built from its model (every property, of
//! the declared type, nested models included), decoded with that major's
//! `Event::from_json`, checked, and serialized back to the same JSON.
//!
//! Also: every event frame Asterisk 20.20.1 really sent
//! (`../shared/ari-captures`) decodes into `v20::Event` without an `Unknown`.

use std::path::{Path, PathBuf};

use ari_spec::swagger::AllowableValues;
use ari_spec::{Api, DataType, SpecDir};
use serde_json::{json, Map, Value};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn spec_dir() -> SpecDir {
    SpecDir::locate(None, &workspace_root())
}

/// A JSON value of `data_type`; strings are `text` so a test can find them.
fn sample(
    api: &Api,
    data_type: &DataType,
    values: Option<&AllowableValues>,
    text: &str,
    depth: usize,
    required_only: bool,
) -> Value {
    match data_type {
        DataType::String => match values {
            Some(AllowableValues::List { values }) => {
                json!(values.last().cloned().unwrap_or_default())
            }
            _ => json!(text),
        },
        DataType::Int | DataType::Long => json!(7),
        DataType::Double => json!(1.5),
        DataType::Boolean => json!(true),
        DataType::Date => json!("2026-11-22T18:02:24.382+0000"),
        DataType::Object => json!({"free": ["form", 1]}),
        DataType::List(inner) => json!([sample(api, inner, values, text, depth, required_only)]),
        DataType::Model(name) => model_sample(api, name, depth + 1, required_only),
        DataType::Void | DataType::Binary => Value::Null,
    }
}

/// Every property (or every required one) of a model and its ancestors but
/// the discriminator.
fn model_sample(api: &Api, name: &str, depth: usize, required_only: bool) -> Value {
    let mut object = Map::new();
    if depth > 4 {
        return Value::Object(object);
    }
    let mut chain = api.ancestors(name);
    chain.reverse();
    chain.extend(api.model(name));
    for model in chain {
        for (field, prop) in &model.properties {
            if model.discriminator.as_deref() == Some(field.as_str())
                || (required_only && !prop.is_required())
            {
                continue;
            }
            let value = sample(
                api,
                &DataType::parse(&prop.data_type),
                prop.allowable_values.as_ref(),
                field,
                depth,
                required_only,
            );
            object.insert(field.clone(), value);
        }
    }
    Value::Object(object)
}

struct Decoded {
    type_name: String,
    unknown: bool,
    type_matches: bool,
    application: Option<String>,
    has_timestamp: bool,
    reserialized: Value,
}

fn check_major(
    major: u32,
    known_types: usize,
    decode: impl Fn(&str) -> Result<Decoded, serde_json::Error>,
) {
    let spec = spec_dir().load_major(major).unwrap();
    let api = Api::merge(&spec);
    let events = api.events();
    assert!(!events.is_empty());
    assert_eq!(events.len(), known_types, "EventType::ALL of v{major}");
    for event in events {
        for required_only in [false, true] {
            let mut frame = model_sample(&api, &event.id, 0, required_only);
            let object = frame.as_object_mut().unwrap();
            object.insert("type".into(), json!(event.id));
            let text = frame.to_string();
            let decoded =
                decode(&text).unwrap_or_else(|e| panic!("v{major} {}: {e}\n{text}", event.id));
            assert_eq!(decoded.type_name, event.id, "v{major}");
            assert!(!decoded.unknown, "v{major} {} decoded as Unknown", event.id);
            assert!(decoded.type_matches, "v{major} {}", event.id);
            let declares = |field: &str| {
                api.ancestors(&event.id)
                    .iter()
                    .chain(api.model(&event.id).iter())
                    .any(|m| {
                        m.properties
                            .get(field)
                            .is_some_and(|p| p.is_required() || !required_only)
                    })
            };
            if declares("application") {
                assert_eq!(
                    decoded.application.as_deref(),
                    Some("application"),
                    "v{major} {}",
                    event.id
                );
            }
            if declares("timestamp") {
                assert!(decoded.has_timestamp, "v{major} {}", event.id);
            }
            assert_eq!(
                decoded.reserialized, frame,
                "v{major} {} does not round-trip (required only: {required_only})",
                event.id
            );
        }
    }
}

macro_rules! every_event_of {
    ($feature:literal, $test:ident, $module:ident, $major:literal) => {
        #[cfg(feature = $feature)]
        #[test]
        fn $test() {
            use ari_sdk::$module::{Event, EventType};
            check_major($major, EventType::ALL.len(), |json| {
                let event = Event::from_json(json)?;
                Ok(Decoded {
                    type_name: event.type_name().to_string(),
                    unknown: matches!(event, Event::Unknown(_)),
                    type_matches: EventType::from_name(event.type_name()) == event.event_type()
                        && event.event_type().as_str() == event.type_name(),
                    application: event.application().map(str::to_string),
                    has_timestamp: event.timestamp().is_some(),
                    reserialized: serde_json::to_value(&event)?,
                })
            });
        }
    };
}

every_event_of!("asterisk-13", every_event_of_v13, v13, 13);
every_event_of!("asterisk-14", every_event_of_v14, v14, 14);
every_event_of!("asterisk-15", every_event_of_v15, v15, 15);
every_event_of!("asterisk-16", every_event_of_v16, v16, 16);
every_event_of!("asterisk-17", every_event_of_v17, v17, 17);
every_event_of!("asterisk-18", every_event_of_v18, v18, 18);
every_event_of!("asterisk-19", every_event_of_v19, v19, 19);
every_event_of!("asterisk-20", every_event_of_v20, v20, 20);
every_event_of!("asterisk-21", every_event_of_v21, v21, 21);
every_event_of!("asterisk-22", every_event_of_v22, v22, 22);
every_event_of!("asterisk-23", every_event_of_v23, v23, 23);

/// The event frames of the captures, as the text Asterisk sent.
fn captured_frames() -> Vec<String> {
    let dir = workspace_root()
        .join("..")
        .join("shared")
        .join("ari-captures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut frames = Vec::new();
    for file in files {
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            #[derive(serde::Deserialize)]
            struct Record<'a> {
                kind: &'a str,
                #[serde(borrow)]
                data: Option<&'a serde_json::value::RawValue>,
            }
            let record: Record<'_> = serde_json::from_str(line).unwrap();
            if let ("event", Some(data)) = (record.kind, record.data) {
                frames.push(data.get().to_string());
            }
        }
    }
    frames
}

#[cfg(feature = "asterisk-20")]
#[test]
fn every_captured_frame_decodes_into_v20() {
    use ari_sdk::v20::{Event, EventType};
    let frames = captured_frames();
    assert!(frames.len() > 500, "{} frames", frames.len());
    let mut types = std::collections::BTreeSet::new();
    for frame in &frames {
        let event = Event::from_json(frame).unwrap_or_else(|e| panic!("{e}\n{frame}"));
        assert_ne!(event.event_type(), EventType::Unknown, "{frame}");
        assert_eq!(event.application(), Some("capture-app"));
        assert_eq!(event.asterisk_id(), Some("02:00:00:00:00:01"));
        assert!(event.timestamp().is_some());
        // Serializing gives the frame back (field order aside).
        let back = serde_json::to_value(&event).unwrap();
        let original: Value = serde_json::from_str(frame).unwrap();
        assert_eq!(back, original, "{frame}");
        types.insert(event.type_name().to_string());
    }
    assert!(types.len() >= 15, "{types:?}");
}

#[cfg(feature = "asterisk-20")]
#[test]
fn unknown_and_malformed_frames() {
    use ari_sdk::v20::{Event, EventType};
    let frame = r#"{"type":"FutureEvent","application":"app","timestamp":"2026-11-22T18:02:24.382+0000","x":{"y":[1]}}"#;
    let event = Event::from_json(frame).unwrap();
    assert_eq!(event.event_type(), EventType::Unknown);
    assert_eq!(event.type_name(), "FutureEvent");
    assert_eq!(event.application(), Some("app"));
    assert!(event.timestamp().is_some());
    match &event {
        Event::Unknown(unknown) => assert_eq!(unknown.raw.get(), frame),
        other => panic!("{other:?}"),
    }
    assert_eq!(serde_json::to_string(&event).unwrap(), frame);

    // MissingParams is a Message, not an Event: kept whole.
    let missing = Event::from_json(r#"{"type":"MissingParams","params":["app"]}"#).unwrap();
    assert_eq!(missing.type_name(), "MissingParams");
    assert_eq!(missing.application(), None);

    for bad in [
        "",
        "[]",
        "{}",
        r#"{"type":5}"#,
        r#"{"application":"x"}"#,
        r#"{"type":"StasisStart""#,
        r#"{"type":"StasisStart","application":"a"}"#,
        r#"{"type":"StasisStart","application":"a","timestamp":"2026-11-22","args":[],"channel":{}}"#,
    ] {
        assert!(Event::from_json(bad).is_err(), "{bad:?} decoded");
    }

    // Through serde (a serde_json deserializer).
    let via_serde: Event = serde_json::from_str(frame).unwrap();
    assert_eq!(via_serde, event);
}

/// Every successful REST response body of the captures decodes into the
/// `responseClass` v20's api-docs declare for its operation.
#[cfg(feature = "asterisk-20")]
#[test]
fn every_captured_response_decodes_into_its_declared_type() {
    use ari_sdk::v20 as v;
    let spec = spec_dir().load_major(20).unwrap();
    let api = Api::merge(&spec);
    let dir = workspace_root()
        .join("..")
        .join("shared")
        .join("ari-captures");
    let mut decoded = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            if record["kind"] != "rest" {
                continue;
            }
            let status = record["response"]["status"].as_u64().unwrap();
            let body = &record["response"]["body"];
            if !(200..300).contains(&status) || body.is_null() {
                continue;
            }
            let method = record["request"]["method"].as_str().unwrap();
            let request_path = record["request"]["path"].as_str().unwrap();
            let request_path = request_path.strip_prefix("/ari").unwrap();
            // The operation whose path matches, literal segments preferred.
            let op = api
                .rest_operations()
                .filter(|o| o.operation.http_method.as_str() == method)
                .filter(|o| path_matches(&o.api.path, request_path))
                .min_by_key(|o| o.api.path.matches('{').count())
                .unwrap_or_else(|| panic!("no operation for {method} {request_path}"));
            let text = body.to_string();
            let class = op.operation.response_class.as_str();
            let result = match class {
                "Application" => serde_json::from_str::<v::Application>(&text).map(drop),
                "List[Application]" => serde_json::from_str::<Vec<v::Application>>(&text).map(drop),
                "Variable" => serde_json::from_str::<v::Variable>(&text).map(drop),
                "Variables" => serde_json::from_str::<v::Variables>(&text).map(drop),
                "AsteriskInfo" => serde_json::from_str::<v::AsteriskInfo>(&text).map(drop),
                "AsteriskPing" => serde_json::from_str::<v::AsteriskPing>(&text).map(drop),
                "List[LogChannel]" => serde_json::from_str::<Vec<v::LogChannel>>(&text).map(drop),
                "Channel" => serde_json::from_str::<v::Channel>(&text).map(drop),
                "List[Channel]" => serde_json::from_str::<Vec<v::Channel>>(&text).map(drop),
                "Playback" => serde_json::from_str::<v::Playback>(&text).map(drop),
                "List[Endpoint]" => serde_json::from_str::<Vec<v::Endpoint>>(&text).map(drop),
                "Sound" => serde_json::from_str::<v::Sound>(&text).map(drop),
                "List[Sound]" => serde_json::from_str::<Vec<v::Sound>>(&text).map(drop),
                other => panic!("the test has no type for {other} ({method} {request_path})"),
            };
            result.unwrap_or_else(|e| panic!("{method} {request_path} as {class}: {e}\n{text}"));
            decoded += 1;
        }
    }
    assert!(decoded > 50, "{decoded} bodies");
}

fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

/// `value` with the keys of every object in sorted order.
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// The frame with its keys sorted, compact (`type` late), as a re-encoder
/// writes it.
fn sorted_frame(frame: &str) -> String {
    sort_keys(serde_json::from_str(frame).unwrap()).to_string()
}

#[cfg(feature = "asterisk-20")]
#[test]
fn sorted_key_frames_decode_like_asterisk_order() {
    use ari_sdk::v20::Event;
    let frames = captured_frames();
    let mut late = 0;
    for frame in &frames {
        let sorted = sorted_frame(frame);
        if !sorted.starts_with(r#"{"type":"#) {
            late += 1;
        }
        let expected = Event::from_json(frame).unwrap();
        assert_eq!(Event::from_json(&sorted).unwrap(), expected, "{sorted}");
        assert_eq!(
            serde_json::from_str::<Event>(&sorted).unwrap(),
            expected,
            "{sorted}"
        );
        // The scan agrees with serde_json in both orders.
        let value: Value = serde_json::from_str(frame).unwrap();
        for text in [frame.as_str(), sorted.as_str()] {
            assert_eq!(
                ari_sdk::event_tag::event_type(text).unwrap(),
                value["type"].as_str().unwrap()
            );
        }
    }
    assert!(late > frames.len() / 2, "{late} frames with a late type");
}

#[cfg(feature = "asterisk-20")]
#[test]
fn deserialize_impl_equals_from_json_through_every_entry_point() {
    use ari_sdk::v20::Event;
    #[derive(serde::Deserialize)]
    struct Envelope {
        seq: u32,
        event: Event,
        after: Vec<Event>,
    }
    for frame in captured_frames() {
        let expected = Event::from_json(&frame).unwrap();
        let value: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&frame).unwrap(), expected);
        assert_eq!(
            serde_json::from_slice::<Event>(frame.as_bytes()).unwrap(),
            expected
        );
        assert_eq!(
            serde_json::from_value::<Event>(value.clone()).unwrap(),
            expected
        );
        assert_eq!(
            <Event as serde::Deserialize>::deserialize(&value).unwrap(),
            expected
        );
        assert_eq!(
            serde_json::from_reader::<_, Event>(frame.as_bytes()).unwrap(),
            expected
        );
        let envelope = format!(r#"{{"seq":3,"event":{frame},"after":[{frame}]}}"#);
        let envelope: Envelope = serde_json::from_str(&envelope).unwrap();
        assert_eq!(envelope.seq, 3);
        assert_eq!(envelope.event, expected);
        assert_eq!(envelope.after, std::slice::from_ref(&expected));
        // Serializing and decoding again gives the same event.
        let back = serde_json::to_string(&expected).unwrap();
        assert_eq!(Event::from_json(&back).unwrap(), expected);
    }
}

#[cfg(feature = "asterisk-20")]
#[test]
fn two_top_level_types_are_refused() {
    use ari_sdk::v20::Event;
    let frame = captured_frames()
        .into_iter()
        .find(|f| f.contains(r#""type": "StasisStart""#))
        .unwrap();
    let body = frame.strip_prefix('{').unwrap();
    let twice = [
        // A second `type` later, the same or another.
        format!(r#"{{"type":"StasisEnd",{body}"#),
        format!(r#"{{{}, "type": "StasisStart"}}"#, &body[..body.len() - 1]),
        format!(r#"{{{}, "type": "Whatever"}}"#, &body[..body.len() - 1]),
        // An unknown type twice.
        r#"{"type":"FutureEvent","a":1,"type":"FutureEvent"}"#.to_string(),
        r#"{"a":1,"type":"FutureEvent","b":{"c":2},"type":"Other"}"#.to_string(),
        // An escaped key is the same key.
        r#"{"type":"FutureEvent","typ\u0065":"FutureEvent"}"#.to_string(),
    ];
    for text in &twice {
        let sorted_first = format!(r#"{{"x":{{"y":1}},{}"#, &text[1..]);
        for text in [text, &sorted_first] {
            let error = Event::from_json(text).unwrap_err();
            assert!(
                error.to_string().contains("two top-level `type` keys"),
                "{error}: {text}"
            );
            let error = serde_json::from_str::<Event>(text).unwrap_err();
            assert!(
                error.to_string().contains("two top-level `type` keys"),
                "{error}: {text}"
            );
            let error = serde_json::from_slice::<Event>(text.as_bytes()).unwrap_err();
            assert!(error.to_string().contains("two top-level `type` keys"));
        }
    }
    // Nested `type` keys are data.
    let nested = r#"{"type":"ChannelUserevent","eventname":"E","userevent":{"type":"mine","x":{"type":1}},"application":"a","timestamp":"2026-11-22T18:02:24.382+0000"}"#;
    let event = Event::from_json(nested).unwrap();
    assert_eq!(serde_json::from_str::<Event>(nested).unwrap(), event);
    match &event {
        Event::ChannelUserevent(e) => assert_eq!(e.userevent["type"], "mine"),
        other => panic!("{other:?}"),
    }
}

#[cfg(feature = "asterisk-20")]
#[test]
fn missing_wrong_and_unknown_types_through_every_entry_point() {
    use ari_sdk::v20::{Event, EventType};
    for (bad, says) in [
        ("{}", "no `type`"),
        (r#"{"application":"x"}"#, "no `type`"),
        (
            r#"{"application":"x","channel":{"type":"nested"}}"#,
            "no `type`",
        ),
        (r#"{"type":5,"application":"x"}"#, "type"),
        (r#"{"application":"x","type":null}"#, "type"),
        (r#"{"x":[1],"type":{"a":"b"}}"#, "type"),
        ("[]", ""),
        ("\"StasisStart\"", ""),
    ] {
        let error = Event::from_json(bad).unwrap_err();
        assert!(error.to_string().contains(says), "{error}: {bad}");
        let error = serde_json::from_str::<Event>(bad).unwrap_err();
        assert!(error.to_string().contains(says), "{error}: {bad}");
        let value: Value = serde_json::from_str(bad).unwrap();
        assert!(serde_json::from_value::<Event>(value).is_err(), "{bad}");
    }

    // Unknown types keep the frame, whatever the order of its keys.
    let frame = r#"{"type":"FutureEvent","application":"app","timestamp":"2026-11-22T18:02:24.382+0000","asterisk_id":"i","x":{"y":[1,{"type":"n"}]}}"#;
    let late = r#"{"application":"app","timestamp":"2026-11-22T18:02:24.382+0000","x":{"y":[1,{"type":"n"}]},"type":"FutureEvent","asterisk_id":"i"}"#;
    for text in [frame, late] {
        let event = Event::from_json(text).unwrap();
        assert_eq!(event.event_type(), EventType::Unknown);
        assert_eq!(event.type_name(), "FutureEvent");
        assert_eq!(event.application(), Some("app"));
        assert_eq!(event.asterisk_id(), Some("i"));
        assert!(event.timestamp().is_some());
        let Event::Unknown(unknown) = &event else {
            panic!("{event:?}")
        };
        assert_eq!(unknown.raw.get(), text);
        for via_serde in [
            serde_json::from_str::<Event>(text).unwrap(),
            serde_json::from_value::<Event>(serde_json::from_str(text).unwrap()).unwrap(),
        ] {
            let Event::Unknown(other) = &via_serde else {
                panic!("{via_serde:?}")
            };
            assert_eq!(other.type_name, "FutureEvent");
            assert_eq!(other.application.as_deref(), Some("app"));
            assert_eq!(other.asterisk_id.as_deref(), Some("i"));
            assert_eq!(other.timestamp, unknown.timestamp);
            let a: Value = serde_json::from_str(other.raw.get()).unwrap();
            let b: Value = serde_json::from_str(text).unwrap();
            assert_eq!(a, b);
        }
    }
    // Compact and in order: the generic path writes the same text back.
    assert_eq!(
        serde_json::from_str::<Event>(late).unwrap(),
        Event::from_json(late).unwrap()
    );
    // A known type whose data is wrong is an error in both paths.
    let wrong = r#"{"type":"StasisStart","application":7}"#;
    assert!(Event::from_json(wrong).is_err());
    assert!(serde_json::from_str::<Event>(wrong).is_err());
}

/// A field required by the api-docs but added later in the line
/// (`Channel.protocol_id`, required from 18.13.0) is an `Option` in that
/// major: an 18.12 server's StasisStart, which lacks it, still decodes.
#[cfg(feature = "asterisk-18")]
#[test]
fn a_field_added_later_in_the_line_may_be_absent() {
    let frame = json!({
        "type": "StasisStart",
        "application": "app",
        "timestamp": "2022-06-01T00:00:00.000+0000",
        "args": [],
        "channel": {
            "id": "1", "name": "PJSIP/a-1", "state": "Up",
            "caller": {"name": "a", "number": "1"},
            "connected": {"name": "", "number": ""},
            "accountcode": "",
            "dialplan": {"context": "c", "exten": "s", "priority": 1,
                         "app_name": "Stasis", "app_data": "app"},
            "creationtime": "2022-06-01T00:00:00.000+0000",
            "language": "en"
        }
    })
    .to_string();
    match ari_sdk::v18::Event::from_json(&frame) {
        Ok(ari_sdk::v18::Event::StasisStart(start)) => {
            assert_eq!(start.channel.protocol_id, None);
            assert_eq!(start.channel.id, "1");
        }
        other => panic!("{other:?}"),
    }
    let with_it = frame.replace("\"language\"", "\"protocol_id\":\"abc\",\"language\"");
    match ari_sdk::v18::Event::from_json(&with_it) {
        Ok(ari_sdk::v18::Event::StasisStart(start)) => {
            assert_eq!(start.channel.protocol_id.as_deref(), Some("abc"));
        }
        other => panic!("{other:?}"),
    }
}
