//! The fake's objects (channels, bridges, playbacks, recordings, apps,
//! endpoints) and their ARI JSON shapes, field for field as Asterisk 20
//! renders them.

use indexmap::{IndexMap, IndexSet};
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, watch};

/// `ast_state2str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChanState {
    Down,
    Ring,
    Ringing,
    Up,
    Busy,
}

impl ChanState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ChanState::Down => "Down",
            ChanState::Ring => "Ring",
            ChanState::Ringing => "Ringing",
            ChanState::Up => "Up",
            ChanState::Busy => "Busy",
        }
    }
}

/// A caller id or connected line party.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Party {
    pub name: String,
    pub number: String,
}

impl Party {
    pub(crate) fn to_json(&self) -> Value {
        json!({"name": self.name, "number": self.number})
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.name.is_empty() && self.number.is_empty()
    }
}

/// Where a channel is in the dialplan, and which application runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DialplanLoc {
    pub context: String,
    pub exten: String,
    pub priority: u32,
    pub app_name: String,
    pub app_data: String,
}

/// What kind of channel this is; decides how calls and hangups propagate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChanKind {
    /// The `;1` half of a Local pair: what was requested (and dialled).
    LocalOne {
        peer: String,
        exten: String,
        context: String,
    },
    /// The `;2` half: runs the dialplan at `exten@context`.
    LocalTwo { peer: String },
    /// A simulated phone's channel; `inbound` when the phone placed the call.
    Phone { endpoint: String, inbound: bool },
    /// A snoop channel spying on another.
    Snoop { target: String },
    /// An external media channel (`UnicastRTP`, `AudioSocket`, `WebSocket`).
    External,
}

/// What an outgoing channel does once answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AfterAnswer {
    /// `Stasis(app,args)` run by the dial thread (no PBX).
    Stasis { app: String, args: Vec<String> },
    /// Run the dialplan from here.
    Dialplan {
        context: String,
        exten: String,
        priority: u32,
    },
    /// Nothing: the channel already is in Stasis (created, then dialled).
    Nothing,
}

/// A channel.
#[derive(Debug)]
pub(crate) struct Channel {
    pub id: String,
    pub name: String,
    pub kind: ChanKind,
    pub state: ChanState,
    pub protocol_id: String,
    pub caller: Party,
    pub connected: Party,
    pub accountcode: String,
    pub dialplan: DialplanLoc,
    pub creationtime: String,
    pub language: String,
    pub vars: IndexMap<String, String>,
    pub reported_vars: IndexSet<String>,
    /// The Stasis application the channel is in, and its args.
    pub stasis: Option<(String, Vec<String>)>,
    /// The dialplan location to restore when Stasis was entered without a PBX.
    pub pre_stasis_dialplan: Option<DialplanLoc>,
    /// Whether a PBX (dialplan) runs this channel; decides the extra soft
    /// hangup request Asterisk's PBX loop raises when it notices a hangup.
    pub has_pbx: bool,
    /// Set once hangup has begun, so it is not run twice.
    pub hanging_up: bool,
    /// The cause the channel will be destroyed with.
    pub hangup_cause: u32,
    /// Saved by `/channels/create` for a later `/dial`.
    pub dialstring: Option<String>,
    /// What the outgoing leg does when answered.
    pub after_answer: Option<AfterAnswer>,
    /// Whether an originate is still waiting for this channel to answer.
    pub dialing: bool,
    pub bridge: Option<String>,
    /// Added to its bridge with `absorbDTMF`: its digits stay with it.
    pub absorb_dtmf: bool,
    pub muted: Option<String>,
    pub held: bool,
    pub moh: Option<String>,
    pub silence: bool,
    pub talk_detect: bool,
    pub talking_since: Option<tokio::time::Instant>,
    pub snoops: Vec<String>,
    /// Media jobs (playbacks, recordings) run one after another, as
    /// Asterisk's per-channel control queue does.
    pub media_queue: std::collections::VecDeque<MediaJob>,
    pub media_busy: bool,
    /// The live recording running on this channel, if any.
    pub recording: Option<String>,
    /// Flips to true when the channel is hung up; wakes timers.
    pub hangup_tx: watch::Sender<bool>,
    /// DTMF digits the far end (a simulated phone) received from Asterisk.
    pub dtmf_sent: String,
    /// Wakes the channel's PBX task when it leaves Stasis.
    pub pbx_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Where `/continue` asked the dialplan to go on.
    pub continue_to: Option<(String, String, u32)>,
    /// The dialstring reported in this outgoing leg's `Dial` events.
    pub dial_report: String,
    /// Steps run instead of the dialplan's (a call placed straight into an app).
    pub inline_steps: Option<Vec<crate::dialplan::Step>>,
    /// The application shown when none runs (`AppDial2 (Outgoing Line)` on
    /// an originated leg): Asterisk's `pbx_exec` puts it back each time an
    /// application returns, so `ChannelDestroyed` shows it.
    pub idle_app: (String, String),
    /// A caller Asterisk copied into this Local `;2` from its `;1`'s new
    /// connected line without publishing it: the leg's snapshots keep the
    /// old caller until it is destroyed.
    pub unpublished_caller: Option<Party>,
}

