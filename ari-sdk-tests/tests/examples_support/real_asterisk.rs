//! The examples against a real Asterisk.
//!
//! Each examples test file has a `real_asterisk` test beside its tests on the
//! fake. It runs when `ARI_TEST_URL` (with `ARI_TEST_USERNAME` and
//! `ARI_TEST_PASSWORD`) names a real Asterisk at build time; otherwise
//! `cargo test` lists it as ignored with the reason ([`SKIPPED`]).
//!
//! What the server needs (the kit in `../shared/real-asterisk` sets up all of
//! it): the example extensions of the README's table in the context
//! `ARI_TEST_CONTEXT` (default `apps`), each running `Stasis` of its
//! application; and a context `ARI_TEST_CALLER_CONTEXT` (default `caller`)
//! whose extensions play the caller. A test places a call as ARI's
//! `originate` of `Local/<extension>@<context>` whose other leg runs a caller
//! extension: the `;2` leg enters the example's application, the `;1` leg is
//! the phone. The caller extensions a test names:
//!
//! | extension | what the caller does once answered |
//! |---|---|
//! | `wait20`, `wait60` | waits 20 or 60 s, then hangs up |
//! | `hangup05` | hangs up after half a second |
//! | `talk` | speaks (plays two sounds), then hangs up |
//! | `talkhash` | waits ~8 s, speaks, presses `#`, waits, hangs up |
//! | `listen7` | waits ~4 s, presses `7`, ~6 s later `#`, then hangs up |
//! | `conf` | after ~3 s presses `1`, ~3 s later `1` again, hangs up after ~6 s |
//! | `remind` | after ~5 s keys `1#`, speaks, presses `#`, hangs up |
//!
//! What the tests see of a call comes from an observer: a second ARI
//! application that subscribes to everything (`subscribeAll`), so the
//! channel, playback, recording and bridge events of every example reach it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ari_sdk::stream::{ConnectionState, EventStream, StreamItem};
use ari_sdk::v22::{Ari, Event};
use ari_sdk::Config;
use futures::StreamExt;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::Server;

/// Why a real-Asterisk test did not run.
pub const SKIPPED: &str =
    "needs a real Asterisk: set ARI_TEST_URL, ARI_TEST_USERNAME, ARI_TEST_PASSWORD at build time";

/// How long one step of a call on a real Asterisk may take (sounds play in
/// real time).
pub const REAL_WAIT: Duration = Duration::from_secs(40);

/// A real Asterisk named by the environment.
#[derive(Debug, Clone)]
pub struct RealAsterisk {
    url: String,
    username: String,
    password: String,
    apps_context: String,
    caller_context: String,
}

impl Server for RealAsterisk {
    fn url(&self) -> String {
        self.url.clone()
    }
    fn username(&self) -> String {
        self.username.clone()
    }
    fn password(&self) -> String {
        self.password.clone()
    }
}

/// What every real-Asterisk test starts with: the server, the observer, and
/// a client of the test's own for placing and ending calls.
pub struct RealTest {
    /// The server.
    pub asterisk: RealAsterisk,
    /// Every event of the server from the start of the test.
    pub observer: Observer,
    /// The test's own client.
    pub control: Ari,
}

impl RealTest {
    /// Connects the observer and the control client to `ARI_TEST_URL`.
    pub async fn start() -> RealTest {
        let asterisk = RealAsterisk::from_env();
        let observer = asterisk.observe().await;
        let control = asterisk.control().await;
        RealTest {
            asterisk,
            observer,
            control,
        }
    }

    /// Calls `extension` ([`RealAsterisk::call`]) with the control client.
    pub async fn call(&self, extension: &str, caller: &str, caller_id: Option<&str>) -> LocalCall {
        self.asterisk
            .call(&self.control, extension, caller, caller_id)
            .await
    }

    /// Hangs up the phone leg of `call`, as the caller hanging up.
    pub async fn hang_up(&self, call: &LocalCall) {
        self.control
            .channels()
            .hangup(&call.phone)
            .await
            .unwrap_or_else(|error| panic!("hanging up {}: {error}", call.phone));
    }

    /// Ends the test: the observer unregisters.
    pub async fn close(self) {
        self.observer.close().await;
    }
}

