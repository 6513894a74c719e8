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
