//! Comparing the events a server sent with the events a capture recorded,
//! and telling the ids Asterisk made up from the ids the client chose.
//!
//! Only ids Asterisk generated may differ between the capture and the
//! server under test: uniqueids (`1795370473.2`) and UUIDs, and only when
//! no captured request had named them first. Every other id (`channelId`,
//! `otherChannelId`, `playbackId`, ids Asterisk derives from them such as
//! `cap-create-4;2`) must come back exactly as captured.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::compare::{compare, Normalizer};
use super::Entry;

/// What an event is about: `("channel", id)`, `("playback", id)` or
/// `("recording", name)`.
pub type Entity = (&'static str, String);

/// The entity an event is about; `None` for channel-less events
/// (`DeviceStateChanged`, a global `ChannelVarset`).
pub fn entity(event: &Value) -> Option<Entity> {
    if let Some(id) = event["playback"]["id"].as_str() {
        return Some(("playback", id.to_string()));
    }
    if let Some(name) = event["recording"]["name"].as_str() {
        return Some(("recording", name.to_string()));
    }
    for key in ["channel", "peer"] {
        if let Some(id) = event[key]["id"].as_str() {
            return Some(("channel", id.to_string()));
        }
    }
    None
}

fn event_type(event: &Value) -> &str {
    event["type"].as_str().unwrap_or("")
}

/// Whether `id` has the shape of an id Asterisk makes up: a uniqueid
/// (`1795370473.2`) or a UUID (playbacks, recordings, bridges).
pub fn looks_generated(id: &str) -> bool {
    let uniqueid = id.split_once('.').is_some_and(|(secs, seq)| {
        !secs.is_empty()
            && !seq.is_empty()
            && secs.bytes().all(|b| b.is_ascii_digit())
            && seq.bytes().all(|b| b.is_ascii_digit())
    });
    let uuid = id.len() == 36
        && id.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit());
    uniqueid || uuid
}

fn strings_in(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings_in(v, out)),
        _ => {}
    }
}

/// Strings the client chose: what a captured request carried (path
/// segments, query values, body strings) that Asterisk had not sent
/// before the request went out. A request goes out right after the
/// previous response, so what the capture lists between the two may
/// already be the request's doing (Asterisk's events for `channelId`
/// precede the originate's response) and does not count as sent before.
pub fn client_chosen(entries: &[Entry]) -> BTreeSet<String> {
    let mut chosen = BTreeSet::new();
    let mut reported = BTreeSet::new();
    let mut window = BTreeSet::new();
    for entry in entries {
        match entry {
            Entry::Event(event) => strings_in(event, &mut window),
            Entry::Rest(exchange) => {
                let mut sent = BTreeSet::new();
                for segment in exchange.path.split('/') {
                    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                    sent.insert(decoded.into_owned());
                }
                sent.extend(exchange.query.iter().map(|(_, v)| v.clone()));
                if let Some(body) = &exchange.body {
                    if let Ok(body) = serde_json::from_str::<Value>(&body.to_json_string()) {
                        strings_in(&body, &mut sent);
                    }
                }
                chosen.extend(sent.into_iter().filter(|s| !reported.contains(s)));
                reported.append(&mut window);
                strings_in(&exchange.response, &mut reported);
            }
        }
    }
    chosen
}

/// Events grouped per entity (entities in order of first appearance), and
/// the channel-less events in order.
#[derive(Debug, Default, Clone)]
pub struct Grouped {
    /// Entities in order of first appearance.
    pub order: Vec<Entity>,
    /// Each entity's events, in order.
    pub events: HashMap<Entity, Vec<Value>>,
    /// Events about no entity, in order.
    pub globals: Vec<Value>,
}

impl Grouped {
    /// Groups `events`.
    pub fn of(events: &[Value]) -> Grouped {
        let mut grouped = Grouped::default();
        for event in events {
            match entity(event) {
                Some(key) => {
                    if !grouped.events.contains_key(&key) {
                        grouped.order.push(key.clone());
                    }
                    grouped.events.entry(key).or_default().push(event.clone());
                }
                None => grouped.globals.push(event.clone()),
            }
        }
        grouped
    }

