//! The fake's state and its event bus: every object lives in one [`World`]
//! behind a mutex; whatever changes it emits events that are routed to the
//! applications subscribed to the objects involved, as Stasis does.

use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use indexmap::{IndexMap, IndexSet};
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, watch};

use super::clock::{asterisk_timestamp, unix_seconds, Clock};
use super::dialplan::Dialplan;
use super::emulation::Emulation;
use super::model::{
    App, Bridge, ChanKind, ChanState, Channel, DialplanLoc, Endpoint, LiveRecording, Party,
    Playback, StoredRecording,
};
use super::sounds::{self, SoundFile};

/// Settings fixed for the fake's lifetime.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub username: String,
    pub password: String,
    pub asterisk_id: String,
    pub version: String,
    pub realm: String,
    /// `allowed_origins` of `ari.conf`: comma-separated origins (`*` for
    /// any) whose cross-origin requests get CORS headers.
    pub allowed_origins: String,
    /// `websocket_client.conf` and `ari.conf`'s `outbound_websocket`s.
    pub outbound: crate::outbound::config::OutboundConfig,
}

/// Shared by the HTTP server, the timers and the test handles.
#[derive(Debug)]
pub(crate) struct Inner {
    pub settings: Settings,
    /// The major answered as: its routes, parameters and api-docs.
    pub emulation: Emulation,
    pub clock: Clock,
    pub world: Mutex<World>,
    pub started: SystemTime,
}

