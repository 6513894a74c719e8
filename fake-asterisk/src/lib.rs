//! A fake Asterisk 20: a real HTTP + websocket server on 127.0.0.1 that
//! speaks ARI with state (channels, bridges, playbacks, recordings, apps,
//! device states, mailboxes, endpoints), sends events in the order and
//! shape Asterisk does, and lets tests drive simulated phones.
//!
//! # Outbound websockets
//!
//! [`FakeAsteriskBuilder::websocket_client`] and
//! [`FakeAsteriskBuilder::outbound_websocket`] configure connections the
//! fake dials to the application, as Asterisk's `websocket_client.conf` and
//! `ari.conf` do: a persistent one at start (re-dialled whenever it drops,
//! the events of the gap kept and sent first), a per-call one when
//! `Stasis()` names an application that only a `per_call_config`
//! connection serves (application id `<app>:<channel name>`), and the media
//! connection of an `externalMedia` channel with `connection_type=client`.
//! Each answers `RESTRequest` messages as `/ari/events` does.
//!
//! # Other majors and the api-docs
//!
//! [`FakeAsteriskBuilder::major`] makes it answer as any major from 13 to
//! 23, driven by that major's api-docs, read at start from the spec folder
//! ([`FakeAsteriskBuilder::spec_dir`], else `$ARI_SPEC_DIR`, else
//! `../shared/ari-spec` beside the workspace; Asterisk's GPL files are
//! never bundled): the routes that major publishes and no others (`404
//! Resource not found`, as there), the parameters its generated handlers
//! read (an undeclared one is ignored; only `allowMultiple` ones are split
//! on commas, `400 Too many values for ...` from 128 on), and its release
//! in `/asterisk/info`. What happens behind a route is the fake's one
//! implementation, Asterisk 20's; required parameters and allowed values
//! are checked where Asterisk's hand-written resources check them, with
//! their messages.
//!
//! Like Asterisk, the fake serves the api-docs Swagger clients (Node's
//! `ari-client`, Python's `asyncari`) read when they connect:
//! `GET /ari/api-docs/resources.json` and `/ari/api-docs/<resource>.json`,
//! authenticated as any ARI request, each file as shipped but for
//! `basePath`, which becomes `http://<Host header>/ari`. Without a major
//! they are Asterisk 20's, when the spec folder has them; otherwise the
//! answer is a 404 saying why.
//!
//! ```no_run
//! use std::time::Duration;
//! use fake_asterisk::{FakeAsterisk, Step};
//!
//! # async fn demo() -> Result<(), fake_asterisk::FakeError> {
//! let fake = FakeAsterisk::builder()
//!     .username("u")
//!     .password("p")
//!     .extension("default", "100", vec![Step::answer(), Step::stasis("demo", &[])])
//!     .build()
//!     .start()
//!     .await?;
//! println!("ARI at {}", fake.url()); // http://127.0.0.1:PORT/ari
//! // ... connect an ARI client to fake.url() with app=demo ...
//! let call = fake.phone("PJSIP/alice")?.dial("100")?;
//! call.press("42").await;
//! call.hangup();
//! fake.shutdown().await;
//! # Ok(()) }
//! ```

mod clock;
mod config;
mod dialplan;
mod emulation;
mod engine;
mod error;
mod http;
mod model;
mod ordered_json;
mod outbound;
mod phone;
mod rest;
mod sounds;
mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

pub use clock::{asterisk_timestamp, format_timestamp};
pub use config::{FakeAsteriskBuilder, FakeAsteriskConfig};
pub use dialplan::{Dialplan, Step};
pub use engine::websocket_media::MediaRecord;
pub use error::FakeError;
pub use model::AnswerMode;
pub use ordered_json::OrderedJson;
pub use outbound::{ConnectionType, OutboundWebsocket, WebsocketClient};
pub use phone::{Call, Phone};
pub use sounds::SoundFile;
pub use world::{BridgeHistory, DeliveredEvent};

use engine::bridges;
use http::server::{self as srv, ServerControl};
use model::StoredRecording;
use world::Inner;

/// A running fake Asterisk. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeAsterisk {
    inner: Arc<Inner>,
    addr: SocketAddr,
    server: Mutex<ServerControl>,
}

/// Channel features a test may want to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFeatures {
    /// `ChanState` name (`Up`, `Ring`, ...).
    pub state: String,
    /// On hold (`/hold`).
    pub held: bool,
    /// Mute direction (`in`, `out`, `both`) if muted.
    pub muted: Option<String>,
    /// Music on hold class if playing.
    pub moh: Option<String>,
    /// Silence generator on.
    pub silence: bool,
    /// The Stasis app and args the channel is in.
    pub stasis: Option<(String, Vec<String>)>,
    /// The bridge the channel is in.
    pub bridge: Option<String>,
    /// Variables set on the channel.
    pub variables: Vec<(String, String)>,
}

