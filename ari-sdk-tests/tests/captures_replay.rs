//! Replays every capture of real Asterisk 20 traffic against the fake and
//! checks that the fake answers and reports the same:
//!
//! - each REST exchange: same status, reason phrase, content type,
//!   `Location`, and body (same keys and value types recursively, same
//!   values once ids, timestamps and Local channel numbers are normalised);
//! - each scenario's events: per channel and per playback the same event
//!   type sequence (and the same event shapes), the same device-state
//!   and global-variable changes.
//!
//! Before each request the replay waits until the fake has sent what the
//! capture had received by then, except what that very request may cause
//! (a capture records the response only after the events it triggered).

mod support;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use ari_sdk_tests::captures::compare::{self, is_asterisk_timestamp, Normalizer};
use ari_sdk_tests::captures::{self, Capture, Entry, Exchange};
use fake_asterisk::{Dialplan, FakeAsterisk, Step};
use serde_json::Value;
use support::{Events, Http};

/// The app the captures were recorded with.
const APP: &str = "capture-app";

/// Captures whose known, timing-dependent quirks the fake does not copy;
/// for these channels the event types are compared as a multiset.
/// `cap-var-1-2`: Asterisk delivered the `;2` leg's `ChannelCallerId`
/// (caused by setting `CONNECTEDLINE` on `;1`) after its `ChannelDestroyed`.
const UNORDERED_CHANNELS: &[(&str, &str)] = &[("channels_variables", "cap-var-1-2")];

/// Every capture in `shared/ari-captures`, one test each.
const CAPTURES: &[&str] = &[
    "applications",
    "asterisk_config_dynamic",
    "asterisk_global_variables",
    "asterisk_info_ping",
    "asterisk_logging",
    "channels_answer_ring_progress",
    "channels_callerid_dialplan_vars",
    "channels_create_dial",
    "channels_dtmf_receive",
    "channels_originate_app",
    "channels_originate_auto_ids",
    "channels_originate_dialplan",
    "channels_originate_formats_originator",
    "channels_originate_json_body",
    "channels_originate_with_id",
    "channels_play_basic",
    "channels_play_media_types",
    "channels_play_multiple_media",
    "channels_variables",
    "endpoints",
    "sounds",
];

/// The dialplan of the Asterisk the captures come from, as its events show it.
fn capture_dialplan() -> Dialplan {
    Dialplan::new()
        .extension("test", "wait", vec![Step::answer(), Step::wait(60.0)])
        .extension(
            "test",
            "setvar",
            vec![
                Step::answer(),
                Step::set("MYVAR", "myvalue"),
                Step::set("CALLERID(name)", "Changed Name"),
                Step::set("CALLERID(num)", "5551234"),
                Step::wait(60.0),
            ],
        )
        .extension(
            "test",
            "dtmf",
            vec![
                Step::answer(),
                Step::wait(1.5),
                Step::send_dtmf("123#*ABCD0", 250, 200),
                Step::wait(60.0),
            ],
        )
        .extension("test", "noanswer", vec![Step::ringing(), Step::wait(60.0)])
        .extension("test", "busy", vec![Step::busy(5)])
        .extension(
            "stasis",
            "1001",
            vec![Step::answer(), Step::stasis(APP, &["arg1", "arg2"])],
        )
        .extension(
            "stasis2",
            "1002",
            vec![
                Step::noop("unanswered into stasis"),
                Step::stasis(APP, &["unanswered"]),
            ],
        )
        .extension(
            "cont",
            "200",
            vec![
                Step::noop("entry"),
                Step::noop("at label").label("mylabel"),
                Step::wait(2.0),
                Step::hangup(),
            ],
        )
}

#[test]
fn every_capture_has_a_test() {
    let dir = captures::captures_dir();
    let found: BTreeSet<String> = captures::load_dir(&dir)
        .unwrap_or_else(|err| panic!("captures in {}: {err}", dir.display()))
        .into_iter()
        .map(|c| c.name)
        .collect();
    let listed: BTreeSet<String> = CAPTURES.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        found, listed,
        "captures on disk and tests listed here differ"
    );
}