impl Inner {
    /// Locks the world. A panic elsewhere must not wedge the fake, so a
    /// poisoned lock is taken over rather than propagated.
    pub(crate) fn lock(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A frame or command for one websocket session.
#[derive(Debug)]
pub(crate) enum Outbound {
    Frame(String),
}

/// A connected `/ari/events` websocket.
#[derive(Debug)]
pub(crate) struct Session {
    pub tx: mpsc::UnboundedSender<Outbound>,
    pub apps: Vec<String>,
    /// Set to make the session stop reading and writing (keepalive tests).
    pub frozen_tx: watch::Sender<bool>,
    /// Set to drop the connection.
    pub kill_tx: watch::Sender<bool>,
    /// A session of a connection the fake dials (`outbound_websocket`),
    /// which outlives its connections.
    pub outbound: bool,
}

/// Which applications an event goes to, by what it concerns.
#[derive(Debug, Clone)]
pub(crate) enum Route {
    /// Channel events: apps subscribed to any of the channels or their endpoints.
    Channels {
        ids: Vec<String>,
        endpoints: Vec<String>,
    },
    /// Bridge events: apps subscribed to the bridge or to any channel named.
    Bridge {
        bridge: String,
        channels: Vec<String>,
    },
    /// Device state changes.
    Device(String),
    /// Endpoint state changes.
    Endpoint(String),
    /// Channel-topic events with no channel (global variables).
    AllChannels,
    /// Sent to one application only (StasisStart/End, ApplicationReplaced).
    App(String),
}

/// One event as delivered, kept for test assertions.
#[derive(Debug, Clone)]
pub struct DeliveredEvent {
    /// The application it was sent to.
    pub application: String,
    /// The frame, as sent.
    pub event: Value,
}

/// Something that happened to a bridge, for test assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeHistory {
    /// The bridge was created.
    Created {
        /// Bridge id.
        bridge: String,
    },
    /// A channel entered the bridge.
    Entered {
        /// Bridge id.
        bridge: String,
        /// Channel id.
        channel: String,
    },
    /// A channel left the bridge.
    Left {
        /// Bridge id.
        bridge: String,
        /// Channel id.
        channel: String,
    },
    /// The bridge was destroyed.
    Destroyed {
        /// Bridge id.
        bridge: String,
    },
}

/// A log channel (`/asterisk/logging`).
#[derive(Debug, Clone)]
pub(crate) struct LogChannel {
    pub channel: String,
    pub kind: String,
    pub configuration: String,
}

/// A loaded module (`/asterisk/modules`).
#[derive(Debug, Clone)]
pub(crate) struct Module {
    pub description: String,
    pub support_level: String,
    pub loaded: bool,
}

/// Everything the fake knows.
#[derive(Debug)]
pub(crate) struct World {
    pub clock: Clock,
    pub asterisk_id: String,
    pub start_epoch: u64,
    pub uniqueid_seq: u64,
    /// Asterisk's `systemname`, the prefix of the unique ids.
    pub system_name: Option<String>,
    pub local_seq: u32,
    pub tech_seq: u32,
    pub channels: IndexMap<String, Channel>,
    pub bridges: IndexMap<String, Bridge>,
    pub playbacks: Vec<Playback>,
    pub playback_seq: u64,
    pub live_recordings: IndexMap<String, LiveRecording>,
    pub stored_recordings: IndexMap<String, StoredRecording>,
    pub apps: IndexMap<String, App>,
    pub sessions: IndexMap<u64, Session>,
    pub session_seq: u64,
    pub global_vars: IndexMap<String, String>,
    pub custom_devices: IndexMap<String, String>,
    pub mailboxes: IndexMap<String, (u64, u64)>,
    pub endpoints: IndexMap<String, Endpoint>,
    pub log_channels: Vec<LogChannel>,
    pub modules: IndexMap<String, Module>,
    pub sounds: Vec<SoundFile>,
    pub dialplan: Dialplan,
    /// Media URIs started per target URI (`channel:ID`, `bridge:ID`).
    pub played: IndexMap<String, Vec<String>>,
    pub bridge_history: Vec<BridgeHistory>,
    pub delivered: Vec<DeliveredEvent>,
    /// Channels in `StasisBroadcast`, by id.
    pub broadcasts: IndexMap<String, crate::engine::broadcast::Broadcast>,
    /// Media-over-websocket channels, by connection id.
    pub media_links: IndexMap<String, crate::engine::websocket_media::MediaLink>,
    /// Set while the fake must not dial outbound connections (tests).
    pub outbound_paused: watch::Sender<bool>,
    /// Outbound connections made so far (ARI and media).
    pub outbound_dials: u64,
    /// The tasks that dial and serve outbound connections.
    pub outbound_tasks: Vec<tokio::task::AbortHandle>,
}

/// Events kept for inspection; older ones are dropped.
const DELIVERED_KEEP: usize = 50_000;

impl World {
    pub(crate) fn new(clock: Clock, asterisk_id: String, dialplan: Dialplan) -> Self {
        let modules = [
            ("res_ari.so", "Asterisk RESTful Interface", "core"),
            (
                "res_ari_channels.so",
                "RESTful API module - Channel resources",
                "core",
            ),
            (
                "res_ari_bridges.so",
                "RESTful API module - Bridge resources",
                "core",
            ),
            (
                "res_ari_playbacks.so",
                "RESTful API module - Playback control resources",
                "core",
            ),
            (
                "res_ari_recordings.so",
                "RESTful API module - Recording resources",
                "core",
            ),
            ("res_stasis.so", "Stasis application support", "core"),
            ("chan_pjsip.so", "PJSIP Channel Driver", "core"),
            ("app_dial.so", "Dialing Application", "core"),
            ("res_musiconhold.so", "Music On Hold Resource", "core"),
        ]
        .into_iter()
        .map(|(name, description, level)| {
            (
                name.to_string(),
                Module {
                    description: description.to_string(),
                    support_level: level.to_string(),
                    loaded: true,
                },
            )
        })
        .collect();
        World {
            clock,
            asterisk_id,
            start_epoch: unix_seconds(),
            uniqueid_seq: 0,
            system_name: None,
            local_seq: 0,
            tech_seq: 0,
            channels: IndexMap::new(),
            bridges: IndexMap::new(),
            playbacks: Vec::new(),
            playback_seq: 0,
            live_recordings: IndexMap::new(),
            stored_recordings: IndexMap::new(),
            apps: IndexMap::new(),
            sessions: IndexMap::new(),
            session_seq: 0,
            global_vars: IndexMap::new(),
            custom_devices: IndexMap::new(),
            mailboxes: IndexMap::new(),
            endpoints: IndexMap::new(),
            log_channels: vec![
                LogChannel {
                    channel: "/var/log/asterisk/messages.log".into(),
                    kind: "File".into(),
                    configuration: "NOTICE WARNING ERROR VERBOSE ".into(),
                },
                LogChannel {
                    channel: String::new(),
                    kind: "Console".into(),
                    configuration: "NOTICE WARNING ERROR VERBOSE ".into(),
                },
            ],
            modules,
            sounds: sounds::library(),
            dialplan,
            played: IndexMap::new(),
            bridge_history: Vec::new(),
            delivered: Vec::new(),
            broadcasts: IndexMap::new(),
            media_links: IndexMap::new(),
            outbound_paused: watch::Sender::new(false),
            outbound_dials: 0,
            outbound_tasks: Vec::new(),
        }
    }