/// A stored recording, as the fake keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecordingInfo {
    /// Recording name.
    pub name: String,
    /// File format (`wav`, ...).
    pub format: String,
    /// Simulated length in milliseconds.
    pub duration_ms: u64,
    /// Size of the audio file.
    pub size: usize,
}

impl FakeAsterisk {
    /// Starts configuring a fake.
    pub fn builder() -> FakeAsteriskBuilder {
        FakeAsteriskBuilder::default()
    }

    pub(crate) fn new(inner: Arc<Inner>, addr: SocketAddr, server: ServerControl) -> Self {
        FakeAsterisk {
            inner,
            addr,
            server: Mutex::new(server),
        }
    }

    /// The ARI base URL, `http://127.0.0.1:PORT/ari`.
    pub fn url(&self) -> String {
        format!("http://{}/ari", self.addr)
    }

    /// The websocket URL for `apps` (credentials not included).
    pub fn events_url(&self, apps: &[&str], subscribe_all: bool) -> String {
        let mut url = format!("ws://{}/ari/events?app={}", self.addr, apps.join(","));
        if subscribe_all {
            url.push_str("&subscribeAll=true");
        }
        url
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The ARI user name.
    pub fn username(&self) -> &str {
        &self.inner.settings.username
    }

    /// The ARI password.
    pub fn password(&self) -> &str {
        &self.inner.settings.password
    }

    /// The version `/asterisk/info` reports (`20.20.1`, or the emulated
    /// major's release).
    pub fn asterisk_version(&self) -> &str {
        &self.inner.settings.version
    }

    /// The `asterisk_id` events carry.
    pub fn asterisk_id(&self) -> &str {
        &self.inner.settings.asterisk_id
    }

    /// Stops the server and drops every connection.
    pub async fn shutdown(self) {
        self.stop_outbound();
        self.drop_websockets();
        self.lock_server().stop();
        tokio::task::yield_now().await;
    }

    fn lock_server(&self) -> std::sync::MutexGuard<'_, ServerControl> {
        self.server.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ----- test controls -------------------------------------------------

    /// Drops every `/ari/events` connection at once (no close frame), as a
    /// network failure would, and every outbound ARI connection the fake
    /// dialled (which it dials again, as Asterisk does, unless
    /// [`pause_outbound_dialing`](Self::pause_outbound_dialing) holds it).
    pub fn drop_websockets(&self) {
        let w = self.inner.lock();
        for session in w.sessions.values() {
            session.kill_tx.send_replace(true);
        }
    }

    /// Makes every open websocket go silent: no frames out, pings
    /// unanswered, nothing read, until [`thaw_websockets`](Self::thaw_websockets).
    pub fn freeze_websockets(&self) {
        let w = self.inner.lock();
        for session in w.sessions.values() {
            session.frozen_tx.send_replace(true);
        }
    }

    /// Undoes [`freeze_websockets`](Self::freeze_websockets).
    pub fn thaw_websockets(&self) {
        let w = self.inner.lock();
        for session in w.sessions.values() {
            session.frozen_tx.send_replace(false);
        }
    }

    /// Stops dialling the application: outbound connections are not made
    /// (nor re-made after a drop) until
    /// [`resume_outbound_dialing`](Self::resume_outbound_dialing). Events
    /// for a persistent connection's applications wait meanwhile, as in
    /// Asterisk.
    pub fn pause_outbound_dialing(&self) {
        self.inner.lock().outbound_paused.send_replace(true);
    }

    /// Undoes [`pause_outbound_dialing`](Self::pause_outbound_dialing).
    pub fn resume_outbound_dialing(&self) {
        self.inner.lock().outbound_paused.send_replace(false);
    }

    /// How many outbound connections (ARI and media) the fake has made.
    pub fn outbound_dials(&self) -> u64 {
        self.inner.lock().outbound_dials
    }

    fn stop_outbound(&self) {
        for task in self.inner.lock().outbound_tasks.drain(..) {
            task.abort();
        }
    }

    /// How many `/ari/events` sessions are connected.
    pub fn websocket_count(&self) -> usize {
        self.inner.lock().sessions.len()
    }

    /// Closes the listening socket and every connection: new connections
    /// are refused until [`start_accepting`](Self::start_accepting).
    pub fn stop_accepting(&self) {
        self.drop_websockets();
        self.lock_server().stop();
    }

    /// Listens again on the same address.
    pub async fn start_accepting(&self) -> Result<(), FakeError> {
        if self.lock_server().is_running() {
            return Ok(());
        }
        let listener = srv::bind(self.addr)
            .await
            .map_err(|source| FakeError::Bind {
                addr: self.addr.to_string(),
                source,
            })?;
        self.lock_server().start(self.inner.clone(), listener);
        Ok(())
    }

    /// Simulates an Asterisk restart: connections drop, connections are
    /// refused for `downtime` (real time), and calls, bridges, playbacks,
    /// live recordings and applications are gone when it comes back; the
    /// persistent outbound connections are dialled anew then.
    /// Configuration, phones, stored recordings, mailboxes and device
    /// states survive, as they do on disk in Asterisk.
    pub async fn restart(&self, downtime: Duration) -> Result<(), FakeError> {
        // The outbound connections go with the process, and their sessions.
        self.stop_outbound();
        self.stop_accepting();
        {
            let mut w = self.inner.lock();
            w.sessions.retain(|_, session| !session.outbound);
            for channel in w.channels.values() {
                channel.hangup_tx.send_replace(true);
            }
            for bridge in w.bridges.values() {
                bridge.gone_tx.send_replace(true);
            }
            w.channels.clear();
            w.bridges.clear();
            w.playbacks.clear();
            w.live_recordings.clear();
            w.apps.clear();
            w.global_vars.clear();
            w.start_epoch = clock::unix_seconds();
        }
        tokio::time::sleep(downtime).await;
        self.start_accepting().await?;
        // Loading `ari.conf` again dials the persistent connections anew.
        outbound::start(&self.inner);
        Ok(())
    }

    // ----- simulated callers ----------------------------------------------

    /// A simulated phone (`PJSIP/alice`), registered on first use.
    pub fn phone(&self, endpoint: &str) -> Result<Phone, FakeError> {
        phone::register_phone(&self.inner, endpoint)
    }

    /// A call from `caller_number` straight into `Stasis(app,args)`.
    pub fn call_into_app(
        &self,
        app: &str,
        caller_number: &str,
        args: &[&str],
    ) -> Result<Call, FakeError> {
        let phone = self.phone(&format!("PJSIP/{caller_number}"))?;
        phone.call_into_app(app, args)
    }

    /// A call from the phone `PJSIP/caller` to an extension of the `default` context.
    pub fn dial(&self, exten: &str) -> Result<Call, FakeError> {
        self.phone("PJSIP/caller")?.dial(exten)
    }

    /// Adds an extension to the running dialplan.
    pub fn add_extension(&self, context: &str, exten: &str, steps: Vec<Step>) {
        self.inner
            .lock()
            .dialplan
            .add_extension(context, exten, steps);
    }

    // ----- inspection -----------------------------------------------------

    /// Media started on a channel, in order (`sound:hello-world`, ...).
    pub fn played_on_channel(&self, channel_id: &str) -> Vec<String> {
        self.played(&format!("channel:{channel_id}"))
    }

    /// Media started on a bridge, in order.
    pub fn played_on_bridge(&self, bridge_id: &str) -> Vec<String> {
        self.played(&format!("bridge:{bridge_id}"))
    }

    fn played(&self, target: &str) -> Vec<String> {
        self.inner
            .lock()
            .played
            .get(target)
            .cloned()
            .unwrap_or_default()
    }

    /// The channels in a bridge, `None` if there is no such bridge.
    pub fn bridge_channels(&self, bridge_id: &str) -> Option<Vec<String>> {
        self.inner
            .lock()
            .bridges
            .get(bridge_id)
            .map(|b| b.channels.clone())
    }

    /// Everything that happened to bridges, in order.
    pub fn bridge_history(&self) -> Vec<BridgeHistory> {
        self.inner.lock().bridge_history.clone()
    }

    /// The ids of the current channels.
    pub fn channel_ids(&self) -> Vec<String> {
        self.inner.lock().channels.keys().cloned().collect()
    }

    /// A channel's ARI JSON.
    pub fn channel(&self, channel_id: &str) -> Option<Value> {
        self.inner
            .lock()
            .channels
            .get(channel_id)
            .map(|c| c.snapshot())
    }

    /// What a channel is doing (hold, mute, MOH, Stasis, bridge, variables).
    pub fn channel_features(&self, channel_id: &str) -> Option<ChannelFeatures> {
        let w = self.inner.lock();
        let c = w.channels.get(channel_id)?;
        Some(ChannelFeatures {
            state: c.state.as_str().to_string(),
            held: c.held,
            muted: c.muted.clone(),
            moh: c.moh.clone(),
            silence: c.silence,
            stasis: c.stasis.clone(),
            bridge: c.bridge.clone(),
            variables: c.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        })
    }

    /// Stored recordings.
    pub fn stored_recordings(&self) -> Vec<StoredRecordingInfo> {
        self.inner
            .lock()
            .stored_recordings
            .values()
            .map(|r| StoredRecordingInfo {
                name: r.name.clone(),
                format: r.format.clone(),
                duration_ms: r.duration_ms,
                size: r.bytes.len(),
            })
            .collect()
    }

    /// Adds a stored recording (silence of the given length).
    pub fn add_stored_recording(&self, name: &str, format: &str, duration_ms: u64) {
        let bytes = engine::media::silent_audio(format, duration_ms);
        self.inner.lock().stored_recordings.insert(
            name.to_string(),
            StoredRecording {
                name: name.to_string(),
                format: format.to_string(),
                duration_ms,
                bytes,
            },
        );
    }

    /// A mailbox's (old, new) message counts.
    pub fn mailbox(&self, name: &str) -> Option<(u64, u64)> {
        self.inner.lock().mailboxes.get(name).copied()
    }

    /// Sets a mailbox's (old, new) message counts.
    pub fn set_mailbox(&self, name: &str, old: u64, new: u64) {
        self.inner
            .lock()
            .mailboxes
            .insert(name.to_string(), (old, new));
    }

    /// A device's state as `ast_devstate_str` names it (`NOT_INUSE`, ...).
    pub fn device_state(&self, device: &str) -> String {
        self.inner.lock().device_state(device)
    }

    /// An application's ARI JSON (its subscriptions and filters), if registered.
    pub fn application(&self, app: &str) -> Option<Value> {
        self.inner.lock().apps.get(app).map(|a| a.to_json())
    }

    /// The value of a global variable.
    pub fn global_variable(&self, name: &str) -> Option<String> {
        self.inner.lock().global_vars.get(name).cloned()
    }

    /// Every event delivered so far (most recent last).
    pub fn delivered_events(&self) -> Vec<DeliveredEvent> {
        self.inner.lock().delivered.clone()
    }

    /// Waits (real time) until an event matching `predicate` has been
    /// delivered, and returns it.
    pub async fn wait_for_event(
        &self,
        timeout: Duration,
        predicate: impl Fn(&DeliveredEvent) -> bool,
    ) -> Result<DeliveredEvent, FakeError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = self.inner.lock().delivered.iter().find(|e| predicate(e)) {
                return Ok(found.clone());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(FakeError::Timeout("an event".into()));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Destroys a bridge from the outside (as another application could).
    pub fn destroy_bridge(&self, bridge_id: &str) {
        let mut w = self.inner.lock();
        bridges::destroy_bridge(&mut w, bridge_id);
    }

    /// What the media websocket of media channel `channel_id` (an
    /// `externalMedia` with `transport=websocket`) has done: frames
    /// received, played, dropped and sent, commands. `None` for a channel
    /// that is not one.
    pub fn media_record(&self, channel_id: &str) -> Option<MediaRecord> {
        let w = self.inner.lock();
        w.media_links
            .values()
            .find(|link| link.channel_id == channel_id)
            .map(|link| link.record.clone())
    }

    /// Sends `text` as is on the media websocket of channel `channel_id`
    /// (a malformed control message, an event of a newer Asterisk).
    pub fn media_send_text(&self, channel_id: &str, text: &str) -> Result<(), FakeError> {
        let w = self.inner.lock();
        let message = engine::websocket_media::MediaCtl::Text(text.to_string());
        if engine::websocket_media::tell(&w, channel_id, message) {
            Ok(())
        } else {
            Err(FakeError::NoSuchChannel(channel_id.to_string()))
        }
    }

    /// Hangs a channel up from the network side (cause 16).
    pub fn hangup_channel(&self, channel_id: &str) -> Result<(), FakeError> {
        let mut w = self.inner.lock();
        if !w.channels.contains_key(channel_id) {
            return Err(FakeError::NoSuchChannel(channel_id.to_string()));
        }
        engine::calls::hangup(&mut w, channel_id, engine::calls::Hangup::Remote(16));
        Ok(())
    }
}

impl Drop for FakeAsterisk {
    fn drop(&mut self) {
        self.stop_outbound();
        let w = self.inner.lock();
        for session in w.sessions.values() {
            session.kill_tx.send_replace(true);
        }
    }
}
