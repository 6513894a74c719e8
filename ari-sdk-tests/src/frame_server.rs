//! A loopback websocket server that plays Asterisk for load runs: it accepts
//! the `/ari/events` upgrade and sends scripted text frames as fast as the
//! socket takes them, or paced by the application's acknowledgements.
//!
//! The frames are real Asterisk 20 frames from the captures
//! (`shared/ari-captures`, read at run time, never copied here), re-templated
//! per call: a captured channel's `StasisStart`, four of its mid-call events
//! (`ChannelDtmfReceived`, `ChannelVarset`, `ChannelStateChange`,
//! `ChannelDialplan`), its `StasisEnd` and its `ChannelDestroyed`, each with
//! the call's own channel id and name and the run's application name. Every
//! other byte, key order included, is the captured one ([`CallFrames`]).
//!
//! A [`CallPlan`] of N calls lays the frames out in three phases: every
//! `StasisStart`, then the mid-call events (four rounds, one event of every
//! call per round), then the ends (`StasisEnd`, `ChannelDestroyed` call by
//! call). [`EventSocket::send_plan`] sends it in a burst or paced by a
//! [`Pacer`]; [`EventSocket::send_frames`] sends any frame list.
//!
//! Anything that is not the websocket upgrade gets a small HTTP answer: `GET
//! /ari/channels/{id}` says 200 while the plan's call lives (its
//! `StasisStart` sent, its `ChannelDestroyed` not yet) and 404 otherwise, so
//! the SDK's reconciliation after a lag sees what an Asterisk would say;
//! `GET /ari/channels` lists the live calls (in `Stasis(<app>)`) and `GET
//! /ari/bridges` none. For an `ari-proxy` in front of it, `GET
//! /ari/asterisk/info` answers an Asterisk 20's info with an entity id of
//! the server's own, and `GET /ari/applications/{name}` knows the
//! applications of the websockets it accepted. Several servers standing
//! for the nodes of a cluster send plans with distinct channel ids
//! ([`CallPlan::with_id_prefix`]).
//!
//! ```no_run
//! use ari_sdk_tests::frame_server::{CallFrames, CallPlan, Delivery, FrameServer};
//! use futures::StreamExt as _;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let frames = CallFrames::load()?;
//! let mut server = FrameServer::start("load-app").await?;
//! let app = server.ari()?.stasis_app()?;
//! let mut calls = app.calls();
//! let mut socket = server.next_socket(std::time::Duration::from_secs(5)).await?;
//! let plan = CallPlan::new(&frames, 1000, "load-app");
//! tokio::spawn(async move { socket.send_plan(&plan, &Delivery::Burst).await });
//! while let Some(call) = calls.next().await {
//!     println!("call {}", call.id());
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use crate::captures::{self, OrderedJson};

/// The user name the built clients send (the server takes any Basic auth).
pub const USERNAME: &str = "load";
/// The password the built clients send.
pub const PASSWORD: &str = "load-secret";

/// Frames per call: `StasisStart`, the mid-call events, `StasisEnd`,
/// `ChannelDestroyed`.
pub const FRAMES_PER_CALL: usize = 2 + MID_EVENTS + 1;
/// Mid-call events per call.
pub const MID_EVENTS: usize = 4;
/// The events a call's own stream (`call.events()`) receives: the frames
/// after its `StasisStart`.
pub const EVENTS_AFTER_START: usize = FRAMES_PER_CALL - 1;

/// The mid-call event types, in the order of the mid-call rounds.
pub const MID_TYPES: [&str; MID_EVENTS] = [
    "ChannelDtmfReceived",
    "ChannelVarset",
    "ChannelStateChange",
    "ChannelDialplan",
];

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameServerError {
    /// The captures could not be read.
    #[error(transparent)]
    Captures(#[from] captures::CaptureError),
    /// No captured channel has every frame a call needs.
    #[error(
        "no captured channel has a StasisStart, {MID_TYPES:?}, StasisEnd and ChannelDestroyed"
    )]
    NoTemplate,
    /// A socket failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The websocket failed.
    #[error(transparent)]
    WebSocket(Box<tokio_tungstenite::tungstenite::Error>),
    /// The client did not connect in time.
    #[error("no websocket upgrade within {0:?}")]
    NoClient(Duration),
    /// The server stopped.
    #[error("the server stopped")]
    Stopped,
    /// The SDK refused the client config.
    #[error(transparent)]
    Sdk(#[from] ari_sdk::Error),
}

impl From<tokio_tungstenite::tungstenite::Error> for FrameServerError {
    fn from(error: tokio_tungstenite::tungstenite::Error) -> Self {
        FrameServerError::WebSocket(Box::new(error))
    }
}

// ---------------------------------------------------------------------------
// Frame templates

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    ChannelId,
    ChannelName,
    Application,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Slot(Slot),
}

/// One captured frame with holes for the call's channel id and name and the
/// application name.
#[derive(Debug, Clone)]
struct Template {
    parts: Vec<Part>,
    type_name: String,
}

impl Template {
    /// Compiles the captured `data`: every string equal to the captured
    /// channel id, channel name or application becomes a hole; the rest is
    /// written back in the captured key order.
    fn compile(data: &OrderedJson, id: &str, name: &str, app: &str) -> Template {
        let mut template = Template {
            parts: Vec::new(),
            type_name: match data.get("type") {
                Some(OrderedJson::String(t)) => t.clone(),
                _ => String::new(),
            },
        };
        let mut text = String::new();
        template.walk(
            data,
            &mut text,
            &[
                (id, Slot::ChannelId),
                (name, Slot::ChannelName),
                (app, Slot::Application),
            ],
        );
        template.parts.push(Part::Text(text));
        template
    }