    /// With Asterisk's `systemname`.
    pub(crate) fn system_name(mut self, name: Option<String>) -> Self {
        self.system_name = name;
        self
    }

    /// An Asterisk-style unique id: `[<systemname>-]<start epoch>.<sequence>`.
    pub(crate) fn next_uniqueid(&mut self) -> String {
        let id = match &self.system_name {
            Some(name) => format!("{name}-{}.{}", self.start_epoch, self.uniqueid_seq),
            None => format!("{}.{}", self.start_epoch, self.uniqueid_seq),
        };
        self.uniqueid_seq += 1;
        id
    }

    /// Whether a channel id or name is taken (Asterisk refuses duplicates).
    pub(crate) fn channel_id_taken(&self, id: &str) -> bool {
        self.channels.contains_key(id)
    }

    /// `ast_channel_get_by_name`: by unique id, then by name.
    pub(crate) fn find_channel_by_name_or_id(&self, key: &str) -> Option<&Channel> {
        self.channels.get(key).or_else(|| {
            self.channels
                .values()
                .find(|c| c.name.eq_ignore_ascii_case(key))
        })
    }

    /// Creates a channel in `state` and emits `ChannelCreated`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_channel(
        &mut self,
        id: String,
        name: String,
        kind: ChanKind,
        state: ChanState,
        context: &str,
        exten: &str,
        caller: Party,
        protocol_id: String,
    ) -> String {
        let (hangup_tx, _) = watch::channel(false);
        let channel = Channel {
            id: id.clone(),
            name,
            kind,
            state,
            protocol_id,
            caller,
            connected: Party::default(),
            accountcode: String::new(),
            dialplan: DialplanLoc {
                context: context.to_string(),
                exten: exten.to_string(),
                priority: 1,
                app_name: String::new(),
                app_data: String::new(),
            },
            creationtime: asterisk_timestamp(),
            language: "en".to_string(),
            vars: IndexMap::new(),
            reported_vars: IndexSet::new(),
            stasis: None,
            pre_stasis_dialplan: None,
            has_pbx: false,
            hanging_up: false,
            hangup_cause: 0,
            dialstring: None,
            after_answer: None,
            dialing: false,
            bridge: None,
            absorb_dtmf: false,
            muted: None,
            held: false,
            moh: None,
            silence: false,
            talk_detect: false,
            talking_since: None,
            snoops: Vec::new(),
            media_queue: Default::default(),
            media_busy: false,
            recording: None,
            hangup_tx,
            dtmf_sent: String::new(),
            pbx_wake: Default::default(),
            continue_to: None,
            dial_report: String::new(),
            inline_steps: None,
            idle_app: Default::default(),
            unpublished_caller: None,
        };
        self.channels.insert(id.clone(), channel);
        self.emit_channel(&id, "ChannelCreated", Map::new());
        id
    }

    /// The route for events about these channels.
    pub(crate) fn channel_route(&self, ids: &[&str]) -> Route {
        let endpoints = ids
            .iter()
            .filter_map(|id| self.channels.get(*id))
            .filter_map(|c| match &c.kind {
                ChanKind::Phone { endpoint, .. } => Some(endpoint.clone()),
                _ => None,
            })
            .collect();
        Route::Channels {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            endpoints,
        }
    }

    /// Emits `{type, timestamp, ...fields, channel: <snapshot>}` for a channel.
    pub(crate) fn emit_channel(&mut self, id: &str, kind: &str, fields: Map<String, Value>) {
        let Some(channel) = self.channels.get(id) else {
            return;
        };
        let mut event = fields;
        event.insert("channel".into(), channel.snapshot());
        let route = self.channel_route(&[id]);
        self.emit(route, kind, event);
    }