/// What an event is about.
fn entity(event: &Value) -> Option<(&'static str, String)> {
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

/// Channel-less events, compared as a set.
fn global_key(event: &Value) -> Option<String> {
    let kind = event["type"].as_str()?;
    match kind {
        "DeviceStateChanged" => Some(format!(
            "{kind} {} {}",
            event["device_state"]["name"].as_str()?,
            event["device_state"]["state"].as_str()?
        )),
        _ => Some(format!(
            "{kind} {}",
            event["variable"].as_str().unwrap_or("")
        )),
    }
}

/// Events grouped per entity, entities in order of first appearance.
#[derive(Debug, Default)]
struct Grouped {
    order: Vec<(&'static str, String)>,
    events: HashMap<(&'static str, String), Vec<Value>>,
    globals: BTreeSet<String>,
}

impl Grouped {
    fn add(&mut self, event: &Value) {
        match entity(event) {
            Some(key) => {
                if !self.events.contains_key(&key) {
                    self.order.push(key.clone());
                }
                self.events.entry(key).or_default().push(event.clone());
            }
            None => {
                if let Some(key) = global_key(event) {
                    self.globals.insert(key);
                }
            }
        }
    }
    fn of(events: &[Value]) -> Grouped {
        let mut grouped = Grouped::default();
        for event in events {
            grouped.add(event);
        }
        grouped
    }
    fn entities_of(&self, kind: &str) -> Vec<String> {
        self.order
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| id.clone())
            .collect()
    }
    fn count(&self, kind: &'static str, id: &str) -> usize {
        self.events.get(&(kind, id.to_string())).map_or(0, Vec::len)
    }
}

/// Maps captured ids to the fake's: same-named ids map to themselves,
/// others pair up by order of first appearance, or through REST responses.
fn id_mapping(
    captured: &Grouped,
    fake: &Grouped,
    extra: &[(String, String)],
) -> Vec<(String, String)> {
    let mut map: Vec<(String, String)> = extra.to_vec();
    for kind in ["channel", "playback", "recording"] {
        let fake_ids = fake.entities_of(kind);
        for (i, id) in captured.entities_of(kind).iter().enumerate() {
            if map.iter().any(|(c, _)| c == id) {
                continue;
            }
            if let Some(f) = fake_ids.get(i) {
                map.push((id.clone(), f.clone()));
            }
        }
    }
    map
}

fn lookup<'a>(map: &'a [(String, String)], id: &str) -> Option<&'a str> {
    map.iter().find(|(c, _)| c == id).map(|(_, f)| f.as_str())
}

/// Event types a request may itself cause (and which the capture may list
/// before the request's response).
fn caused_by(exchange: &Exchange) -> Option<&'static [&'static str]> {
    let path = exchange.path.trim_start_matches("/ari/");
    let segs: Vec<&str> = path.split('/').collect();
    let m = exchange.method.as_str();
    const ALL: &[&str] = &["*"];
    match (m, segs.as_slice()) {
        ("GET", _) => None,
        ("POST", ["channels"]) | ("POST", ["channels", _]) => Some(ALL),
        ("DELETE", ["channels", _]) => Some(&[
            "ChannelHangupRequest",
            "StasisEnd",
            "ChannelVarset",
            "ChannelDestroyed",
            "PlaybackFinished",
            "RecordingFinished",
            "ChannelLeftBridge",
            "ChannelCallerId",
        ]),
        (_, ["channels", _, "play", ..]) => {
            Some(&["PlaybackStarted", "PlaybackContinuing", "PlaybackFinished"])
        }
        (_, ["channels", _, "variable" | "variables"]) => {
            Some(&["ChannelVarset", "ChannelCallerId", "ChannelConnectedLine"])
        }
        (_, ["channels", _, "dial"]) => Some(&[
            "Dial",
            "ChannelStateChange",
            "ChannelVarset",
            "ChannelDialplan",
            "ChannelCallerId",
            "ChannelConnectedLine",
            "StasisStart",
        ]),
        (_, ["channels", _, _]) => Some(&[
            "ChannelStateChange",
            "Dial",
            "ChannelVarset",
            "StasisStart",
            "ChannelHold",
            "ChannelUnhold",
            "ChannelDtmfReceived",
        ]),
        ("DELETE", ["playbacks", _]) => Some(&["PlaybackFinished", "PlaybackStarted"]),
        (_, ["asterisk", "variable"]) => Some(&["ChannelVarset"]),
        _ => Some(&[]),
    }
}

struct Replay {
    capture: Capture,
    fake: FakeAsterisk,
    http: Http,
    events: Events,
    /// Ids learned from REST responses (captured, fake).
    response_ids: Vec<(String, String)>,
    failures: Vec<String>,
}

impl Replay {
    fn mapping(&self, upto: usize) -> Vec<(String, String)> {
        let captured = Grouped::of(&self.captured_events(upto, None));
        let fake = Grouped::of(&self.events.all());
        id_mapping(&captured, &fake, &self.response_ids)
    }