/// A call placed into an example: two Local channel legs whose ids the test
/// chose.
#[derive(Debug, Clone)]
pub struct LocalCall {
    /// The `;1` leg: the phone, running the caller extension.
    pub phone: String,
    /// The `;2` leg: the one that enters the example's application.
    pub app_side: String,
}

impl RealAsterisk {
    /// The Asterisk of `ARI_TEST_URL`; panics with [`SKIPPED`] when unset
    /// (a test run with `--ignored` on a build without it).
    pub fn from_env() -> RealAsterisk {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let Some(url) = var("ARI_TEST_URL") else {
            panic!("{SKIPPED}");
        };
        RealAsterisk {
            url,
            username: var("ARI_TEST_USERNAME").unwrap_or_else(|| "asterisk".into()),
            password: var("ARI_TEST_PASSWORD").unwrap_or_default(),
            apps_context: var("ARI_TEST_CONTEXT").unwrap_or_else(|| "apps".into()),
            caller_context: var("ARI_TEST_CALLER_CONTEXT").unwrap_or_else(|| "caller".into()),
        }
    }

    fn config(&self, app: &str) -> ari_sdk::ConfigBuilder {
        Config::builder()
            .url(self.url.clone())
            .username(self.username.clone())
            .password(self.password.clone())
            .application(app)
    }

    /// An ARI client for the test itself (placing calls, looking at state),
    /// with no event stream.
    pub async fn control(&self) -> Ari {
        let config = self.config("ari-sdk-test-control").build().expect("config");
        Ari::connect(config)
            .await
            .expect("the real Asterisk answers")
    }

    /// Starts the observer: every event of the server from now on.
    pub async fn observe(&self) -> Observer {
        let app = format!("ari-sdk-test-observer-{}", std::process::id());
        let config = self
            .config(&app)
            .subscribe_all(true)
            .build()
            .expect("config");
        let ari = Ari::connect(config)
            .await
            .expect("the real Asterisk answers");
        let stream = ari.event_stream().expect("event stream");
        let mut items = stream.subscribe();
        let mut state = stream.state_changes();
        tokio::time::timeout(
            REAL_WAIT,
            state.wait_for(|s| matches!(s, ConnectionState::Connected | ConnectionState::Closed)),
        )
        .await
        .expect("the observer connects")
        .expect("the observer's stream");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let task = tokio::spawn(async move {
            while let Some(item) = items.next().await {
                if let StreamItem::Event(event) = item {
                    let value = serde_json::to_value(&*event).unwrap_or(Value::Null);
                    sink.lock().expect("events").push(value);
                }
            }
        });
        Observer {
            _ari: ari,
            stream,
            events,
            task,
        }
    }

    /// Calls `extension` of the examples' context; the phone leg runs
    /// `caller` of the caller context, with `caller_id` ("name <number>")
    /// when given.
    pub async fn call(
        &self,
        control: &Ari,
        extension: &str,
        caller: &str,
        caller_id: Option<&str>,
    ) -> LocalCall {
        let tag = uuid::Uuid::new_v4();
        let call = LocalCall {
            phone: format!("test-phone-{tag}"),
            app_side: format!("test-app-{tag}"),
        };
        let mut originate = control
            .channels()
            .originate(format!("Local/{extension}@{}", self.apps_context))
            .context(self.caller_context.clone())
            .extension(caller)
            .priority(1)
            .channel_id(call.phone.clone())
            .other_channel_id(call.app_side.clone());
        if let Some(caller_id) = caller_id {
            originate = originate.caller_id(caller_id);
        }
        originate.await.expect("the call is placed");
        call
    }
}

/// Everything the server sent the observer, as JSON.
pub struct Observer {
    _ari: Ari,
    stream: EventStream<Event>,
    events: Arc<Mutex<Vec<Value>>>,
    task: JoinHandle<()>,
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.stream.close();
        self.task.abort();
    }
}