    /// Emits `ChannelVarset` for a channel variable.
    pub(crate) fn emit_varset(&mut self, id: &str, name: &str, value: &str) {
        let mut fields = Map::new();
        fields.insert("variable".into(), json!(name));
        fields.insert("value".into(), json!(value));
        self.emit_channel(id, "ChannelVarset", fields);
    }

    /// Emits `ChannelStateChange` after moving a channel to `state`.
    pub(crate) fn set_state(&mut self, id: &str, state: ChanState) {
        let Some(channel) = self.channels.get_mut(id) else {
            return;
        };
        if channel.state == state {
            return;
        }
        channel.state = state;
        // Asterisk re-reads a Local device on each state change of either
        // leg (two `DeviceStateChanged` for an answered call).
        let local_device = channel.is_local().then(|| channel.device()).flatten();
        self.emit_channel(id, "ChannelStateChange", Map::new());
        if let Some(device) = local_device {
            self.publish_device(&device);
        }
    }

    /// Emits `ChannelDialplan` as a channel starts a dialplan application.
    pub(crate) fn set_dialplan_app(&mut self, id: &str, app: &str, data: &str) {
        let Some(channel) = self.channels.get_mut(id) else {
            return;
        };
        channel.dialplan.app_name = app.to_string();
        channel.dialplan.app_data = data.to_string();
        let mut fields = Map::new();
        fields.insert("dialplan_app".into(), json!(app));
        fields.insert("dialplan_app_data".into(), json!(data));
        self.emit_channel(id, "ChannelDialplan", fields);
    }

    /// Emits a `Dial` event about `peer` (the channel being dialled).
    pub(crate) fn emit_dial(&mut self, peer: &str, status: &str, dialstring: &str) {
        let Some(channel) = self.channels.get(peer) else {
            return;
        };
        let mut fields = Map::new();
        fields.insert("dialstatus".into(), json!(status));
        fields.insert("forward".into(), json!(""));
        fields.insert("dialstring".into(), json!(dialstring));
        fields.insert("peer".into(), channel.snapshot());
        let route = self.channel_route(&[peer]);
        self.emit(route, "Dial", fields);
    }

    /// The state of a device as `ast_devstate_str` names it.
    pub(crate) fn device_state(&self, name: &str) -> String {
        if let Some(rest) = strip_prefix_ci(name, "Stasis:") {
            return self
                .custom_devices
                .get(rest)
                .cloned()
                .unwrap_or_else(|| "UNKNOWN".to_string());
        }
        let mut in_use = false;
        let mut ringing = false;
        for channel in self.channels.values() {
            // chan_local counts no call that is being torn down: both legs
            // of the last call report NOT_INUSE as they go.
            if channel.is_local() && channel.hanging_up {
                continue;
            }
            if channel.device().as_deref() == Some(name) {
                match channel.state {
                    ChanState::Ringing => ringing = true,
                    _ => in_use = true,
                }
            }
        }
        if name.starts_with("Local/") {
            // chan_local reports any channel of the extension as in use.
            return if in_use || ringing {
                "INUSE"
            } else {
                "NOT_INUSE"
            }
            .into();
        }
        match self.endpoints.get(name) {
            Some(endpoint) if endpoint.answer_mode == super::model::AnswerMode::Unreachable => {
                return "UNAVAILABLE".into();
            }
            Some(_) => {}
            None => return "INVALID".into(),
        }
        match (in_use, ringing) {
            (true, true) => "RINGINUSE",
            (true, false) => "INUSE",
            (false, true) => "RINGING",
            (false, false) => "NOT_INUSE",
        }
        .to_string()
    }

    /// Emits `DeviceStateChanged` with the device's current state.
    pub(crate) fn publish_device(&mut self, name: &str) {
        let state = self.device_state(name);
        let mut fields = Map::new();
        fields.insert("device_state".into(), json!({"name": name, "state": state}));
        self.emit(
            Route::Device(name.to_string()),
            "DeviceStateChanged",
            fields,
        );
    }