    /// Captured events before line `upto`; with `exempt`, those after line
    /// `from` whose type the request at `upto` may cause are left out.
    fn captured_events(&self, upto: usize, exempt: Option<(usize, &[&str])>) -> Vec<Value> {
        self.capture.entries[..upto]
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| match entry {
                Entry::Event(e) => {
                    if let Some((from, kinds)) = exempt {
                        let kind = e["type"].as_str().unwrap_or("");
                        if i >= from && (kinds.contains(&"*") || kinds.contains(&kind)) {
                            return None;
                        }
                    }
                    Some(e.clone())
                }
                Entry::Rest(_) => None,
            })
            .collect()
    }

    /// Waits until the fake sent, per entity, as many events as `expected` has.
    async fn wait_for(&self, expected: &[Value], timeout: Duration) {
        let captured = Grouped::of(expected);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let fake = Grouped::of(&self.events.all());
            let map = id_mapping(&captured, &fake, &self.response_ids);
            let done = captured.order.iter().all(|(kind, id)| {
                let need = captured.count(kind, id);
                match lookup(&map, id) {
                    Some(f) => fake.count(kind, f) >= need,
                    None => false,
                }
            });
            if done || tokio::time::Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
    }

    async fn run(mut self) -> Vec<String> {
        let mut previous_rest = 0;
        for index in 0..self.capture.entries.len() {
            let Entry::Rest(exchange) = self.capture.entries[index].clone() else {
                continue;
            };
            let exempt = caused_by(&exchange).map(|kinds| (previous_rest, kinds));
            let expected = self.captured_events(index, exempt);
            self.wait_for(&expected, Duration::from_secs(3)).await;
            self.exchange(index, &exchange).await;
            previous_rest = index + 1;
        }
        let all = self.captured_events(self.capture.entries.len(), None);
        self.wait_for(&all, Duration::from_secs(5)).await;
        // Let stray extra events arrive, so they are caught.
        tokio::time::sleep(Duration::from_millis(150)).await;
        self.compare_events();
        self.fake.shutdown().await;
        self.failures
    }

    async fn exchange(&mut self, index: usize, exchange: &Exchange) {
        let map = self.mapping(index);
        let norm = Normalizer {
            ids: map.clone(),
            lenient_arrays: exchange.path.starts_with("/ari/sounds")
                || exchange.path.starts_with("/ari/asterisk/logging")
                || exchange.path.starts_with("/ari/asterisk/modules"),
        };
        let rewrite = |s: &str| norm.map_ids(s);
        let mut target = rewrite(&exchange.path);
        if !exchange.query.is_empty() {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(exchange.query.iter().map(|(k, v)| (k.clone(), rewrite(v))))
                .finish();
            target = format!("{target}?{query}");
        }
        let body = exchange
            .body
            .as_ref()
            .map(|b| b.map_strings(&rewrite).to_json_string());
        let response = self
            .http
            .request(&exchange.method, &target, body.as_deref())
            .await;
        let what = format!("line {} {} {}", index + 1, exchange.method, exchange.path);
        let actual = response.json();
        if let (Some(c), Some(f)) = (exchange.response["id"].as_str(), actual["id"].as_str()) {
            if !self.response_ids.iter().any(|(known, _)| known == c) {
                self.response_ids.push((c.to_string(), f.to_string()));
            }
        }
        if response.status != exchange.status || response.reason != exchange.reason {
            self.failures.push(format!(
                "{what}: {} {} {}, expected {} {} {}",
                response.status,
                response.reason,
                actual,
                exchange.status,
                exchange.reason,
                exchange.response
            ));
            return;
        }
        let norm = Normalizer {
            ids: self
                .mapping(index)
                .into_iter()
                .chain(self.response_ids.clone())
                .collect(),
            lenient_arrays: norm.lenient_arrays,
        };
        for diff in compare::compare(&exchange.response, &actual, &norm) {
            self.failures.push(format!("{what}: body {diff}"));
        }
        let captured_type = exchange.headers.iter().any(|(k, _)| k == "content-type");
        if captured_type != response.header("content-type").is_some() {
            self.failures
                .push(format!("{what}: content-type presence differs"));
        }
        let captured_location = exchange
            .headers
            .iter()
            .find(|(k, _)| k == "location")
            .map(|(_, v)| v.clone());
        match (captured_location, response.header("location")) {
            (None, None) => {}
            (Some(expected), Some(actual)) if norm.map_ids(&expected) == actual => {}
            (expected, actual) => self.failures.push(format!(
                "{what}: location {actual:?}, expected {expected:?}"
            )),
        }
        if response.header("server") != Some("Asterisk/20.20.1") {
            self.failures.push(format!(
                "{what}: server header {:?}",
                response.header("server")
            ));
        }
    }

    fn compare_events(&mut self) {
        let captured_events = self.captured_events(self.capture.entries.len(), None);
        let captured = Grouped::of(&captured_events);
        let fake_events = self.events.all();
        for event in &fake_events {
            let ok = event["asterisk_id"].as_str() == Some(self.fake.asterisk_id())
                && event["application"] == APP
                && event["timestamp"]
                    .as_str()
                    .is_some_and(is_asterisk_timestamp);
            if !ok {
                self.failures.push(format!(
                    "frame without asterisk_id/application/timestamp: {event}"
                ));
            }
        }
        let fake = Grouped::of(&fake_events);
        let map = id_mapping(&captured, &fake, &self.response_ids);
        for kind in ["channel", "playback", "recording"] {
            let (c, f) = (
                captured.entities_of(kind).len(),
                fake.entities_of(kind).len(),
            );
            if c != f {
                self.failures.push(format!(
                    "{c} {kind}s in the capture, {f} from the fake: {:?} vs {:?}",
                    captured.entities_of(kind),
                    fake.entities_of(kind)
                ));
            }
        }
        for key in &captured.order {
            let (kind, id) = key;
            let expected = &captured.events[key];
            let Some(fake_id) = lookup(&map, id) else {
                self.failures
                    .push(format!("{kind} {id}: no counterpart from the fake"));
                continue;
            };
            let actual = fake
                .events
                .get(&(*kind, fake_id.to_string()))
                .cloned()
                .unwrap_or_default();
            let types = |events: &[Value]| -> Vec<String> {
                events
                    .iter()
                    .map(|e| e["type"].as_str().unwrap_or("").to_string())
                    .collect()
            };
            let (mut e_types, mut a_types) = (types(expected), types(&actual));
            if UNORDERED_CHANNELS.contains(&(self.capture.name.as_str(), id.as_str())) {
                e_types.sort();
                a_types.sort();
            } else {
                for (e, a) in expected.iter().zip(&actual) {
                    for diff in compare::compare_shape(e, a) {
                        self.failures
                            .push(format!("{kind} {id} {}: {diff}", e["type"]));
                    }
                }
            }
            if e_types != a_types {
                self.failures.push(format!(
                    "{kind} {id}: events\n    fake:    {a_types:?}\n    capture: {e_types:?}"
                ));
            }
        }
        if captured.globals != fake.globals {
            self.failures.push(format!(
                "channel-less events: fake {:?}, capture {:?}",
                fake.globals, captured.globals
            ));
        }
    }
}