    fn walk(&mut self, value: &OrderedJson, text: &mut String, holes: &[(&str, Slot); 3]) {
        match value {
            OrderedJson::String(s) => {
                if let Some((_, slot)) = holes.iter().find(|(hole, _)| hole == s) {
                    text.push('"');
                    self.parts.push(Part::Text(std::mem::take(text)));
                    self.parts.push(Part::Slot(*slot));
                    text.push('"');
                } else {
                    text.push_str(&json_string(s));
                }
            }
            OrderedJson::Array(items) => {
                text.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    self.walk(item, text, holes);
                }
                text.push(']');
            }
            OrderedJson::Object(pairs) => {
                text.push('{');
                for (i, (key, item)) in pairs.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str(&json_string(key));
                    text.push(':');
                    self.walk(item, text, holes);
                }
                text.push('}');
            }
            other => text.push_str(&other.to_json_string()),
        }
    }

    /// `app_json`: the application name escaped for a JSON string;
    /// `prefix`: what the channel ids start with (a node's `systemname`
    /// and a dash, or nothing).
    fn render(&self, out: &mut String, call: usize, prefix: &str, app_json: &str) {
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Slot(Slot::ChannelId) => push_channel_id(out, prefix, call),
                Part::Slot(Slot::ChannelName) => push_channel_name(out, call),
                Part::Slot(Slot::Application) => out.push_str(app_json),
            }
        }
    }

    fn len_hint(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.len(),
                Part::Slot(_) => 32,
            })
            .sum()
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// Asterisk-style unique ids: `<epoch>.<sequence>`.
const ID_EPOCH: &str = "1763834544";

fn push_channel_id(out: &mut String, prefix: &str, call: usize) {
    let _ = write!(out, "{prefix}{ID_EPOCH}.{call}");
}

fn push_channel_name(out: &mut String, call: usize) {
    let _ = write!(out, "Local/load@test-{call:08x};1");
}

/// The channel id of call number `call` (from 0).
pub fn channel_id(call: usize) -> String {
    prefixed_channel_id("", call)
}

/// The channel id of call number `call` of a plan whose ids start with
/// `prefix` ([`CallPlan::with_id_prefix`]).
pub fn prefixed_channel_id(prefix: &str, call: usize) -> String {
    let mut id = String::new();
    push_channel_id(&mut id, prefix, call);
    id
}

/// The call number of a channel id made by [`prefixed_channel_id`] with
/// `prefix`.
pub fn call_of_prefixed(prefix: &str, channel_id: &str) -> Option<usize> {
    call_of(channel_id.strip_prefix(prefix)?)
}

/// The call number of a channel id made by [`channel_id`].
pub fn call_of(channel_id: &str) -> Option<usize> {
    let sequence = channel_id.strip_prefix(ID_EPOCH)?.strip_prefix('.')?;
    if sequence.starts_with('+') || (sequence.len() > 1 && sequence.starts_with('0')) {
        return None;
    }
    sequence.parse().ok()
}

/// The captured frames of one channel's life, ready to be re-templated per
/// call.
#[derive(Debug, Clone)]
pub struct CallFrames {
    start: Template,
    mid: Vec<Template>,
    stasis_end: Template,
    destroyed: Template,
    source: String,
}

impl CallFrames {
    /// Reads the captures from [`captures::captures_dir`].
    pub fn load() -> Result<CallFrames, FrameServerError> {
        Self::from_dir(&captures::captures_dir())
    }

    /// Reads the captures in `dir` and picks the first captured channel
    /// (files in name order) that has a `StasisStart`, one event of each of
    /// [`MID_TYPES`], a `StasisEnd` and a `ChannelDestroyed`, taking for
    /// each type its first frame about that channel.
    pub fn from_dir(dir: &Path) -> Result<CallFrames, FrameServerError> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|source| captures::CaptureError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        paths.sort();
        for path in paths {
            let text =
                std::fs::read_to_string(&path).map_err(|source| captures::CaptureError::Io {
                    path: path.clone(),
                    source,
                })?;
            let mut frames = Vec::new();
            for (index, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let record: OrderedJson =
                    serde_json::from_str(line).map_err(|e| captures::CaptureError::Format {
                        path: path.clone(),
                        line: index + 1,
                        message: e.to_string(),
                    })?;
                if record.get("kind") == Some(&OrderedJson::String("event".into())) {
                    if let Some(data) = record.get("data") {
                        frames.push(data.clone());
                    }
                }
            }
            if let Some(found) = Self::pick(&frames) {
                let mut found = found;
                found.source = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                return Ok(found);
            }
        }
        Err(FrameServerError::NoTemplate)
    }

    fn pick(frames: &[OrderedJson]) -> Option<CallFrames> {
        let string = |value: Option<&OrderedJson>| match value {
            Some(OrderedJson::String(s)) => Some(s.clone()),
            _ => None,
        };
        let type_of = |frame: &OrderedJson| string(frame.get("type"));
        let channel_of = |frame: &OrderedJson| string(frame.get("channel")?.get("id"));
        for start in frames {
            if type_of(start).as_deref() != Some("StasisStart") {
                continue;
            }
            let Some(id) = channel_of(start) else {
                continue;
            };
            let Some(name) = string(start.get("channel").and_then(|c| c.get("name"))) else {
                continue;
            };
            let Some(app) = string(start.get("application")) else {
                continue;
            };
            let first = |wanted: &str| {
                frames.iter().find(|frame| {
                    type_of(frame).as_deref() == Some(wanted)
                        && channel_of(frame).as_deref() == Some(id.as_str())
                })
            };
            let compile = |frame: &OrderedJson| Template::compile(frame, &id, &name, &app);
            let mid: Option<Vec<Template>> =
                MID_TYPES.iter().map(|t| first(t).map(compile)).collect();
            if let (Some(mid), Some(end), Some(destroyed)) =
                (mid, first("StasisEnd"), first("ChannelDestroyed"))
            {
                return Some(CallFrames {
                    start: compile(start),
                    mid,
                    stasis_end: compile(end),
                    destroyed: compile(destroyed),
                    source: String::new(),
                });
            }
        }
        None
    }

    /// The capture file the frames come from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Call `call`'s `StasisStart`.
    pub fn start(&self, call: usize, app: &str) -> String {
        render(&self.start, call, app)
    }

    /// Call `call`'s mid-call event number `round` (below [`MID_EVENTS`],
    /// of type `MID_TYPES[round]`).
    pub fn mid(&self, call: usize, round: usize, app: &str) -> String {
        render(&self.mid[round], call, app)
    }

    /// Call `call`'s `StasisEnd`.
    pub fn stasis_end(&self, call: usize, app: &str) -> String {
        render(&self.stasis_end, call, app)
    }

    /// Call `call`'s `ChannelDestroyed`.
    pub fn destroyed(&self, call: usize, app: &str) -> String {
        render(&self.destroyed, call, app)
    }

    /// The types of the frames of a call's life, in order.
    pub fn type_names(&self) -> Vec<&str> {
        std::iter::once(&self.start)
            .chain(&self.mid)
            .chain([&self.stasis_end, &self.destroyed])
            .map(|t| t.type_name.as_str())
            .collect()
    }
}