    /// Emits `EndpointStateChange` for a simulated phone.
    pub(crate) fn publish_endpoint(&mut self, name: &str) {
        let Some(snapshot) = self.endpoint_snapshot(name) else {
            return;
        };
        let mut fields = Map::new();
        fields.insert("endpoint".into(), snapshot);
        self.emit(
            Route::Endpoint(name.to_string()),
            "EndpointStateChange",
            fields,
        );
    }

    pub(crate) fn endpoint_snapshot(&self, name: &str) -> Option<Value> {
        let endpoint = self.endpoints.get(name)?;
        let channel_ids: Vec<&str> = self
            .channels
            .values()
            .filter(|c| matches!(&c.kind, ChanKind::Phone { endpoint: e, .. } if e == name))
            .map(|c| c.id.as_str())
            .collect();
        let state = if endpoint.answer_mode == super::model::AnswerMode::Unreachable {
            "offline"
        } else {
            "online"
        };
        Some(json!({
            "technology": endpoint.tech,
            "resource": endpoint.resource,
            "state": state,
            "channel_ids": channel_ids,
        }))
    }

    /// Sends an event to every application it concerns.
    pub(crate) fn emit(&mut self, route: Route, kind: &str, fields: Map<String, Value>) {
        let mut event = fields;
        event.insert("type".into(), json!(kind));
        event
            .entry("timestamp")
            .or_insert_with(|| json!(asterisk_timestamp()));
        let recipients: Vec<(String, Option<u64>)> = self
            .apps
            .values()
            .filter(|app| routes_to(app, &route) && app.allows(kind))
            .map(|app| (app.name.clone(), app.session))
            .collect();
        for (app, session) in recipients {
            let mut frame = event.clone();
            frame.insert("asterisk_id".into(), json!(self.asterisk_id));
            frame.insert("application".into(), json!(app));
            let Some(session) = session.and_then(|s| self.sessions.get(&s)) else {
                // Asterisk drops events for an app with no websocket.
                continue;
            };
            // In Asterisk's key order (`http::order`), not serde_json's sorted one.
            let text = super::http::order::event_text(&frame);
            // A session whose socket task ended has a closed channel; the
            // session is removed when that task finishes, so ignore errors.
            let _ = session.tx.send(Outbound::Frame(text));
            if self.delivered.len() >= DELIVERED_KEEP {
                self.delivered.drain(..DELIVERED_KEEP / 2);
            }
            self.delivered.push(DeliveredEvent {
                application: app,
                event: Value::Object(frame),
            });
        }
    }

    /// Finds a playback by id as `stasis_app_playback_find_by_id` does: the
    /// oldest of several with the same id.
    pub(crate) fn playback_by_id(&self, id: &str) -> Option<&Playback> {
        self.playbacks.iter().find(|p| p.id == id)
    }

    pub(crate) fn playback_mut(&mut self, key: u64) -> Option<&mut Playback> {
        self.playbacks.iter_mut().find(|p| p.key == key)
    }

    /// The app a channel is in, if any.
    pub(crate) fn stasis_app_of(&self, id: &str) -> Option<String> {
        self.channels
            .get(id)
            .and_then(|c| c.stasis.as_ref().map(|(app, _)| app.clone()))
    }

    /// An app by name, if a websocket has registered it.
    pub(crate) fn active_app(&self, name: &str) -> Option<&App> {
        self.apps.get(name).filter(|app| app.session.is_some())
    }
}

/// `routes_to`: whether an app hears about an event with this route.
fn routes_to(app: &App, route: &Route) -> bool {
    match route {
        Route::Channels { ids, endpoints } => {
            ids.iter().any(|id| app.channels.contains(id))
                || endpoints.iter().any(|e| app.endpoints.contains(e))
        }
        Route::Bridge { bridge, channels } => {
            app.bridges.contains(bridge) || channels.iter().any(|id| app.channels.contains(id))
        }
        Route::Device(name) => app.devices.contains(name),
        Route::Endpoint(name) => app.endpoints.contains(name),
        Route::AllChannels => app.channels.all,
        Route::App(name) => &app.name == name,
    }
}

pub(crate) fn strip_prefix_ci<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    if value.len() >= prefix.len()
        && value.is_char_boundary(prefix.len())
        && value[..prefix.len()].eq_ignore_ascii_case(prefix)
    {
        Some(&value[prefix.len()..])
    } else {
        None
    }
}
