//! Replays every capture of real Asterisk 20 traffic against the fake and
//! checks that the fake answers and reports the same.
//!
//! Values are compared, not just shapes ([`compare`], [`events`]). Only
//! what Asterisk makes up is normalised: ids it generated (uniqueids,
//! UUIDs) are paired with the fake's, timestamps need only Asterisk's
//! format, Local channel numbers (`-0000001f;1`) are ignored, and build or
//! host strings and log file directories are skipped. Ids the client
//! chose (`channelId`, `otherChannelId`, `playbackId`, ...) and ids
//! Asterisk derives from them (`cap-create-4;2`) are sent as captured and
//! must come back exactly; the id map never learns them.
//!
//! - Each REST exchange: same status, reason phrase, content type,
//!   `Location`, server header, and body (same keys and values; arrays as
//!   multisets, since Asterisk lists containers in hash order).
//! - `GET /sounds`: the fake models a subset of the sounds the captured
//!   Asterisk had, so listings compare on that subset (the ids of the
//!   fake's own unfiltered listing): every listed sound honours `lang` and
//!   `format`, the ids listed are exactly the captured ones the fake has
//!   (so it has none Asterisk lacked), each with the captured formats.
//!   Other listings (`/asterisk/logging`) compare element by element.
//! - Events: per channel, playback and recording the same events in the
//!   same order with the same values (DTMF digits, variables, caller ids,
//!   states, media and target URIs, causes, ...); no entity the capture
//!   lacks; the channel-less events (`DeviceStateChanged`, global
//!   `ChannelVarset`) in the same order with the same values. The
//!   interleaving of different entities is not compared: Asterisk
//!   publishes them from different threads.
//! - Event order against REST replies: before each request the replay
//!   waits until the fake has sent everything the capture had received by
//!   then, except the run of events that ends that stretch of the capture
//!   and that the request itself may cause (a capture records a response
//!   after the events it triggered). If they do not all arrive in time
//!   the replay fails naming the missing events and stops. That the fake
//!   sends nothing early is not asserted: simulated time runs faster than
//!   the capture's, so a timer may fire before a request it followed.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use ari_sdk_tests::captures::compare::{self, is_asterisk_timestamp};
use ari_sdk_tests::captures::events::{self, Grouped, IdMap};
use ari_sdk_tests::captures::{self, Capture, Entry, Exchange};
use fake_asterisk::{Dialplan, FakeAsterisk, Step};
use serde_json::Value;
use support::{Events, Http};

/// The app the captures were recorded with.
const APP: &str = "capture-app";

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