/// A job on a channel's or bridge's media queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MediaJob {
    Play(u64),
    Record(String),
}

impl Channel {
    pub(crate) fn snapshot(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert("name".into(), json!(self.name));
        obj.insert("state".into(), json!(self.state.as_str()));
        obj.insert("protocol_id".into(), json!(self.protocol_id));
        obj.insert("caller".into(), self.caller.to_json());
        obj.insert("connected".into(), self.connected.to_json());
        obj.insert("accountcode".into(), json!(self.accountcode));
        obj.insert(
            "dialplan".into(),
            json!({
                "context": self.dialplan.context,
                "exten": self.dialplan.exten,
                "priority": self.dialplan.priority,
                "app_name": self.dialplan.app_name,
                "app_data": self.dialplan.app_data,
            }),
        );
        obj.insert("creationtime".into(), json!(self.creationtime));
        obj.insert("language".into(), json!(self.language));
        if !self.reported_vars.is_empty() {
            let vars: Map<String, Value> = self
                .reported_vars
                .iter()
                .map(|name| {
                    let value = self.vars.get(name).cloned().unwrap_or_default();
                    (name.clone(), Value::String(value))
                })
                .collect();
            obj.insert("channelvars".into(), Value::Object(vars));
        }
        Value::Object(obj)
    }

    pub(crate) fn peer(&self) -> Option<&str> {
        match &self.kind {
            ChanKind::LocalOne { peer, .. } | ChanKind::LocalTwo { peer } => Some(peer),
            _ => None,
        }
    }

    /// Whether this is either leg of a Local channel.
    pub(crate) fn is_local(&self) -> bool {
        matches!(
            self.kind,
            ChanKind::LocalOne { .. } | ChanKind::LocalTwo { .. }
        )
    }

    /// The device whose state this channel counts towards.
    pub(crate) fn device(&self) -> Option<String> {
        match &self.kind {
            ChanKind::LocalOne { exten, context, .. } => Some(format!("Local/{exten}@{context}")),
            ChanKind::LocalTwo { .. } => self
                .name
                .rsplit_once('-')
                .map(|(device, _)| device.to_string()),
            ChanKind::Phone { endpoint, .. } => Some(endpoint.clone()),
            ChanKind::Snoop { .. } | ChanKind::External => None,
        }
    }

    pub(crate) fn tech(&self) -> &str {
        self.name.split('/').next().unwrap_or("")
    }
}

/// The hang-up cause names Asterisk's `ast_cause2str` gives.
pub(crate) fn cause_text(cause: u32) -> &'static str {
    match cause {
        1 => "Unallocated (unassigned) number",
        3 => "No route to destination",
        16 => "Normal Clearing",
        17 => "User busy",
        18 => "No user responding",
        19 => "User alerting, no answer",
        21 => "Call Rejected",
        26 => "Answered elsewhere",
        27 => "Destination out of order",
        28 => "Invalid number format",
        31 => "Normal, unspecified",
        34 => "Circuit/channel congestion",
        38 => "Network out of order",
        41 => "Temporary failure",
        58 => "Bearer capability not available",
        127 => "Interworking, unspecified",
        _ => "Unknown",
    }
}

/// A bridge.
#[derive(Debug)]
pub(crate) struct Bridge {
    pub id: String,
    pub bridge_type: String,
    pub name: String,
    pub creator: String,
    pub creationtime: String,
    pub video_mode: String,
    pub video_source: Option<String>,
    pub channels: Vec<String>,
    pub vars: IndexMap<String, String>,
    pub moh: Option<String>,
    pub media_queue: std::collections::VecDeque<MediaJob>,
    pub media_busy: bool,
    pub recordings: Vec<String>,
    /// Flips to true when the bridge is destroyed; wakes its media timers.
    pub gone_tx: watch::Sender<bool>,
}