fn render(template: &Template, call: usize, app: &str) -> String {
    render_escaped(template, call, "", &escape(app))
}

fn render_escaped(template: &Template, call: usize, prefix: &str, app_json: &str) -> String {
    let mut out = String::with_capacity(template.len_hint() + prefix.len());
    template.render(&mut out, call, prefix, app_json);
    out
}

/// `s` escaped for the inside of a JSON string.
fn escape(s: &str) -> String {
    let quoted = json_string(s);
    quoted[1..quoted.len() - 1].to_owned()
}

// ---------------------------------------------------------------------------
// Plans

/// The phase a frame of a [`CallPlan`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The `StasisStart`s.
    Start,
    /// The mid-call events.
    Mid,
    /// The `StasisEnd`s and `ChannelDestroyed`s.
    End,
}

/// The frames of `calls` calls in three phases: `[0, N)` every call's
/// `StasisStart` (call `i` at `i`); `[N, 5N)` the mid-call events, four
/// rounds of one event per call (round `r` of call `i` at `N + r*N + i`);
/// `[5N, 7N)` the ends, call by call (`StasisEnd` of call `i` at `5N + 2i`,
/// its `ChannelDestroyed` at `5N + 2i + 1`). Frames are made when sent.
///
/// The channel ids are [`channel_id`]s, or, for one node of several (whose
/// Asterisks each have their own `systemname`, the prefix of their unique
/// ids), [`prefixed_channel_id`]s ([`with_id_prefix`](Self::with_id_prefix)).
#[derive(Debug, Clone)]
pub struct CallPlan {
    frames: Arc<CallFrames>,
    calls: usize,
    app: String,
    app_json: String,
    id_prefix: String,
}

impl CallPlan {
    /// A plan of `calls` calls into application `app`.
    pub fn new(frames: &CallFrames, calls: usize, app: &str) -> CallPlan {
        CallPlan {
            frames: Arc::new(frames.clone()),
            calls,
            app: app.to_owned(),
            app_json: escape(app),
            id_prefix: String::new(),
        }
    }

    /// The same plan with channel ids starting with `prefix` (`node-1-`
    /// for a node whose `systemname` is `node-1`), so that the plans of
    /// several servers never share a channel id.
    pub fn with_id_prefix(mut self, prefix: &str) -> CallPlan {
        self.id_prefix = prefix.to_owned();
        self
    }

    /// What the channel ids start with (empty by default).
    pub fn id_prefix(&self) -> &str {
        &self.id_prefix
    }

    /// The channel id of call `call`.
    pub fn channel_id(&self, call: usize) -> String {
        prefixed_channel_id(&self.id_prefix, call)
    }

    /// The call number of one of this plan's channel ids.
    pub fn call_of(&self, channel_id: &str) -> Option<usize> {
        call_of_prefixed(&self.id_prefix, channel_id).filter(|&call| call < self.calls)
    }

    /// How many calls.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// The application name the frames carry.
    pub fn app(&self) -> &str {
        &self.app
    }

    /// How many frames in all.
    pub fn len(&self) -> usize {
        self.calls * FRAMES_PER_CALL
    }

    /// True for a plan of no call.
    pub fn is_empty(&self) -> bool {
        self.calls == 0
    }

    /// The index of the first frame of `phase`.
    pub fn phase_start(&self, phase: Phase) -> usize {
        match phase {
            Phase::Start => 0,
            Phase::Mid => self.calls,
            Phase::End => self.calls * (1 + MID_EVENTS),
        }
    }

    /// Which phase and call frame `index` belongs to.
    pub fn locate(&self, index: usize) -> (Phase, usize) {
        let n = self.calls;
        if index < n {
            (Phase::Start, index)
        } else if index < n * (1 + MID_EVENTS) {
            (Phase::Mid, (index - n) % n)
        } else {
            (Phase::End, (index - n * (1 + MID_EVENTS)) / 2)
        }
    }

    /// Frame `index` (below [`len`](Self::len)).
    pub fn frame(&self, index: usize) -> String {
        let n = self.calls;
        let app = &self.app_json;
        let prefix = &self.id_prefix;
        let frames = &self.frames;
        if index < n {
            render_escaped(&frames.start, index, prefix, app)
        } else if index < n * (1 + MID_EVENTS) {
            let offset = index - n;
            render_escaped(&frames.mid[offset / n], offset % n, prefix, app)
        } else {
            let offset = index - n * (1 + MID_EVENTS);
            let template = if offset.is_multiple_of(2) {
                &frames.stasis_end
            } else {
                &frames.destroyed
            };
            render_escaped(template, offset / 2, prefix, app)
        }
    }