    /// Ids of one kind of entity, in order of first appearance.
    pub fn entities_of(&self, kind: &str) -> Vec<String> {
        self.order
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// The events about one entity (empty when there are none).
    pub fn of_entity(&self, kind: &'static str, id: &str) -> &[Value] {
        self.events
            .get(&(kind, id.to_string()))
            .map_or(&[], Vec::as_slice)
    }
}

/// Which id on the server under test stands for each captured id.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    /// Strings the client chose (see [`client_chosen`]).
    client: BTreeSet<String>,
    /// Captured ids that must come back verbatim.
    literal: BTreeSet<String>,
    /// `(captured, actual)` for ids Asterisk generated.
    pairs: Vec<(String, String)>,
}

impl IdMap {
    /// The map for one capture: nothing learned yet.
    pub fn for_capture(entries: &[Entry]) -> IdMap {
        let mut map = IdMap {
            client: client_chosen(entries),
            ..IdMap::default()
        };
        for entry in entries {
            let id = match entry {
                Entry::Event(event) => entity(event).map(|(_, id)| id),
                Entry::Rest(exchange) => exchange.response["id"].as_str().map(str::to_string),
            };
            if let Some(id) = id.filter(|id| !map.is_generated(id)) {
                map.literal.insert(id);
            }
        }
        map
    }

    /// Whether Asterisk made `captured` up, so the server may answer with
    /// an id of its own.
    pub fn is_generated(&self, captured: &str) -> bool {
        looks_generated(captured) && !self.client.contains(captured)
    }

    /// The server's id for `captured`: itself unless Asterisk generated
    /// it; `None` while a generated id has no counterpart yet.
    pub fn get<'a>(&'a self, captured: &'a str) -> Option<&'a str> {
        if !self.is_generated(captured) {
            return Some(captured);
        }
        self.pairs
            .iter()
            .find(|(c, _)| c == captured)
            .map(|(_, a)| a.as_str())
    }

    /// Learns that the server answered `actual` where Asterisk answered
    /// `captured` (the `id` of a REST response). Ids that are not
    /// Asterisk's own are never learned: they must match.
    pub fn learn(&mut self, captured: &str, actual: &str) {
        let known = self.pairs.iter().any(|(c, a)| c == captured || a == actual);
        if self.is_generated(captured) && !known {
            self.pairs.push((captured.to_string(), actual.to_string()));
        }
    }

    /// Pairs the generated ids of the capture's entities with the
    /// server's entities the capture has no literal id for, per kind in
    /// order of first appearance.
    pub fn learn_from_events(&mut self, captured: &Grouped, actual: &Grouped) {
        for kind in ["channel", "playback", "recording"] {
            let unclaimed: Vec<String> = actual
                .entities_of(kind)
                .into_iter()
                .filter(|a| !self.literal.contains(a) && !self.pairs.iter().any(|(_, p)| p == a))
                .collect();
            let unpaired: Vec<String> = captured
                .entities_of(kind)
                .into_iter()
                .filter(|c| self.is_generated(c) && self.get(c).is_none())
                .collect();
            for (c, a) in unpaired.into_iter().zip(unclaimed) {
                self.pairs.push((c, a));
            }
        }
    }

    /// How captured values are normalised before comparing: generated
    /// ids rewritten to the server's.
    pub fn normalizer(&self) -> Normalizer {
        Normalizer {
            ids: self.pairs.clone(),
        }
    }