impl Bridge {
    pub(crate) fn technology(&self) -> &'static str {
        if self.bridge_type == "holding" {
            "holding_bridge"
        } else if self.channels.len() > 2 || self.video_mode == "sfu" {
            "softmix"
        } else {
            "simple_bridge"
        }
    }

    pub(crate) fn snapshot(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert("technology".into(), json!(self.technology()));
        obj.insert("bridge_type".into(), json!(self.bridge_type));
        obj.insert("bridge_class".into(), json!("stasis"));
        obj.insert("creator".into(), json!(self.creator));
        obj.insert("name".into(), json!(self.name));
        obj.insert("channels".into(), json!(self.channels));
        obj.insert("creationtime".into(), json!(self.creationtime));
        obj.insert("video_mode".into(), json!(self.video_mode));
        if self.video_mode != "none" {
            if let Some(source) = &self.video_source {
                obj.insert("video_source_id".into(), json!(source));
            }
        }
        if !self.vars.is_empty() {
            obj.insert("bridgevars".into(), json!(self.vars));
        }
        Value::Object(obj)
    }
}

/// What a playback or recording plays into or records from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Channel(String),
    Bridge(String),
}

impl Target {
    pub(crate) fn uri(&self) -> String {
        match self {
            Target::Channel(id) => format!("channel:{id}"),
            Target::Bridge(id) => format!("bridge:{id}"),
        }
    }
}

/// `stasis_app_playback_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlaybackState {
    Queued,
    Playing,
    Paused,
    Continuing,
    Failed,
    Stopped,
    Complete,
    Canceled,
}

impl PlaybackState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PlaybackState::Queued => "queued",
            PlaybackState::Playing => "playing",
            PlaybackState::Paused => "paused",
            PlaybackState::Continuing => "continuing",
            PlaybackState::Failed => "failed",
            PlaybackState::Stopped | PlaybackState::Complete | PlaybackState::Canceled => "done",
        }
    }
}

/// A control sent to a running playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlaybackControl {
    Stop,
    Pause,
    Unpause,
    Restart,
    Reverse,
    Forward,
}

/// A playback.
#[derive(Debug)]
pub(crate) struct Playback {
    /// Internal key: Asterisk accepts two playbacks with the same id.
    pub key: u64,
    pub id: String,
    pub medias: Vec<String>,
    pub index: usize,
    pub target: Target,
    pub language: String,
    pub state: PlaybackState,
    pub skipms: u64,
    pub offsetms: u64,
    pub controllable: bool,
    pub control: Option<mpsc::UnboundedSender<PlaybackControl>>,
}

impl Playback {
    pub(crate) fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert(
            "media_uri".into(),
            json!(self.medias.get(self.index).cloned().unwrap_or_default()),
        );
        if let Some(next) = self.medias.get(self.index + 1) {
            obj.insert("next_media_uri".into(), json!(next));
        }
        obj.insert("target_uri".into(), json!(self.target.uri()));
        obj.insert("language".into(), json!(self.language));
        obj.insert("state".into(), json!(self.state.as_str()));
        Value::Object(obj)
    }
}

/// `stasis_app_recording_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordingState {
    Queued,
    Recording,
    Paused,
    Complete,
    Failed,
    Canceled,
}

impl RecordingState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RecordingState::Queued => "queued",
            RecordingState::Recording => "recording",
            RecordingState::Paused => "paused",
            RecordingState::Complete => "done",
            RecordingState::Failed => "failed",
            RecordingState::Canceled => "canceled",
        }
    }
}

/// What `ifExists` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IfExists {
    Fail,
    Overwrite,
    Append,
}

/// A control (or stimulus) sent to a running recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RecordingControl {
    Stop,
    Cancel,
    Pause,
    Unpause,
    Mute,
    Unmute,
    Dtmf(char),
    Talking(bool),
}

/// A live recording.
#[derive(Debug)]
pub(crate) struct LiveRecording {
    pub name: String,
    pub format: String,
    pub target: Target,
    pub state: RecordingState,
    pub max_duration_seconds: u64,
    pub max_silence_seconds: u64,
    /// DTMF digits that end the recording.
    pub terminate_on: String,
    pub if_exists: IfExists,
    pub beep: bool,
    pub muted: bool,
    pub duration: Option<u64>,
    pub talking_duration: Option<u64>,
    pub control: Option<mpsc::UnboundedSender<RecordingControl>>,
    /// Recorded time before the current (unpaused) stretch, simulated ms.
    pub accumulated_ms: u64,
    /// When the current unpaused stretch began.
    pub active_since: Option<tokio::time::Instant>,
}