    /// Call `call` as `GET /channels` lists it: the channel of its
    /// `StasisStart`, in the application (`Stasis(<app>,...)`).
    fn listed_channel(&self, call: usize) -> Option<serde_json::Value> {
        let start = render_escaped(&self.frames.start, call, &self.id_prefix, &self.app_json);
        let mut channel = serde_json::from_str::<serde_json::Value>(&start)
            .ok()?
            .get_mut("channel")?
            .take();
        if let Some(dialplan) = channel.get_mut("dialplan") {
            // The captured `Stasis(capture-app,args)`: the args kept, the
            // application this plan's.
            let args = dialplan
                .get("app_data")
                .and_then(serde_json::Value::as_str)
                .and_then(|data| data.split_once(','))
                .map(|(_, args)| format!(",{args}"))
                .unwrap_or_default();
            dialplan["app_name"] = "Stasis".into();
            dialplan["app_data"] = format!("{}{args}", self.app).into();
        }
        Some(channel)
    }

    /// Every frame, in order (made as the iterator goes).
    pub fn frames(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.len()).map(|index| self.frame(index))
    }
}

// ---------------------------------------------------------------------------
// Call tasks

/// What a load run's call task does: reads a call's `events` and hands
/// each item to `on_item` until it says [`Break`](std::ops::ControlFlow::Break)
/// (the call's `ChannelDestroyed`) or the events end; once `ended`
/// resolves, waits at most `grace` for each further item (the last events
/// of a call may come after its end is known).
///
/// ```no_run
/// # async fn demo(call: ari_sdk::v20::Call) {
/// use std::ops::ControlFlow;
/// use ari_sdk::stream::StreamItem;
///
/// let mut read = 0;
/// ari_sdk_tests::frame_server::read_call_events(
///     call.events(),
///     call.ended(),
///     std::time::Duration::from_secs(2),
///     |item| match item {
///         StreamItem::Event(event) if event.type_name() == "ChannelDestroyed" => ControlFlow::Break(()),
///         _ => {
///             read += 1;
///             ControlFlow::Continue(())
///         }
///     },
/// )
/// .await;
/// # }
/// ```
pub async fn read_call_events<S, T, E>(
    events: S,
    ended: impl std::future::Future<Output = E>,
    grace: Duration,
    mut on_item: impl FnMut(T) -> std::ops::ControlFlow<()>,
) where
    S: futures::Stream<Item = T>,
{
    let mut events = std::pin::pin!(events);
    let mut ended = std::pin::pin!(ended);
    let mut call_ended = false;
    loop {
        let item = if call_ended {
            match tokio::time::timeout(grace, events.next()).await {
                Ok(item) => item,
                Err(_) => return,
            }
        } else {
            tokio::select! {
                biased;
                item = events.next() => item,
                _ = &mut ended => {
                    call_ended = true;
                    continue;
                }
            }
        };
        let Some(item) = item else {
            return;
        };
        if on_item(item).is_break() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------
// Pacing

#[derive(Debug)]
struct PacerState {
    seen: AtomicU64,
    /// The server waits for `seen` to reach this.
    target: AtomicU64,
    /// [`Pacer::wait_seen`] waits for `seen` to reach this.
    watch_target: AtomicU64,
    hold_at: AtomicU64,
    notify: Notify,
}

/// The application's acknowledgements, for paced delivery: the application
/// calls [`ack`](Self::ack) for every frame it has seen (a call taken, an
/// event read), and the server sends the next batch only once everything it
/// sent before was seen.
///
/// A frame that is never acknowledged (lost) stalls the server for the
/// pacer's `stall` time; then it forgives what is missing and goes on (the
/// send report counts the stalls). A hold point ([`hold_at`](Self::hold_at))
/// stops the server before a given frame until [`release`](Self::release).
#[derive(Debug, Clone)]
pub struct Pacer {
    state: Arc<PacerState>,
    stall: Duration,
}

impl Pacer {
    /// A pacer that waits at most `stall` for acknowledgements.
    pub fn new(stall: Duration) -> Pacer {
        Pacer {
            state: Arc::new(PacerState {
                seen: AtomicU64::new(0),
                target: AtomicU64::new(u64::MAX),
                watch_target: AtomicU64::new(u64::MAX),
                hold_at: AtomicU64::new(u64::MAX),
                notify: Notify::new(),
            }),
            stall,
        }
    }

    /// The application saw `frames` more frames.
    pub fn ack(&self, frames: u64) {
        let seen = self.state.seen.fetch_add(frames, Ordering::SeqCst) + frames;
        if seen >= self.state.target.load(Ordering::SeqCst)
            || seen >= self.state.watch_target.load(Ordering::SeqCst)
        {
            self.state.notify.notify_waiters();
        }
    }

    /// Frames acknowledged so far.
    pub fn seen(&self) -> u64 {
        self.state.seen.load(Ordering::SeqCst)
    }

    /// Stops the server before frame `index` until [`release`](Self::release).
    /// Set it before sending.
    pub fn hold_at(&self, index: u64) {
        self.state.hold_at.store(index, Ordering::Release);
    }

    /// Lets the server go past the hold point.
    pub fn release(&self) {
        self.state.hold_at.store(u64::MAX, Ordering::Release);
        self.state.notify.notify_waiters();
    }

    /// Waits until `frames` frames were acknowledged, at most `timeout`;
    /// true when they were.
    pub async fn wait_seen(&self, frames: u64, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            self.state.watch_target.store(frames, Ordering::SeqCst);
            if self.seen() >= frames {
                self.state.watch_target.store(u64::MAX, Ordering::SeqCst);
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                self.state.watch_target.store(u64::MAX, Ordering::SeqCst);
                return self.seen() >= frames;
            }
        }
    }

    fn held(&self, index: u64) -> bool {
        index >= self.state.hold_at.load(Ordering::Acquire)
    }
}

/// How a plan is sent.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// Everything as fast as the socket takes it.
    Burst,
    /// `batch` frames at a time, each batch once the pacer saw every frame
    /// sent before it.
    Paced {
        /// Frames per batch.
        batch: usize,
        /// The application's acknowledgements.
        pacer: Pacer,
    },
}