    /// Whether `actual` is the counterpart of some captured id.
    fn is_target(&self, actual: &str) -> bool {
        self.literal.contains(actual) || self.pairs.iter().any(|(_, a)| a == actual)
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(event_type).collect()
}

/// What `expected` (captured events) has that `received` (the server's)
/// still lacks: per entity the events past the server's count, and the
/// channel-less events past its count; one line per entity, naming the
/// event types. Empty once everything arrived.
pub fn missing(expected: &Grouped, received: &Grouped, map: &IdMap) -> Vec<String> {
    let mut lines = Vec::new();
    for (kind, id) in &expected.order {
        let want = expected.of_entity(kind, id);
        let have = map
            .get(id)
            .map_or(&[][..], |actual| received.of_entity(kind, actual));
        // Per type, not only in all: a server that sent some other event
        // first has not yet sent what the capture had (a replay that went
        // on would send its next request too early, on a busy machine).
        let mut lacking: Vec<&str> = Vec::new();
        let mut counts: BTreeMap<&str, isize> = BTreeMap::new();
        for event in have {
            *counts.entry(event_type(event)).or_default() += 1;
        }
        for event in want {
            let count = counts.entry(event_type(event)).or_default();
            *count -= 1;
            if *count < 0 {
                lacking.push(event_type(event));
            }
        }
        if have.len() < want.len() || !lacking.is_empty() {
            lines.push(format!("{kind} {id}: {lacking:?}"));
        }
    }
    if received.globals.len() < expected.globals.len() {
        lines.push(format!(
            "channel-less: {:?}",
            types(&expected.globals[received.globals.len()..])
        ));
    }
    lines
}

/// Compares an event sequence value by value; types first, so a
/// different sequence is reported once rather than as every later field.
fn compare_sequence(
    what: &str,
    expected: &[Value],
    actual: &[Value],
    norm: &Normalizer,
) -> Vec<String> {
    let mut diffs = Vec::new();
    let (e_types, a_types) = (types(expected), types(actual));
    if e_types != a_types {
        diffs.push(format!(
            "{what}: events\n    fake:    {a_types:?}\n    capture: {e_types:?}"
        ));
    }
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        if event_type(e) == event_type(a) {
            for diff in compare(e, a, norm) {
                diffs.push(format!("{what} event {i} {}: {diff}", event_type(e)));
            }
        }
    }
    diffs
}