/// Event types a request may itself cause (and which the capture may list
/// before the request's response); `"Type state"` names a playback event
/// in one final state.
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
            // A hangup cuts a playback short: it ends `failed` (`cap-dup` in
            // channels_play_media_types); one that ended `done` had played
            // out before the request.
            "PlaybackFinished failed",
            "RecordingFinished",
            "ChannelLeftBridge",
            "ChannelCallerId",
            "DeviceStateChanged",
        ]),
        (_, ["channels", _, "play", ..]) => {
            Some(&["PlaybackStarted", "PlaybackContinuing", "PlaybackFinished"])
        }
        (_, ["channels", _, "variable" | "variables"]) => {
            Some(&["ChannelVarset", "ChannelCallerId", "ChannelConnectedLine"])
        }
        (_, ["channels", _, "dial"]) => Some(&[
            "Dial",
            "DeviceStateChanged",
            "ChannelStateChange",
            "ChannelVarset",
            "ChannelDialplan",
            "ChannelCallerId",
            "ChannelConnectedLine",
            "StasisStart",
        ]),
        (_, ["channels", _, _]) => Some(&[
            "ChannelStateChange",
            "DeviceStateChanged",
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

/// How long the fake may take to send what the capture had received
/// before the next request (simulated time runs at most at real speed).
const EVENT_WAIT: Duration = Duration::from_secs(5);

struct Replay {
    capture: Capture,
    fake: FakeAsterisk,
    http: Http,
    events: Events,
    ids: IdMap,
    /// The ids of the fake's sounds (its unfiltered `GET /sounds`), once asked.
    library: Option<BTreeSet<String>>,
    failures: Vec<String>,
}

impl Replay {
    /// Captured events before line `upto`; with `exempt`, the request at
    /// `upto` may have caused the events after line `from` of the given
    /// types. Those it caused came after everything it did not (it was
    /// sent after the capture had received them), so only the run of such
    /// events that ends the capture before `upto` is left out.
    fn captured_events(&self, upto: usize, exempt: Option<(usize, &[&str])>) -> Vec<Value> {
        let mut events: Vec<(usize, Value)> = self.capture.entries[..upto]
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| match entry {
                Entry::Event(e) => Some((i, e.clone())),
                Entry::Rest(_) => None,
            })
            .collect();
        if let Some((from, kinds)) = exempt {
            let caused = |e: &Value| {
                let kind = e["type"].as_str().unwrap_or("");
                let with_state = match e["playback"]["state"].as_str() {
                    Some(state) => format!("{kind} {state}"),
                    None => kind.to_string(),
                };
                kinds.contains(&"*")
                    || kinds.contains(&kind)
                    || kinds.contains(&with_state.as_str())
            };
            while events.last().is_some_and(|(i, e)| *i >= from && caused(e)) {
                events.pop();
            }
        }
        events.into_iter().map(|(_, e)| e).collect()
    }

    /// Waits until the fake sent, per entity and channel-less, as many
    /// events as `expected` has; on timeout, what is still missing.
    async fn wait_for(&mut self, expected: &[Value]) -> Result<(), Vec<String>> {
        let captured = Grouped::of(expected);
        let deadline = tokio::time::Instant::now() + EVENT_WAIT;
        loop {
            let fake = Grouped::of(&self.events.all());
            self.ids.learn_from_events(&captured, &fake);
            let missing = events::missing(&captured, &fake, &self.ids);
            if missing.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(missing);
            }
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
    }

    async fn run(mut self) -> Vec<String> {
        let mut previous_rest = 0;
        let mut stopped = false;
        for index in 0..self.capture.entries.len() {
            let Entry::Rest(exchange) = self.capture.entries[index].clone() else {
                continue;
            };
            let exempt = caused_by(&exchange).map(|kinds| (previous_rest, kinds));
            let expected = self.captured_events(index, exempt);
            if let Err(missing) = self.wait_for(&expected).await {
                // Sending the request anyway would compare the rest of the
                // capture against a different order of events.
                self.failures.push(format!(
                    "before line {} {} {}, the fake had not sent within {EVENT_WAIT:?} what the capture had received by then:\n    {}",
                    index + 1,
                    exchange.method,
                    exchange.path,
                    missing.join("\n    ")
                ));
                stopped = true;
                break;
            }
            self.exchange(index, &exchange).await;
            previous_rest = index + 1;
        }
        if !stopped {
            let all = self.captured_events(self.capture.entries.len(), None);
            if let Err(missing) = self.wait_for(&all).await {
                self.failures.push(format!(
                    "at the end, the fake had not sent within {EVENT_WAIT:?}:\n    {}",
                    missing.join("\n    ")
                ));
            }
            // Let stray extra events arrive, so they are caught.
            tokio::time::sleep(Duration::from_millis(150)).await;
            self.compare_events();
        }
        self.fake.shutdown().await;
        self.failures
    }

    /// The ids of the fake's sounds: what it lists unfiltered.
    async fn library(&mut self) -> BTreeSet<String> {
        if let Some(library) = &self.library {
            return library.clone();
        }
        let listing = self.http.get("/ari/sounds").await.json();
        let library: BTreeSet<String> = listing
            .as_array()
            .map(|sounds| {
                sounds
                    .iter()
                    .filter_map(|s| s["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        self.library = Some(library.clone());
        library
    }

    async fn exchange(&mut self, index: usize, exchange: &Exchange) {
        // Only ids Asterisk generated are rewritten: the request carries the
        // ids the client chose exactly as captured.
        let norm = self.ids.normalizer();
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
            self.ids.learn(c, f);
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
        let norm = self.ids.normalizer();
        let diffs = if exchange.method == "GET" && exchange.path == "/ari/sounds" {
            let query = |name: &str| {
                exchange
                    .query
                    .iter()
                    .find(|(k, v)| k == name && !v.is_empty())
                    .map(|(_, v)| v.as_str())
            };
            let library = self.library().await;
            compare::compare_sound_listing(
                &exchange.response,
                &actual,
                &library,
                query("lang"),
                query("format"),
            )
        } else {
            compare::compare(&exchange.response, &actual, &norm)
        };
        for diff in diffs {
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
        let captured = self.captured_events(self.capture.entries.len(), None);
        let fake = self.events.all();
        for event in &fake {
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
        self.failures
            .extend(events::compare_events(&captured, &fake, &mut self.ids));
    }
}

/// Captures replayed with simulated time four times slower than real. In
/// them a channel is hung up while `Answer()` still holds it (Asterisk keeps
/// a channel in `Answer()` for 500 ms): a replay slowed down by a busy
/// machine (eight at once on two cores, or a CI run) could otherwise see the
/// channel move on to the next step first, with one more `ChannelDialplan`
/// than Asterisk sent. Nothing else in them depends on time.
const SLOW_TIME: &[&str] = &[
    "channels_variables",
    "channels_originate_formats_originator",
    "channels_create_dial",
];

async fn replay(name: &str) {
    let path = captures::captures_dir().join(format!("{name}.jsonl"));
    let capture = captures::load_file(&path).unwrap_or_else(|err| panic!("{err}"));
    let time_scale = if SLOW_TIME.contains(&name) { 4.0 } else { 0.2 };
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
        ids: IdMap::for_capture(&capture.entries),
        capture,
        fake,
        http,
        events,
        library: None,
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