impl Observer {
    /// Unregisters the observer with a close frame (Asterisk logs a read
    /// error for a websocket that just goes away).
    pub async fn close(self) {
        self.stream.close();
        let _ = tokio::time::timeout(REAL_WAIT, self.stream.closed()).await;
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<Value> {
        self.events.lock().expect("events").clone()
    }

    /// The events about channel `id` (its own, its playbacks' and
    /// recordings'), in order.
    pub fn channel_events(&self, id: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| super::concerns_channel(e, id))
            .collect()
    }

    /// The types of [`Observer::channel_events`].
    pub fn channel_event_types(&self, id: &str) -> Vec<String> {
        self.channel_events(id)
            .iter()
            .map(|e| e["type"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// Waits until `done(self)` holds; panics with `what` and the event
    /// types after `within`.
    pub async fn wait_until(
        &self,
        what: &str,
        within: Duration,
        mut done: impl FnMut(&Observer) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if done(self) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; events: {:#?}",
                self.events()
                    .iter()
                    .map(|e| e["type"].clone())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls `done` until it holds; panics with `what` and the event types
    /// after [`REAL_WAIT`].
    pub async fn eventually(&self, what: &str, done: impl FnMut(&Observer) -> bool) {
        self.wait_until(what, REAL_WAIT, done).await;
    }

    /// Whether channel `id` is up (answered) and not yet gone.
    pub fn is_up(&self, id: &str) -> bool {
        let mut up = false;
        for event in self.channel_events(id) {
            if event["channel"]["id"] == id {
                up = event["channel"]["state"] == "Up";
            }
            if event["type"] == "ChannelDestroyed" && event["channel"]["id"] == id {
                return false;
            }
        }
        up
    }

    /// The bridge channel `id` is in now, by its enter and leave events.
    pub fn bridge_of(&self, id: &str) -> Option<String> {
        let mut bridge = None;
        for event in self.events() {
            if event["channel"]["id"] != id {
                continue;
            }
            match event["type"].as_str() {
                Some("ChannelEnteredBridge") => {
                    bridge = event["bridge"]["id"].as_str().map(str::to_string)
                }
                Some("ChannelLeftBridge") => bridge = None,
                _ => {}
            }
        }
        bridge
    }

    /// The channels in bridge `id` now, in the order they entered.
    pub fn bridge_members(&self, id: &str) -> Vec<String> {
        let mut members: Vec<String> = Vec::new();
        for event in self.events() {
            if event["bridge"]["id"] != id {
                continue;
            }
            let Some(channel) = event["channel"]["id"].as_str() else {
                continue;
            };
            match event["type"].as_str() {
                Some("ChannelEnteredBridge") => members.push(channel.to_string()),
                Some("ChannelLeftBridge") => members.retain(|m| m != channel),
                _ => {}
            }
        }
        members
    }

    /// Whether bridge `id` was destroyed.
    pub fn bridge_destroyed(&self, id: &str) -> bool {
        self.events()
            .iter()
            .any(|e| e["type"] == "BridgeDestroyed" && e["bridge"]["id"] == id)
    }

    /// Every media played on `target_uri` (`channel:<id>`, `bridge:<id>`),
    /// in order, each once: a playback of several media reports the first
    /// in `PlaybackStarted` and each in turn in `PlaybackContinuing`; and
    /// Asterisk 22.10.1 sends a `subscribeAll` application every
    /// event of a bridge's playback twice, the same playback each time (seen
    /// with a plain websocket client too).
    pub fn played_on(&self, target_uri: &str) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.events()
            .iter()
            .filter(|e| {
                matches!(
                    e["type"].as_str(),
                    Some("PlaybackStarted" | "PlaybackContinuing")
                ) && e["playback"]["target_uri"] == target_uri
            })
            .filter(|e| {
                seen.insert((
                    e["playback"]["id"].to_string(),
                    e["playback"]["media_uri"].to_string(),
                ))
            })
            .filter_map(|e| e["playback"]["media_uri"].as_str().map(str::to_string))
            .collect()
    }

    /// Waits until channel `id` is destroyed.
    pub async fn wait_destroyed(&self, id: &str, within: Duration) {
        self.wait_until(&format!("{id} to be destroyed"), within, |o| {
            o.events()
                .iter()
                .any(|e| e["type"] == "ChannelDestroyed" && e["channel"]["id"] == id)
        })
        .await;
    }
}