/// Differences between the captured events and the server's, after
/// `map` learned what it can from them:
///
/// - per entity, the same events in the same order with the same values
///   (timestamps only need Asterisk's format, generated ids and Local
///   channel numbers are normalised; see [`compare`]);
/// - no entity from the server that the capture has no counterpart for;
/// - the channel-less events in the same order with the same values.
pub fn compare_events(captured: &[Value], actual: &[Value], map: &mut IdMap) -> Vec<String> {
    let captured = Grouped::of(captured);
    let actual = Grouped::of(actual);
    map.learn_from_events(&captured, &actual);
    let norm = map.normalizer();
    let mut diffs = Vec::new();
    for (kind, id) in &captured.order {
        let expected = captured.of_entity(kind, id);
        let Some(actual_id) = map.get(id) else {
            diffs.push(format!("{kind} {id}: no counterpart from the fake"));
            continue;
        };
        let got = actual.of_entity(kind, actual_id);
        if got.is_empty() {
            diffs.push(format!(
                "{kind} {id}: the fake sent no events about {actual_id}, the capture has {:?}",
                types(expected)
            ));
        } else {
            diffs.extend(compare_sequence(
                &format!("{kind} {id}"),
                expected,
                got,
                &norm,
            ));
        }
    }
    for (kind, id) in &actual.order {
        if !map.is_target(id) {
            diffs.push(format!(
                "{kind} {id} from the fake has no counterpart in the capture: {:?}",
                types(actual.of_entity(kind, id))
            ));
        }
    }
    diffs.extend(compare_sequence(
        "channel-less",
        &captured.globals,
        &actual.globals,
        &norm,
    ));
    diffs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::captures::{captures_dir, load_file, Capture};

    fn capture(name: &str) -> Capture {
        let path = captures_dir().join(format!("{name}.jsonl"));
        load_file(&path).unwrap_or_else(|err| panic!("capture {name}: {err}"))
    }

    fn events(capture: &Capture) -> Vec<Value> {
        capture
            .entries
            .iter()
            .filter_map(|entry| match entry {
                Entry::Event(event) => Some(event.clone()),
                Entry::Rest(_) => None,
            })
            .collect()
    }

    /// `events` with every string `from` replaced by `to`, as a server
    /// that picked other ids would send them.
    fn renamed(events: &[Value], renames: &[(&str, &str)]) -> Vec<Value> {
        fn walk(value: &mut Value, renames: &[(&str, &str)]) {
            match value {
                Value::String(s) => {
                    for (from, to) in renames {
                        if s == from {
                            *s = to.to_string();
                        }
                        // `target_uri` is `channel:<id>`.
                        if let Some(rest) = s.strip_prefix("channel:") {
                            if rest == *from {
                                *s = format!("channel:{to}");
                            }
                        }
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(|v| walk(v, renames)),
                Value::Object(map) => map.values_mut().for_each(|v| walk(v, renames)),
                _ => {}
            }
        }
        let mut events = events.to_vec();
        events.iter_mut().for_each(|e| walk(e, renames));
        events
    }

    #[test]
    fn tells_generated_ids_from_chosen_ones() {
        assert!(looks_generated("1795370473.2"));
        assert!(looks_generated("4f7b1c2e-0a3b-4c5d-8e9f-0123456789ab"));
        assert!(!looks_generated("cap-owid-1"));
        assert!(!looks_generated("cap-create-4;2"));
        assert!(!looks_generated("1.2.3"));

        let with_id = capture("channels_originate_with_id");
        let chosen = client_chosen(&with_id.entries);
        assert!(chosen.contains("cap-owid-1") && chosen.contains("cap-owid-1-2"));
        let auto = capture("channels_originate_auto_ids");
        let map = IdMap::for_capture(&auto.entries);
        // Named in `DELETE /channels/1795370473.2` only after Asterisk reported it.
        assert!(map.is_generated("1795370473.2"));
        assert!(map.is_generated("1795370473.3"));
    }

    #[test]
    fn the_capture_matches_itself() {
        for name in [
            "channels_dtmf_receive",
            "channels_originate_with_id",
            "channels_create_dial",
        ] {
            let capture = capture(name);
            let events = events(&capture);
            let mut map = IdMap::for_capture(&capture.entries);
            let diffs = compare_events(&events, &events, &mut map);
            assert_eq!(diffs, Vec::<String>::new(), "{name}");
        }
    }

    /// Compares a capture's events with the same events as a server that
    /// named the channels otherwise would send them.
    fn compare_renamed(name: &str, renames: &[(&str, &str)]) -> (Capture, IdMap, Vec<String>) {
        let capture = capture(name);
        let events = events(&capture);
        let mut map = IdMap::for_capture(&capture.entries);
        let diffs = compare_events(&events, &renamed(&events, renames), &mut map);
        (capture, map, diffs)
    }

    #[test]
    fn other_generated_ids_are_accepted() {
        let (_, map, diffs) = compare_renamed(
            "channels_originate_auto_ids",
            &[
                ("1795370473.2", "1700000000.10"),
                ("1795370473.3", "1700000000.11"),
            ],
        );
        assert_eq!(diffs, Vec::<String>::new());
        assert_eq!(map.get("1795370473.2"), Some("1700000000.10"));
    }

    /// Planted fault: a fake that reports every DTMF digit as "1".
    #[test]
    fn a_wrong_dtmf_digit_is_reported() {
        let capture = capture("channels_dtmf_receive");
        let events = events(&capture);
        let mut fake = events.clone();
        for event in &mut fake {
            if event["type"] == "ChannelDtmfReceived" {
                event["digit"] = Value::from("1");
            }
        }
        let mut map = IdMap::for_capture(&capture.entries);
        let diffs = compare_events(&events, &fake, &mut map);
        let digit_diffs: Vec<&String> = diffs.iter().filter(|d| d.contains("$.digit")).collect();
        // Ten digits were sent ("123#*ABCD0"); all but the "1" are wrong.
        assert_eq!(digit_diffs.len(), 9, "{diffs:#?}");
        assert_eq!(diffs.len(), 9, "{diffs:#?}");
    }

    /// Planted fault: a fake that ignores `channelId`/`otherChannelId` on
    /// originate and makes up uniqueids instead.
    #[test]
    fn ids_the_client_chose_must_come_back() {
        let (capture, mut map, diffs) = compare_renamed(
            "channels_originate_with_id",
            &[
                ("cap-owid-1", "1700000000.4"),
                ("cap-owid-1-2", "1700000000.5"),
            ],
        );
        map.learn("cap-owid-1", "1700000000.4");
        assert_eq!(
            map.get("cap-owid-1"),
            Some("cap-owid-1"),
            "a chosen id is never mapped"
        );
        assert_eq!(diffs.len(), 4, "{diffs:#?}");
        for id in ["cap-owid-1", "cap-owid-1-2"] {
            assert!(
                diffs
                    .iter()
                    .any(|d| d.starts_with(&format!("channel {id}: the fake sent no events"))),
                "{id} not reported: {diffs:#?}"
            );
        }
        for id in ["1700000000.4", "1700000000.5"] {
            assert!(
                diffs
                    .iter()
                    .any(|d| d
                        .starts_with(&format!("channel {id} from the fake has no counterpart"))),
                "{id} not reported: {diffs:#?}"
            );
        }
        // The originate's response body names the id too.
        let response = capture
            .entries
            .iter()
            .find_map(|entry| match entry {
                Entry::Rest(exchange) if exchange.status == 200 => Some(exchange.response.clone()),
                _ => None,
            })
            .expect("the capture has a successful originate");
        let mut fake_response = response.clone();
        fake_response["id"] = Value::from("1700000000.4");
        let diffs = compare(&response, &fake_response, &map.normalizer());
        assert_eq!(diffs.len(), 1, "{diffs:?}");
    }

    /// Planted fault: events the fake sends late (or never) before the
    /// next request, and channel-less events out of order.
    #[test]
    fn missing_and_reordered_events_are_reported() {
        let capture = capture("channels_dtmf_receive");
        // What the capture had received before `DELETE /channels/cap-dtmfr-1`.
        let delete = capture
            .entries
            .iter()
            .position(|e| matches!(e, Entry::Rest(x) if x.method == "DELETE"))
            .expect("the capture hangs up");
        let before = events(&Capture {
            name: capture.name.clone(),
            entries: capture.entries[..delete].to_vec(),
        });
        let expected = Grouped::of(&before);
        let map = IdMap::for_capture(&capture.entries);
        assert!(missing(&expected, &expected, &map).is_empty());

        let mut late = before.clone();
        let last_dtmf = late
            .iter()
            .rposition(|e| e["type"] == "ChannelDtmfReceived")
            .expect("the capture has DTMF");
        late.remove(last_dtmf);
        let device = late
            .iter()
            .rposition(|e| e["type"] == "DeviceStateChanged")
            .expect("the capture has device states");
        late.remove(device);
        assert_eq!(
            missing(&expected, &Grouped::of(&late), &map),
            vec![
                r#"channel cap-dtmfr-1: ["ChannelDtmfReceived"]"#.to_string(),
                r#"channel-less: ["DeviceStateChanged"]"#.to_string(),
            ]
        );

        let events = events(&capture);
        let device_states: Vec<usize> = (0..events.len())
            .filter(|i| events[*i]["type"] == "DeviceStateChanged")
            .collect();
        let (Some(first), Some(last)) = (device_states.first(), device_states.last()) else {
            panic!("the capture has device states");
        };
        let mut reordered = events.clone();
        reordered.swap(*first, *last);
        let mut map = IdMap::for_capture(&capture.entries);
        let diffs = compare_events(&events, &reordered, &mut map);
        assert_eq!(
            diffs
                .iter()
                .filter(|d| d.contains("$.device_state.state"))
                .count(),
            2,
            "{diffs:#?}"
        );
    }
}