/// What a send did.
#[derive(Debug, Clone, Default)]
pub struct SendReport {
    /// Frames written.
    pub frames: usize,
    /// From the first frame queued to the last one flushed.
    pub elapsed: Duration,
    /// Paced sends: times the server gave up waiting for acknowledgements.
    pub stalls: usize,
    /// Paced sends: frames the server stopped waiting for.
    pub forgiven: u64,
}

// ---------------------------------------------------------------------------
// The server

/// What the client sent to upgrade.
#[derive(Debug, Clone)]
pub struct Upgrade {
    /// The request target (`/ari/events?app=...`).
    pub target: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Sec-WebSocket-Protocol` header.
    pub subprotocol: Option<String>,
}

/// What the REST answers say: which calls of the plan being sent live
/// (calls `[destroyed, started)`), which applications have an events
/// websocket, and the server's entity id.
#[derive(Debug, Default)]
struct Liveness {
    started: AtomicUsize,
    destroyed: AtomicUsize,
    /// The plan last sent: its channel ids, and the channels it lists.
    plan: Mutex<Option<CallPlan>>,
    /// The applications of the accepted websockets (`?app=a,b`).
    apps: Mutex<Vec<String>>,
    entity_id: String,
}

impl Liveness {
    fn plan(&self) -> Option<CallPlan> {
        self.plan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn live_calls(&self) -> std::ops::Range<usize> {
        self.destroyed.load(Ordering::Acquire)..self.started.load(Ordering::Acquire)
    }

    fn registered(&self, app: &str) -> bool {
        self.apps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .any(|known| known == app)
    }
}

/// The server: a listener on `127.0.0.1:0` that hands out each accepted
/// `/ari/events` websocket ([`next_socket`](Self::next_socket)) and answers
/// everything else itself. Stops when dropped.
#[derive(Debug)]
pub struct FrameServer {
    addr: SocketAddr,
    app: String,
    sockets: mpsc::UnboundedReceiver<EventSocket>,
    accept: JoinHandle<()>,
}

impl Drop for FrameServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl FrameServer {
    /// Binds `127.0.0.1:0` and starts accepting, on the current runtime.
    pub async fn start(app: &str) -> Result<FrameServer, FrameServerError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (sender, sockets) = mpsc::unbounded_channel();
        // Asterisk's entity id is a MAC address; the port makes it unique
        // among the servers of one run.
        let port = addr.port();
        let liveness = Arc::new(Liveness {
            entity_id: format!("02:00:00:00:{:02x}:{:02x}", port >> 8, port & 0xff),
            ..Liveness::default()
        });
        let accept = tokio::spawn(accept_loop(listener, sender, liveness));
        Ok(FrameServer {
            addr,
            app: app.to_owned(),
            sockets,
            accept,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The application name given at start.
    pub fn app(&self) -> &str {
        &self.app
    }

    /// A client config for this server and application.
    pub fn config(&self) -> Result<ari_sdk::Config, FrameServerError> {
        Ok(ari_sdk::Config::builder()
            .url(format!("http://{}/ari", self.addr))
            .username(USERNAME)
            .password(PASSWORD)
            .application(&self.app)
            .version_check(false)
            .build()?)
    }

    /// An Asterisk 20 API on this server, made without `Ari::connect` (so
    /// without the version check's request).
    pub fn ari(&self) -> Result<ari_sdk::v20::Ari, FrameServerError> {
        Ok(ari_sdk::v20::Ari::new(ari_sdk::Client::new(
            self.config()?,
        )?))
    }

    /// The `Authorization` header value the built clients send.
    pub fn authorization(&self) -> String {
        use base64::Engine as _;
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"));
        format!("Basic {token}")
    }

    /// The events websocket URL for this server and application.
    pub fn events_url(&self) -> String {
        format!("ws://{}/ari/events?app={}", self.addr, self.app)
    }

    /// The next accepted websocket, waiting at most `timeout`.
    pub async fn next_socket(
        &mut self,
        timeout: Duration,
    ) -> Result<EventSocket, FrameServerError> {
        match tokio::time::timeout(timeout, self.sockets.recv()).await {
            Ok(Some(socket)) => Ok(socket),
            Ok(None) => Err(FrameServerError::Stopped),
            Err(_) => Err(FrameServerError::NoClient(timeout)),
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    sockets: mpsc::UnboundedSender<EventSocket>,
    liveness: Arc<Liveness>,
) {
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(error) => {
                // Out of descriptors, most likely: wait, do not spin.
                tracing::debug!(%error, "frame server: accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let sockets = sockets.clone();
        let liveness = Arc::clone(&liveness);
        tokio::spawn(async move {
            if let Err(error) = serve_connection(tcp, sockets, liveness).await {
                tracing::debug!(%error, "frame server: connection ended");
            }
        });
    }
}

/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// Reads one request head; `None` at a clean end of stream. Returns the
/// head's length and the buffer (which may hold more).
async fn read_head(tcp: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Option<usize>> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Some(end + 4));
        }
        if buffer.len() > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too large",
            ));
        }
        let mut chunk = [0u8; 4096];
        let read = tcp.read(&mut chunk).await?;
        if read == 0 {
            return if buffer.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

struct Head {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_head(bytes: &[u8]) -> io::Result<Head> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(bytes) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad request head",
            ))
        }
    }
    Ok(Head {
        method: request.method.unwrap_or("").to_owned(),
        path: request.path.unwrap_or("").to_owned(),
        headers: request
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
    })
}

async fn serve_connection(
    mut tcp: TcpStream,
    sockets: mpsc::UnboundedSender<EventSocket>,
    liveness: Arc<Liveness>,
) -> Result<(), FrameServerError> {
    let mut buffer = Vec::new();
    loop {
        let Some(head_len) = read_head(&mut tcp, &mut buffer).await? else {
            return Ok(());
        };
        let head = parse_head(&buffer[..head_len])?;
        buffer.drain(..head_len);
        let upgrade = head
            .header("upgrade")
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
        if upgrade {
            return upgrade_events(tcp, head, buffer, sockets, liveness).await;
        }
        // A plain request: skip its body, answer, keep the connection.
        let body_len: usize = head
            .header("content-length")
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < body_len {
            let mut chunk = [0u8; 4096];
            let read = tcp.read(&mut chunk).await?;
            if read == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..read]);
        }
        buffer.drain(..body_len);
        let (status, body) = answer_rest(&head, &liveness);
        let response = format!(
            "HTTP/1.1 {status}\r\nServer: Asterisk/20.20.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        tcp.write_all(response.as_bytes()).await?;
    }
}

fn answer_rest(head: &Head, liveness: &Liveness) -> (&'static str, String) {
    const NOT_FOUND: &str = "404 Not Found";
    let path = head.path.split('?').next().unwrap_or("");
    if head.method == "GET" {
        match path {
            // What a proxy reads at start: the entity id and the version.
            "/ari/asterisk/info" => return ("200 OK", asterisk_info(&liveness.entity_id)),
            // The reconciliation's listings: the plan's live calls, no
            // bridge.
            "/ari/channels" => return ("200 OK", list_channels(liveness)),
            "/ari/bridges" => return ("200 OK", "[]".to_owned()),
            _ => {}
        }
        if let Some(id) = path.strip_prefix("/ari/channels/") {
            let live = liveness.live_calls();
            let alive = match liveness.plan() {
                Some(plan) => plan.call_of(id),
                None => call_of(id),
            }
            .is_some_and(|call| live.contains(&call));
            return if alive {
                ("200 OK", format!(r#"{{"id":"{id}","state":"Up"}}"#))
            } else {
                (NOT_FOUND, r#"{"message":"Channel not found"}"#.to_owned())
            };
        }
        // A proxy waits for its applications to be registered.
        if let Some(name) = path.strip_prefix("/ari/applications/") {
            let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            return if liveness.registered(&name) {
                ("200 OK", application(&name))
            } else {
                (
                    NOT_FOUND,
                    r#"{"message":"Application not found"}"#.to_owned(),
                )
            };
        }
    }
    (NOT_FOUND, r#"{"message":"Resource not found"}"#.to_owned())
}

/// `GET /asterisk/info` in Asterisk's shape (build, system, config,
/// status), as an Asterisk 20 would answer.
fn asterisk_info(entity_id: &str) -> String {
    serde_json::json!({
        "build": {
            "os": "Linux",
            "kernel": "6.1.0",
            "machine": "x86_64",
            "options": "",
            "date": "2025-11-20 10:00:00 UTC",
            "user": "load",
        },
        "system": {"version": "20.20.1", "entity_id": entity_id},
        "config": {
            "name": "",
            "default_language": "en",
            "setid": {"user": "", "group": ""},
        },
        "status": {
            "startup_time": "2025-11-22T18:00:00.000+0000",
            "last_reload_time": "2025-11-22T18:00:00.000+0000",
        },
    })
    .to_string()
}

/// `GET /applications/{name}` of an application with no subscription.
fn application(name: &str) -> String {
    serde_json::json!({
        "name": name,
        "channel_ids": [],
        "bridge_ids": [],
        "endpoint_ids": [],
        "device_names": [],
        "events_allowed": [],
        "events_disallowed": [],
    })
    .to_string()
}

/// `GET /channels`: every live call of the plan being sent.
fn list_channels(liveness: &Liveness) -> String {
    let Some(plan) = liveness.plan() else {
        return "[]".to_owned();
    };
    let channels: Vec<serde_json::Value> = liveness
        .live_calls()
        .filter_map(|call| plan.listed_channel(call))
        .collect();
    serde_json::Value::Array(channels).to_string()
}

async fn upgrade_events(
    mut tcp: TcpStream,
    head: Head,
    rest: Vec<u8>,
    sockets: mpsc::UnboundedSender<EventSocket>,
    liveness: Arc<Liveness>,
) -> Result<(), FrameServerError> {
    let path = head.path.split('?').next().unwrap_or("");
    let authorization = head.header("authorization").map(str::to_owned);
    let refuse = |status: &str, message: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{message}",
            message.len()
        )
    };
    if path != "/ari/events" {
        let answer = refuse("404 Not Found", r#"{"message":"Resource not found"}"#);
        tcp.write_all(answer.as_bytes()).await?;
        return Ok(());
    }
    let basic = authorization
        .as_deref()
        .is_some_and(|a| a.len() > 6 && a[..6].eq_ignore_ascii_case("basic "));
    let Some(key) = head.header("sec-websocket-key").filter(|_| basic) else {
        let answer = refuse(
            "401 Unauthorized",
            r#"{"message":"Authentication required"}"#,
        );
        tcp.write_all(answer.as_bytes()).await?;
        return Ok(());
    };
    let subprotocol = head.header("sec-websocket-protocol").map(str::to_owned);
    // Like Asterisk: `ari` only when the client asked for it.
    let wants_ari = subprotocol
        .as_deref()
        .is_some_and(|p| p.split(',').any(|p| p.trim() == "ari"));
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
        derive_accept_key(key.trim().as_bytes())
    );
    if wants_ari {
        response.push_str("Sec-WebSocket-Protocol: ari\r\n");
    }
    // Registered before the 101 goes out: a client asking right after the
    // upgrade (a proxy waiting for its applications) finds them.
    let query = head.path.split_once('?').map_or("", |(_, query)| query);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name == "app" {
            let mut apps = liveness
                .apps
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for app in value.split(',').filter(|app| !app.is_empty()) {
                if !apps.iter().any(|known| known == app) {
                    apps.push(app.to_owned());
                }
            }
        }
    }
    response.push_str("\r\n");
    tcp.write_all(response.as_bytes()).await?;
    let ws = WebSocketStream::from_partially_read(tcp, rest, Role::Server, None).await;
    let socket = EventSocket {
        ws,
        upgrade: Upgrade {
            target: head.path.clone(),
            authorization,
            subprotocol,
        },
        liveness,
    };
    sockets
        .send(socket)
        .map_err(|_| FrameServerError::Stopped)?;
    Ok(())
}

/// One accepted `/ari/events` websocket.
#[derive(Debug)]
pub struct EventSocket {
    ws: WebSocketStream<TcpStream>,
    upgrade: Upgrade,
    liveness: Arc<Liveness>,
}

impl EventSocket {
    /// What the client sent to upgrade.
    pub fn upgrade(&self) -> &Upgrade {
        &self.upgrade
    }

    /// Sends `plan` the way `delivery` says. Calls become live (for the
    /// REST answers) as their `StasisStart` is sent and gone with their
    /// `ChannelDestroyed`.
    pub async fn send_plan(
        &mut self,
        plan: &CallPlan,
        delivery: &Delivery,
    ) -> Result<SendReport, FrameServerError> {
        let liveness = Arc::clone(&self.liveness);
        *liveness
            .plan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(plan.clone());
        let end_start = plan.phase_start(Phase::End);
        let mark = |index: usize| {
            if index < plan.calls() {
                liveness.started.store(index + 1, Ordering::Release);
            } else if index >= end_start && !(index - end_start).is_multiple_of(2) {
                liveness
                    .destroyed
                    .store((index - end_start) / 2 + 1, Ordering::Release);
            }
        };
        match delivery {
            Delivery::Burst => {
                let started = Instant::now();
                for index in 0..plan.len() {
                    self.ws.feed(Message::text(plan.frame(index))).await?;
                    mark(index);
                }
                self.ws.flush().await?;
                Ok(SendReport {
                    frames: plan.len(),
                    elapsed: started.elapsed(),
                    ..SendReport::default()
                })
            }
            Delivery::Paced { batch, pacer } => {
                let batch = (*batch).max(1);
                let started = Instant::now();
                let mut report = SendReport::default();
                let mut index = 0;
                while index < plan.len() {
                    self.wait_for_pacer(pacer, index as u64, &mut report)
                        .await?;
                    let end = (index + batch).min(plan.len());
                    // A hold point inside the batch cuts it short.
                    let hold = pacer.state.hold_at.load(Ordering::Acquire);
                    let end = if (index as u64) < hold && hold < end as u64 {
                        hold as usize
                    } else {
                        end
                    };
                    for i in index..end {
                        self.ws.feed(Message::text(plan.frame(i))).await?;
                        mark(i);
                    }
                    self.ws.flush().await?;
                    index = end;
                }
                report.frames = plan.len();
                report.elapsed = started.elapsed();
                Ok(report)
            }
        }
    }

    /// Waits until the pacer saw everything sent (`sent` frames, less what
    /// was forgiven) and frame `sent` is not held; reads the socket
    /// meanwhile so pings get their pongs.
    async fn wait_for_pacer(
        &mut self,
        pacer: &Pacer,
        sent: u64,
        report: &mut SendReport,
    ) -> Result<(), FrameServerError> {
        let mut deadline = tokio::time::Instant::now() + pacer.stall;
        loop {
            let notified = pacer.state.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wanted = sent.saturating_sub(report.forgiven);
            pacer.state.target.store(wanted, Ordering::SeqCst);
            let seen = pacer.seen();
            let held = pacer.held(sent);
            if seen >= wanted && !held {
                return Ok(());
            }
            tokio::select! {
                _ = &mut notified => {}
                message = self.ws.next() => match message {
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Err(error.into()),
                    None => return Err(FrameServerError::Stopped),
                },
                _ = tokio::time::sleep_until(deadline) => {
                    if seen < wanted {
                        // Lost frames: stop waiting for them.
                        report.stalls += 1;
                        report.forgiven += wanted - seen;
                    }
                    // A hold is never forgiven: wait on for the release.
                    deadline = tokio::time::Instant::now() + pacer.stall;
                }
            }
        }
    }

    /// Sends `frames` as fast as the socket takes them (burst). Frames made
    /// beforehand as [`Utf8Bytes`] cost no copy per send.
    pub async fn send_frames<I>(&mut self, frames: I) -> Result<SendReport, FrameServerError>
    where
        I: IntoIterator,
        I::Item: Into<Utf8Bytes>,
    {
        let started = Instant::now();
        let mut count = 0;
        for frame in frames {
            self.ws.feed(Message::Text(frame.into())).await?;
            count += 1;
        }
        self.ws.flush().await?;
        Ok(SendReport {
            frames: count,
            elapsed: started.elapsed(),
            ..SendReport::default()
        })
    }

    /// Keeps the socket open (answering pings) until the client closes it
    /// or the returned task is aborted.
    pub fn keep_open(mut self) -> JoinHandle<()> {
        tokio::spawn(async move { while let Some(Ok(_)) = self.ws.next().await {} })
    }

    /// Closes the socket with a close frame.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames() -> CallFrames {
        CallFrames::load().expect("the captures hold a full call")
    }

    #[test]
    fn channel_ids_round_trip() {
        for call in [0, 1, 9, 10, 12345, 99_999] {
            assert_eq!(call_of(&channel_id(call)), Some(call));
        }
        assert_eq!(call_of("1763834544.01"), None);
        assert_eq!(call_of("other.1"), None);
        assert_eq!(call_of("1763834544."), None);
    }

    #[test]
    fn templates_keep_the_captured_bytes_but_the_ids() {
        let frames = frames();
        assert_eq!(
            frames.type_names(),
            [
                "StasisStart",
                "ChannelDtmfReceived",
                "ChannelVarset",
                "ChannelStateChange",
                "ChannelDialplan",
                "StasisEnd",
                "ChannelDestroyed"
            ]
        );
        let start = frames.start(42, "load-app");
        assert!(
            start.starts_with(r#"{"type":"StasisStart","timestamp":""#),
            "{start}"
        );
        assert!(
            start.contains(r#""id":"1763834544.42","name":"Local/load@test-0000002a;1""#),
            "{start}"
        );
        assert!(start.contains(r#""application":"load-app""#), "{start}");
        // Key order as captured: ChannelVarset starts with its variable.
        let varset = frames.mid(7, 1, "a");
        assert!(varset.starts_with(r#"{"variable":"#), "{varset}");
        // Valid JSON, nothing of the captured channel left.
        for frame in [
            start,
            varset,
            frames.stasis_end(3, "a"),
            frames.destroyed(3, "a"),
        ] {
            let value: serde_json::Value = serde_json::from_str(&frame).expect("JSON");
            assert!(value["channel"]["id"]
                .as_str()
                .unwrap()
                .starts_with(ID_EPOCH));
            assert!(!frame.contains("capture-app"), "{frame}");
        }
    }

    #[test]
    fn plans_lay_out_three_phases() {
        let plan = CallPlan::new(&frames(), 3, "p");
        assert_eq!(plan.len(), 21);
        let types: Vec<(String, String)> = plan
            .frames()
            .map(|f| {
                let v: serde_json::Value = serde_json::from_str(&f).unwrap();
                (
                    v["type"].as_str().unwrap().to_owned(),
                    v["channel"]["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(types[0], ("StasisStart".into(), channel_id(0)));
        assert_eq!(types[2], ("StasisStart".into(), channel_id(2)));
        assert_eq!(types[3], ("ChannelDtmfReceived".into(), channel_id(0)));
        assert_eq!(types[14], ("ChannelDialplan".into(), channel_id(2)));
        assert_eq!(types[15], ("StasisEnd".into(), channel_id(0)));
        assert_eq!(types[16], ("ChannelDestroyed".into(), channel_id(0)));
        assert_eq!(types[20], ("ChannelDestroyed".into(), channel_id(2)));
        assert_eq!(plan.locate(14), (Phase::Mid, 2));
        assert_eq!(plan.locate(20), (Phase::End, 2));
        assert_eq!(plan.phase_start(Phase::End), 15);
    }

    #[test]
    fn prefixed_plans_have_ids_of_their_own() {
        let frames = frames();
        let plain = CallPlan::new(&frames, 2, "p");
        let node = CallPlan::new(&frames, 2, "p").with_id_prefix("node-2-");
        assert_eq!(plain.frame(0), frames.start(0, "p"));
        assert_eq!(node.channel_id(1), "node-2-1763834544.1");
        let start: serde_json::Value = serde_json::from_str(&node.frame(1)).unwrap();
        assert_eq!(start["channel"]["id"], "node-2-1763834544.1");
        let end: serde_json::Value = serde_json::from_str(&node.frame(13)).unwrap();
        assert_eq!(end["type"], "ChannelDestroyed");
        assert_eq!(end["channel"]["id"], "node-2-1763834544.1");
        assert_eq!(node.call_of("node-2-1763834544.1"), Some(1));
        assert_eq!(node.call_of("1763834544.1"), None);
        assert_eq!(node.call_of("node-2-1763834544.2"), None, "beyond the plan");
        assert_eq!(call_of_prefixed("node-2-", &node.channel_id(0)), Some(0));
    }

    fn get(path: &str) -> Head {
        Head {
            method: "GET".into(),
            path: path.into(),
            headers: Vec::new(),
        }
    }

    #[test]
    fn rest_answers_serve_a_proxy_and_the_reconciliation() {
        let liveness = Liveness {
            entity_id: "02:00:00:00:00:07".into(),
            ..Liveness::default()
        };
        let (status, info) = answer_rest(&get("/ari/asterisk/info"), &liveness);
        assert_eq!(status, "200 OK");
        let info: serde_json::Value = serde_json::from_str(&info).unwrap();
        assert_eq!(info["system"]["entity_id"], "02:00:00:00:00:07");
        assert_eq!(info["system"]["version"], "20.20.1");

        assert_eq!(
            answer_rest(&get("/ari/applications/app"), &liveness).0,
            "404 Not Found"
        );
        liveness.apps.lock().unwrap().push("app".into());
        assert_eq!(
            answer_rest(&get("/ari/applications/app"), &liveness).0,
            "200 OK"
        );
        assert_eq!(
            answer_rest(&get("/ari/channels"), &liveness),
            ("200 OK", "[]".to_owned())
        );
        assert_eq!(
            answer_rest(&get("/ari/bridges"), &liveness),
            ("200 OK", "[]".to_owned())
        );

        // Calls 1 and 2 of 4 live: listed, in the application.
        let plan = CallPlan::new(&frames(), 4, "app").with_id_prefix("node-1-");
        *liveness.plan.lock().unwrap() = Some(plan);
        liveness.started.store(3, Ordering::Release);
        liveness.destroyed.store(1, Ordering::Release);
        let (status, listed) = answer_rest(&get("/ari/channels"), &liveness);
        assert_eq!(status, "200 OK");
        let listed: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
        let ids: Vec<&str> = listed.iter().filter_map(|c| c["id"].as_str()).collect();
        assert_eq!(ids, ["node-1-1763834544.1", "node-1-1763834544.2"]);
        assert_eq!(listed[0]["dialplan"]["app_name"], "Stasis");
        assert!(listed[0]["dialplan"]["app_data"]
            .as_str()
            .unwrap()
            .starts_with("app"));
        assert_eq!(
            answer_rest(&get("/ari/channels/node-1-1763834544.2"), &liveness).0,
            "200 OK"
        );
        assert_eq!(
            answer_rest(&get("/ari/channels/node-1-1763834544.0"), &liveness).0,
            "404 Not Found"
        );
        assert_eq!(
            answer_rest(&get("/ari/channels/1763834544.2"), &liveness).0,
            "404 Not Found"
        );
    }
}