impl LiveRecording {
    pub(crate) fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("name".into(), json!(self.name));
        obj.insert("format".into(), json!(self.format));
        obj.insert("state".into(), json!(self.state.as_str()));
        obj.insert("target_uri".into(), json!(self.target.uri()));
        if let Some(total) = self.duration {
            obj.insert("duration".into(), json!(total));
            if let Some(talking) = self.talking_duration {
                obj.insert("talking_duration".into(), json!(talking));
                obj.insert(
                    "silence_duration".into(),
                    json!(total.saturating_sub(talking)),
                );
            }
        }
        Value::Object(obj)
    }
}

/// A stored recording.
#[derive(Debug, Clone)]
pub(crate) struct StoredRecording {
    pub name: String,
    pub format: String,
    pub duration_ms: u64,
    pub bytes: Vec<u8>,
}

impl StoredRecording {
    pub(crate) fn to_json(&self) -> Value {
        json!({"name": self.name, "format": self.format})
    }
}

/// What an application is subscribed to, by kind; `all` for `subscribeAll`.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    pub all: bool,
    /// Object id to interest count: Asterisk counts how many reasons an
    /// app has to follow an object and drops it when the count hits zero.
    pub ids: IndexMap<String, u32>,
}

impl Subscriptions {
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.all || self.ids.contains_key(id)
    }
    pub(crate) fn add(&mut self, id: &str) {
        if !self.all {
            *self.ids.entry(id.to_string()).or_insert(0) += 1;
        }
    }
    /// Drops one interest; returns false when not subscribed.
    pub(crate) fn remove_one(&mut self, id: &str) -> bool {
        match self.ids.get_mut(id) {
            Some(count) => {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.ids.shift_remove(id);
                }
                true
            }
            None => false,
        }
    }
    pub(crate) fn to_json(&self, all_topic: &str) -> Value {
        if self.all {
            json!([all_topic])
        } else {
            json!(self.ids.keys().collect::<Vec<_>>())
        }
    }
}

/// A Stasis application.
#[derive(Debug, Default)]
pub(crate) struct App {
    pub name: String,
    /// The websocket session receiving this app's events, if any.
    pub session: Option<u64>,
    pub channels: Subscriptions,
    pub bridges: Subscriptions,
    pub endpoints: Subscriptions,
    pub devices: Subscriptions,
    pub events_allowed: Vec<Value>,
    pub events_disallowed: Vec<Value>,
}

impl App {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "channel_ids": self.channels.to_json("__AST_CHANNEL_ALL_TOPIC"),
            "bridge_ids": self.bridges.to_json("__AST_BRIDGE_ALL_TOPIC"),
            "endpoint_ids": self.endpoints.to_json("__AST_ENDPOINT_ALL_TOPIC"),
            "device_names": self.devices.to_json("__AST_DEVICE_STATE_ALL_TOPIC"),
            "events_allowed": self.events_allowed,
            "events_disallowed": self.events_disallowed,
        })
    }

    /// `stasis_app_event_allowed`.
    pub(crate) fn allows(&self, event_type: &str) -> bool {
        let matches = |filter: &[Value]| {
            filter
                .iter()
                .any(|f| f.get("type").and_then(Value::as_str) == Some(event_type))
        };
        let disallowed = !self.events_disallowed.is_empty() && matches(&self.events_disallowed);
        let allowed = self.events_allowed.is_empty() || matches(&self.events_allowed);
        !disallowed && allowed
    }
}

/// How a simulated phone treats calls made to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerMode {
    /// Rings, then answers after this many simulated milliseconds.
    AutoAnswer {
        /// Ringing time before answering.
        after_ms: u64,
    },
    /// Rings until the test answers or rejects it, or the originate times out.
    RingForever,
    /// Answers with busy.
    Busy,
    /// Declines the call (cause 21, Call Rejected).
    Reject,
    /// The phone is not reachable: requests for it fail like an
    /// unregistered PJSIP endpoint.
    Unreachable,
}

/// A simulated phone: an endpoint (`PJSIP/alice`) with a behaviour.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub tech: String,
    pub resource: String,
    pub answer_mode: AnswerMode,
    pub caller_name: String,
    pub caller_number: String,
    pub context: String,
    /// Channels of outgoing calls to this phone, for the test to pick up.
    pub incoming: mpsc::UnboundedSender<String>,
    pub incoming_rx: std::sync::Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<String>>>,
    /// Messages sent to the phone with `sendMessage`.
    pub messages: Vec<Value>,
}

impl Endpoint {
    pub(crate) fn full_name(&self) -> String {
        format!("{}/{}", self.tech, self.resource)
    }
}