/// Captures replayed in real time. In them a channel is hung up while
/// `Answer()` still holds it (Asterisk keeps a channel in `Answer()` for
/// 500 ms): at a faster simulated time, a replay slowed down by a busy
/// machine sees the channel move on to the next step first, with one more
/// `ChannelDialplan` than Asterisk sent.
const REAL_TIME: &[&str] = &[
    "channels_variables",
    "channels_originate_formats_originator",
];

async fn replay(name: &str) {
    let path = captures::captures_dir().join(format!("{name}.jsonl"));
    let capture = captures::load_file(&path).unwrap_or_else(|err| panic!("{err}"));
    let time_scale = if REAL_TIME.contains(&name) { 1.0 } else { 0.2 };
    let fake = FakeAsterisk::builder()
        .username("capture")
        .password("secret")
        .time_scale(time_scale)
        .dialplan(capture_dialplan())
        .build()
        .start()
        .await
        .expect("fake starts");
    let http = Http::new(&fake);
    let events = Events::connect(&fake, APP, true).await;
    let failures = Replay {
        capture,
        fake,
        http,
        events,
        response_ids: Vec::new(),
        failures: Vec::new(),
    }
    .run()
    .await;
    assert!(failures.is_empty(), "{name}:\n  {}", failures.join("\n  "));
}

macro_rules! capture_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                tokio::time::timeout(Duration::from_secs(60), replay(stringify!($name)))
                    .await
                    .expect("replay finishes in time");
            }
        )*
        #[test]
        fn capture_list_matches_tests() {
            let tests: Vec<&str> = vec![$(stringify!($name)),*];
            assert_eq!(tests, CAPTURES);
        }
    };
}

capture_tests!(
    applications,
    asterisk_config_dynamic,
    asterisk_global_variables,
    asterisk_info_ping,
    asterisk_logging,
    channels_answer_ring_progress,
    channels_callerid_dialplan_vars,
    channels_create_dial,
    channels_dtmf_receive,
    channels_originate_app,
    channels_originate_auto_ids,
    channels_originate_dialplan,
    channels_originate_formats_originator,
    channels_originate_json_body,
    channels_originate_with_id,
    channels_play_basic,
    channels_play_media_types,
    channels_play_multiple_media,
    channels_variables,
    endpoints,
    sounds,
);
