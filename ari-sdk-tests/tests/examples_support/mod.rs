//! What the examples' tests share: the fake with the example's dialplan, the
//! example's application running on an SDK client, waiting with a deadline,
//! and reading what the fake delivered.

#![allow(dead_code)]

pub mod real_asterisk;

use std::future::Future;
use std::time::Duration;

use ari_sdk::stream::EventStream;
use ari_sdk::v22::{Ari, Event, StasisApp};
use ari_sdk::Config;
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};
use serde_json::Value;
use tokio::task::JoinHandle;

/// How long any one wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(5);

/// Starts the example's fake, with time running 50 times faster than real.
pub async fn start_fake(builder: FakeAsteriskBuilder) -> FakeAsterisk {
    builder
        .time_scale(0.02)
        .build()
        .start()
        .await
        .expect("the fake starts")
}

/// The application under test, running against the fake.
pub struct Running<T> {
    pub ari: Ari,
    stream: EventStream<Event>,
    task: JoinHandle<T>,
}

/// Where an example's application connects: the fake, or a real Asterisk
/// ([`real_asterisk::RealAsterisk`]).
pub trait Server {
    /// ARI's base URL (`http://host:port/ari`).
    fn url(&self) -> String;
    /// ARI user name.
    fn username(&self) -> String;
    /// ARI password.
    fn password(&self) -> String;
}

impl<S: Server> Server for &S {
    fn url(&self) -> String {
        (**self).url()
    }
    fn username(&self) -> String {
        (**self).username()
    }
    fn password(&self) -> String {
        (**self).password()
    }
}

impl Server for FakeAsterisk {
    fn url(&self) -> String {
        FakeAsterisk::url(self)
    }
    fn username(&self) -> String {
        FakeAsterisk::username(self).to_string()
    }
    fn password(&self) -> String {
        FakeAsterisk::password(self).to_string()
    }
}

/// An SDK client for `app` on `server`.
async fn client(server: &impl Server, app: &str) -> Ari {
    let config = Config::builder()
        .url(server.url())
        .username(server.username())
        .password(server.password())
        .application(app)
        .build()
        .expect("config");
    Ari::connect(config)
        .await
        .expect("Ari::connect (version check included)")
}

/// Connects to `server` as `app` with the handles' entry point and, once
/// the application is registered, runs `run(stasis_app)` in a task.
pub async fn spawn_stasis_app<F, T>(
    server: &impl Server,
    app: &str,
    run: impl FnOnce(StasisApp) -> F,
) -> Running<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let ari = client(server, app).await;
    let stasis = ari.stasis_app().expect("stasis app");
    let stream = stasis.event_stream().clone();
    tokio::time::timeout(WAIT, stasis.registered())
        .await
        .expect("the event stream connects")
        .expect("the application is registered");
    let task = tokio::spawn(run(stasis));
    Running { ari, stream, task }
}

impl<T> Running<T> {
    /// Ends the app (its event stream closes) and returns what it returned.
    pub async fn stop(self) -> T {
        self.stream.close();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the app stops once its events end")
            .expect("the app does not panic")
    }

    /// Waits for the app to return by itself.
    pub async fn finish(self, within: Duration) -> T {
        tokio::time::timeout(within, self.task)
            .await
            .expect("the app returns")
            .expect("the app does not panic")
    }
}

/// Polls `done` until it holds; panics with `what` after [`WAIT`].
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The types of the events the fake delivered about a channel, in order.
pub fn channel_event_types(fake: &FakeAsterisk, channel_id: &str) -> Vec<String> {
    fake.delivered_events()
        .iter()
        .filter(|e| concerns_channel(&e.event, channel_id))
        .map(|e| e.event["type"].as_str().unwrap_or("").to_string())
        .collect()
}

pub fn concerns_channel(event: &Value, channel_id: &str) -> bool {
    event["channel"]["id"] == channel_id
        || event["playback"]["target_uri"] == format!("channel:{channel_id}")
        || event["recording"]["target_uri"] == format!("channel:{channel_id}")
        || event["peer"]["id"] == channel_id
}

/// What the fake delivered about a hello-world call: answered by the
/// application after its `StasisStart` (the dialplan does not answer),
/// then the greeting played to its end, then the hangup, and `StasisEnd`
/// last; the phone heard exactly the greeting.
pub fn assert_greeted(fake: &FakeAsterisk, call: &fake_asterisk::Call) {
    assert_eq!(call.heard(), ["sound:hello-world"]);
    let types = channel_event_types(fake, call.channel_id());
    let answered = types
        .iter()
        .position(|t| t == "ChannelStateChange")
        .expect("answered");
    let started = position(&types, "PlaybackStarted");
    let finished = position(&types, "PlaybackFinished");
    let hangup = position(&types, "ChannelHangupRequest");
    assert!(position(&types, "StasisStart") < answered, "{types:?}");
    assert!(
        answered < started && started < finished && finished < hangup,
        "{types:?}"
    );
    assert_eq!(types.last().map(String::as_str), Some("StasisEnd"));
}

/// The position of the first `kind` in `types`, panicking when absent.
pub fn position(types: &[String], kind: &str) -> usize {
    types
        .iter()
        .position(|t| t == kind)
        .unwrap_or_else(|| panic!("no {kind} in {types:?}"))
}

/// Drops the application's websocket, runs `meanwhile` while it cannot
/// reconnect (events of that time are lost, as with a restarting Asterisk
/// or a broken network), then lets it back in.
pub async fn while_disconnected(fake: &FakeAsterisk, meanwhile: impl FnOnce()) {
    fake.stop_accepting();
    fake.drop_websockets();
    eventually("the websocket is gone", || fake.websocket_count() == 0).await;
    meanwhile();
    fake.start_accepting().await.expect("accepting again");
    eventually("the application is back", || fake.websocket_count() == 1).await;
}
