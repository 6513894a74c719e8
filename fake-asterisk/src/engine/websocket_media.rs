//! chan_websocket's server side: an `externalMedia` channel with
//! `transport=websocket`, `connection_type=server` waits for the
//! application on `/media/<connection id>`, then says `MEDIA_START`,
//! answers (unless `n`) and enters Stasis; audio goes out one frame per
//! ptime (scaled by the clock), the application's audio is queued and
//! played at the same pace, with `MEDIA_XOFF` at 900 queued frames and
//! `MEDIA_XON` under 800, and the commands are answered as chan_websocket
//! answers them, in the channel's control format, as the emulated
//! release's chan_websocket does (see `chan_websocket_release`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures::{Sink, SinkExt, Stream, StreamExt};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use crate::engine::calls;
use crate::engine::chan_websocket_release::ChanWebsocket;
use crate::model::ChanState;
use crate::world::{Inner, World};

/// chan_websocket's queue levels (frames).
const QUEUE_LENGTH_MAX: usize = 1000;
const QUEUE_LENGTH_XOFF_LEVEL: usize = 900;
const QUEUE_LENGTH_XON_LEVEL: usize = 800;
/// Longer text messages are ignored.
const MAX_TEXT_MESSAGE_LEN: usize = 128;

/// What the application's connection to a media channel has done, for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaRecord {
    /// Audio frames from the application that were queued.
    pub frames_received: u64,
    /// Their bytes.
    pub bytes_received: u64,
    /// Audio frames from the application dropped (queue at its maximum,
    /// or media direction `in`).
    pub frames_dropped: u64,
    /// Queued frames played out (taken off the queue at ptime pace).
    pub frames_played: u64,
    /// Their bytes.
    pub bytes_played: u64,
    /// Audio frames sent to the application.
    pub frames_sent: u64,
    /// The commands received, by name, in order.
    pub commands: Vec<String>,
    /// Whether an application is connected now.
    pub connected: bool,
}

/// A media channel waiting for, or served by, a websocket.
#[derive(Debug)]
pub(crate) struct MediaLink {
    /// The `MEDIA_WEBSOCKET_CONNECTION_ID`: a UUID for `server`, the
    /// `websocket_client` id for `client` (shared by its channels, so the
    /// links are keyed apart).
    pub connection_id: String,
    pub channel_id: String,
    pub app: String,
    pub args: Vec<String>,
    pub json: bool,
    pub no_auto_answer: bool,
    /// From the application's side: `both`, `out` or `in`.
    pub direction: String,
    pub format: String,
    pub frame_size: usize,
    pub ptime: u64,
    pub record: MediaRecord,
    /// Messages for the connected session.
    pub ctl: Option<mpsc::UnboundedSender<MediaCtl>>,
    /// The dial string after `WebSocket/`, for the `Dial` events.
    pub dialstring: String,
    /// What the emulated release's chan_websocket has.
    pub release: ChanWebsocket,
}

/// A websocket message as a media session sees it, whichever side opened
/// the connection (the application on `/media/<id>`, or the fake dialling
/// a `websocket_client` for `connection_type=client`).
#[derive(Debug)]
pub(crate) enum Wire {
    Text(String),
    Binary(Vec<u8>),
    /// A close frame with this code.
    Close(u16),
    /// The connection failed or ended without a close.
    Gone,
    /// Pings and pongs (answered by the websocket layer).
    Other,
}

/// An axum message (the application connected to `/media/<id>`) as a [`Wire`].
pub(crate) fn wire_from_axum(message: Result<Message, axum::Error>) -> Wire {
    match message {
        Ok(Message::Text(text)) => Wire::Text(text.as_str().to_owned()),
        Ok(Message::Binary(data)) => Wire::Binary(data.to_vec()),
        Ok(Message::Close(frame)) => Wire::Close(frame.map_or(1005, |f| f.code)),
        Ok(_) => Wire::Other,
        Err(_) => Wire::Gone,
    }
}

/// A [`Wire`] to send as an axum message.
pub(crate) fn wire_to_axum(wire: Wire) -> Message {
    match wire {
        Wire::Text(text) => Message::Text(text.into()),
        Wire::Binary(data) => Message::Binary(data.into()),
        Wire::Close(code) => Message::Close(Some(CloseFrame {
            code,
            reason: "".into(),
        })),
        Wire::Gone | Wire::Other => Message::Ping(Vec::new().into()),
    }
}

/// What the world tells a connected session.
#[derive(Debug)]
pub(crate) enum MediaCtl {
    /// A DTMF digit from the channel's other side.
    Dtmf(char),
    /// A text message to send as is (tests).
    Text(String),
}

/// `optimal_frame_size` for 20 ms of a format, as chan_websocket computes
/// it (0: a codec without a fixed frame size, passed through as is).
pub(crate) fn frame_size(format: &str) -> usize {
    match format {
        "ulaw" | "alaw" | "g722" | "testlaw" => 160,
        "gsm" => 33,
        "slin" => 320,
        "slin12" => 480,
        "slin16" => 640,
        "slin24" => 960,
        "slin32" => 1280,
        "slin44" => 1764,
        "slin48" => 1920,
        "slin96" => 3840,
        "slin192" => 7680,
        _ => 0,
    }
}

/// The options of a `WebSocket/...` dial string's option part
/// (`c(codec)`, `n`, `f(format)`, `d(direction)`, `p`, `v(...)`).
pub(crate) struct DialOptions {
    pub json: Option<bool>,
    pub no_auto_answer: bool,
    pub direction: Option<String>,
    /// `v(a=1,b=2)`: query parameters added to a client connection's URI
    /// (the commas become `&`).
    pub uri_params: Option<String>,
}

pub(crate) fn parse_options(options: &str) -> DialOptions {
    let mut parsed = DialOptions {
        json: None,
        no_auto_answer: false,
        direction: None,
        uri_params: None,
    };
    let mut rest = options;
    while let Some(flag) = rest.chars().next() {
        rest = &rest[flag.len_utf8()..];
        let arg = if rest.starts_with('(') {
            let end = rest.find(')').unwrap_or(rest.len());
            let arg = &rest[1..end];
            rest = rest.get(end + 1..).unwrap_or("");
            Some(arg)
        } else {
            None
        };
        match (flag, arg) {
            ('n', _) => parsed.no_auto_answer = true,
            ('f', Some(format)) => parsed.json = Some(format == "json"),
            ('d', Some(direction)) => parsed.direction = Some(direction.to_string()),
            ('v', Some(params)) => parsed.uri_params = Some(params.replace(',', "&")),
            _ => {}
        }
    }
    parsed
}

/// The session's state, chan_websocket's `websocket_pvt`.
struct Pvt {
    connection_id: String,
    channel_id: String,
    channel_name: String,
    json: bool,
    direction: String,
    frame_size: usize,
    queue: VecDeque<Queued>,
    queue_length: usize,
    queue_full: bool,
    queue_paused: bool,
    bulk: bool,
    leftover: Vec<u8>,
    report_drained: bool,
    release: ChanWebsocket,
}

enum Queued {
    Audio(usize),
    /// An event sent when the queue reaches it (marks, buffering completed).
    Option(String),
}

impl Pvt {
    /// An event in the channel's format: `name`, then its fields, the
    /// plain-text rendering being given (it differs per event).
    fn event(&self, name: &str, fields: Map<String, Value>, plain: String) -> String {
        if self.json {
            let mut object = Map::new();
            object.insert("event".into(), json!(name));
            object.insert("channel_id".into(), json!(self.channel_id));
            object.extend(fields);
            Value::Object(object).to_string()
        } else {
            plain
        }
    }

    fn bare(&self, name: &str) -> String {
        self.event(name, Map::new(), name.to_string())
    }

    /// `ERROR`, from the releases that send it.
    fn error(&self, text: &str) -> Option<String> {
        if !self.release.json_and_marks {
            return None;
        }
        let mut fields = Map::new();
        fields.insert("error_text".into(), json!(text));
        Some(self.event(
            "ERROR",
            fields,
            format!("ERROR channel_id:{} error_text:{text}", self.channel_id),
        ))
    }

    /// ` channel_id:<id>` in plain text, from the releases that send it.
    fn plain_channel_id(&self) -> String {
        if self.release.channel_id {
            format!(" channel_id:{}", self.channel_id)
        } else {
            String::new()
        }
    }

    fn with_id(&self, name: &str, id: Option<&str>) -> String {
        let mut fields = Map::new();
        fields.insert("correlation_id".into(), json!(id.unwrap_or("")));
        let plain = match id {
            Some(id) if !id.is_empty() => format!("{name} {id}"),
            _ => name.to_string(),
        };
        self.event(name, fields, plain)
    }

    fn status(&self) -> String {
        let mut fields = Map::new();
        fields.insert("queue_length".into(), json!(self.queue_length));
        fields.insert("xon_level".into(), json!(QUEUE_LENGTH_XON_LEVEL));
        fields.insert("xoff_level".into(), json!(QUEUE_LENGTH_XOFF_LEVEL));
        fields.insert("queue_full".into(), json!(self.queue_full));
        fields.insert("bulk_media".into(), json!(self.bulk));
        fields.insert("media_paused".into(), json!(self.queue_paused));
        let plain = format!(
            "STATUS{} queue_length:{} xon_level:{QUEUE_LENGTH_XON_LEVEL} \
             xoff_level:{QUEUE_LENGTH_XOFF_LEVEL} queue_full:{} bulk_media:{} media_paused:{}",
            self.plain_channel_id(),
            self.queue_length,
            self.queue_full,
            self.bulk,
            self.queue_paused
        );
        self.event("STATUS", fields, plain)
    }

    fn media_start(&self, format: &str, ptime: u64, vars: Value) -> String {
        let mut fields = Map::new();
        fields.insert("connection_id".into(), json!(self.connection_id));
        fields.insert("channel".into(), json!(self.channel_name));
        fields.insert("channel_id".into(), json!(self.channel_id));
        fields.insert("format".into(), json!(format));
        fields.insert("optimal_frame_size".into(), json!(self.frame_size));
        fields.insert("ptime".into(), json!(ptime));
        fields.insert("channel_variables".into(), vars);
        let plain = format!(
            "MEDIA_START connection_id:{} channel:{}{} format:{format} \
             optimal_frame_size:{} ptime:{ptime}",
            self.connection_id,
            self.channel_name,
            self.plain_channel_id(),
            self.frame_size
        );
        if self.json {
            let mut object = Map::new();
            object.insert("event".into(), json!("MEDIA_START"));
            object.extend(fields);
            Value::Object(object).to_string()
        } else {
            plain
        }
    }

    /// Queues one frame of the application's audio; an XOFF to send, if
    /// the queue has just become full.
    fn queue_audio(&mut self, len: usize, record: &mut MediaRecord) -> Option<String> {
        self.queue.push_back(Queued::Audio(len));
        self.queue_length += 1;
        record.frames_received += 1;
        record.bytes_received += len as u64;
        if !self.queue_full && self.queue_length >= QUEUE_LENGTH_XOFF_LEVEL {
            self.queue_full = true;
            return Some(self.bare("MEDIA_XOFF"));
        }
        None
    }

    /// A binary message from the application, cut into frames as
    /// chan_websocket cuts it.
    fn binary(&mut self, data: &[u8], record: &mut MediaRecord, out: &mut Vec<String>) {
        if self.queue_length >= QUEUE_LENGTH_MAX || self.direction == "in" {
            record.frames_dropped += 1;
            return;
        }
        if self.frame_size == 0 {
            out.extend(self.queue_audio(data.len(), record));
            return;
        }
        let mut data = data;
        if self.bulk && !self.leftover.is_empty() {
            let needed = self.frame_size - self.leftover.len();
            let take = needed.min(data.len());
            self.leftover.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.leftover.len() < self.frame_size {
                return;
            }
            self.leftover.clear();
            out.extend(self.queue_audio(self.frame_size, record));
        }
        if !self.bulk {
            self.leftover.clear();
        }
        let mut chunks = data.chunks_exact(self.frame_size);
        for _ in chunks.by_ref() {
            out.extend(self.queue_audio(self.frame_size, record));
        }
        if self.bulk {
            self.leftover.extend_from_slice(chunks.remainder());
        }
    }

    /// One tick of the channel timer: what chan_websocket's dequeue does.
    fn dequeue(&mut self, record: &mut MediaRecord, out: &mut Vec<String>) {
        if self.queue_paused {
            return;
        }
        if self.queue_full && self.queue_length < QUEUE_LENGTH_XON_LEVEL {
            self.queue_full = false;
            out.push(self.bare("MEDIA_XON"));
        }
        if self.queue.is_empty() {
            if std::mem::take(&mut self.report_drained) {
                out.push(self.bare("QUEUE_DRAINED"));
            }
            return;
        }
        while let Some(item) = self.queue.pop_front() {
            match item {
                Queued::Option(text) => out.push(text),
                Queued::Audio(len) => {
                    self.queue_length -= 1;
                    record.frames_played += 1;
                    record.bytes_played += len as u64;
                    break;
                }
            }
        }
    }

    /// A command; what to send back, and whether to answer or hang up.
    fn command(&mut self, text: &str, record: &mut MediaRecord, out: &mut Vec<String>) -> Action {
        let (command, data, json) = if self.json {
            match serde_json::from_str::<Value>(text) {
                Ok(value) => {
                    let command = value
                        .get("command")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    (command, None, Some(value))
                }
                Err(_) => {
                    out.extend(self.error("Unable to parse JSON command"));
                    return Action::None;
                }
            }
        } else {
            match text.split_once(' ') {
                Some((command, data)) => (command.to_string(), Some(data.to_string()), None),
                None => (text.to_string(), None, None),
            }
        };
        let id = match &json {
            Some(value) => value
                .get("correlation_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            None => data,
        };
        record.commands.push(command.clone());
        let needs_media_in = [
            "START_MEDIA_BUFFERING",
            "STOP_MEDIA_BUFFERING",
            "MARK_MEDIA",
            "PAUSE_MEDIA",
            "CONTINUE_MEDIA",
        ];
        if self.direction == "in" && needs_media_in.contains(&command.as_str()) {
            out.extend(self.error(&format!(
                "{command} not supported while media direction is 'in'"
            )));
            return Action::None;
        }
        // What the release does not know is logged as unknown and ignored.
        let known = match command.as_str() {
            "REPORT_QUEUE_DRAINED" | "PAUSE_MEDIA" | "CONTINUE_MEDIA" => {
                self.release.whole_commands
            }
            "MARK_MEDIA" => self.release.json_and_marks,
            "SET_MEDIA_DIRECTION" => self.release.media_direction,
            _ => true,
        };
        if !known {
            return Action::None;
        }
        match command.as_str() {
            "ANSWER" => return Action::Answer,
            "HANGUP" => return Action::Hangup,
            "START_MEDIA_BUFFERING" => self.bulk = true,
            "STOP_MEDIA_BUFFERING" => {
                self.bulk = false;
                if !self.leftover.is_empty() {
                    let len = std::mem::take(&mut self.leftover).len();
                    out.extend(self.queue_audio(len, record));
                }
                let event = self.with_id("MEDIA_BUFFERING_COMPLETED", id.as_deref());
                self.queue.push_back(Queued::Option(event));
            }
            "MARK_MEDIA" => {
                let event = self.with_id("MEDIA_MARK_PROCESSED", id.as_deref());
                self.queue.push_back(Queued::Option(event));
            }
            "FLUSH_MEDIA" => {
                self.queue.clear();
                self.queue_length = 0;
                self.bulk = false;
                self.leftover.clear();
            }
            "REPORT_QUEUE_DRAINED" => self.report_drained = true,
            "GET_STATUS" => out.push(self.status()),
            "PAUSE_MEDIA" => self.queue_paused = true,
            "CONTINUE_MEDIA" => self.queue_paused = false,
            "SET_MEDIA_DIRECTION" => {
                let direction = json
                    .as_ref()
                    .and_then(|v| v.get("direction"))
                    .and_then(Value::as_str);
                match (self.json, direction) {
                    (false, _) => {
                        out.extend(self.error(&format!("{command} only supports JSON format.\n")))
                    }
                    (true, None) => out.extend(
                        self.error(&format!("{command} requires a 'direction' parameter.\n")),
                    ),
                    (true, Some(d @ ("both" | "in" | "out"))) => self.direction = d.to_string(),
                    (true, Some(d)) => out.extend(
                        self.error(&format!("'{d}' is not a valid direction for {command}.\n")),
                    ),
                }
            }
            // chan_websocket logs an unknown command and goes on.
            _ => {}
        }
        Action::None
    }
}

enum Action {
    None,
    Answer,
    Hangup,
}

/// Why an upgrade to `/media/<id>` is refused: 404 or 409.
pub(crate) enum Refused {
    NotFound,
    Conflict,
}

/// Claims the link for a new connection (before the upgrade completes).
pub(crate) fn claim(
    inner: &Inner,
    connection_id: &str,
) -> Result<mpsc::UnboundedReceiver<MediaCtl>, Refused> {
    let mut w = inner.lock();
    let Some(link) = w.media_links.get_mut(connection_id) else {
        return Err(Refused::NotFound);
    };
    if link.ctl.is_some() {
        return Err(Refused::Conflict);
    }
    let (tx, rx) = mpsc::unbounded_channel();
    link.ctl = Some(tx);
    link.record.connected = true;
    Ok(rx)
}

/// Lets the link go when the upgrade failed.
pub(crate) fn release(inner: &Inner, connection_id: &str) {
    let mut w = inner.lock();
    if let Some(link) = w.media_links.get_mut(connection_id) {
        link.ctl = None;
        link.record.connected = false;
    }
}

/// Answers the channel and puts it into its application, once.
fn answer(inner: &Arc<Inner>, w: &mut World, connection_id: &str) {
    let Some(link) = w.media_links.get(connection_id) else {
        return;
    };
    let (id, app, args) = (link.channel_id.clone(), link.app.clone(), link.args.clone());
    let dialstring = link.dialstring.clone();
    let Some(channel) = w.channels.get(&id) else {
        return;
    };
    if channel.state == ChanState::Up || channel.hanging_up {
        return;
    }
    calls::answer(inner, w, &id);
    w.emit_dial(&id, "ANSWER", &dialstring);
    calls::start_in_stasis(w, &id, &app, args, 16);
}

/// Serves a connected media websocket until the channel hangs up or the
/// application goes.
pub(crate) async fn run<Si, St>(
    inner: Arc<Inner>,
    mut sink: Si,
    mut stream: St,
    connection_id: String,
    mut ctl: mpsc::UnboundedReceiver<MediaCtl>,
) where
    Si: Sink<Wire> + Unpin,
    St: Stream<Item = Wire> + Unpin,
{
    let setup = {
        let w = inner.lock();
        w.media_links.get(&connection_id).and_then(|link| {
            let channel = w.channels.get(&link.channel_id)?;
            let vars: Map<String, Value> = channel
                .vars
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            Some((
                Pvt {
                    connection_id: link.connection_id.clone(),
                    channel_id: link.channel_id.clone(),
                    channel_name: channel.name.clone(),
                    json: link.json,
                    direction: link.direction.clone(),
                    frame_size: link.frame_size,
                    queue: VecDeque::new(),
                    queue_length: 0,
                    queue_full: false,
                    queue_paused: false,
                    bulk: false,
                    leftover: Vec::new(),
                    report_drained: false,
                    release: link.release,
                },
                link.format.clone(),
                link.ptime,
                Value::Object(vars),
                link.no_auto_answer,
                channel.hangup_tx.subscribe(),
            ))
        })
    };
    let Some((mut pvt, format, ptime, vars, no_auto_answer, mut hungup)) = setup else {
        release(&inner, &connection_id);
        return;
    };
    let start = pvt.media_start(&format, ptime, vars);
    if sink.send(Wire::Text(start)).await.is_err() {
        hang_up(&inner, &pvt.channel_id);
        release(&inner, &connection_id);
        return;
    }
    if !no_auto_answer {
        let mut w = inner.lock();
        answer(&inner, &mut w, &connection_id);
    }
    let tick = inner.clock.scaled(ptime).max(Duration::from_micros(200));
    let mut timer = tokio::time::interval(tick);
    // A late tick is not made up for: a channel timer does not catch up.
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq: u64 = 0;
    let pattern = vec![0u8; pvt.frame_size.max(1)];
    loop {
        let mut out: Vec<String> = Vec::new();
        let mut audio: Option<Vec<u8>> = None;
        let mut action = Action::None;
        tokio::select! {
            changed = hungup.changed() => {
                if changed.is_err() || *hungup.borrow() {
                    let _ = sink.send(Wire::Close(1000)).await;
                    break;
                }
            }
            _ = timer.tick() => {
                let mut w = inner.lock();
                let Some(link) = w.media_links.get_mut(&connection_id) else { break };
                pvt.dequeue(&mut link.record, &mut out);
                if pvt.direction != "out" {
                    // The far side: a known pattern, each frame's bytes its sequence number.
                    let mut frame = pattern.clone();
                    frame.fill((seq % 256) as u8);
                    seq += 1;
                    link.record.frames_sent += 1;
                    audio = Some(frame);
                }
            }
            message = ctl.recv() => match message {
                Some(MediaCtl::Dtmf(digit)) => {
                    let mut fields = Map::new();
                    fields.insert("digit".into(), json!(digit.to_string()));
                    let plain = format!("DTMF_END digit:{digit}{}", pvt.plain_channel_id());
                    out.push(pvt.event("DTMF_END", fields, plain));
                }
                Some(MediaCtl::Text(text)) => out.push(text),
                None => break,
            },
            incoming = stream.next() => match incoming {
                Some(Wire::Binary(data)) => {
                    let mut w = inner.lock();
                    let Some(link) = w.media_links.get_mut(&connection_id) else { break };
                    pvt.binary(&data, &mut link.record, &mut out);
                }
                Some(Wire::Text(text)) => {
                    let text = text.trim();
                    if !text.is_empty() && text.len() <= MAX_TEXT_MESSAGE_LEN {
                        let mut w = inner.lock();
                        let Some(link) = w.media_links.get_mut(&connection_id) else { break };
                        action = pvt.command(text, &mut link.record, &mut out);
                    }
                }
                Some(Wire::Close(_) | Wire::Gone) | None => {
                    // The application went: the channel hangs up (normal clearing).
                    hang_up(&inner, &pvt.channel_id);
                    break;
                }
                Some(Wire::Other) => {}
            },
        }
        match action {
            Action::None => {}
            Action::Answer => {
                let mut w = inner.lock();
                answer(&inner, &mut w, &connection_id);
            }
            Action::Hangup => hang_up(&inner, &pvt.channel_id),
        }
        for text in out {
            if sink.send(Wire::Text(text)).await.is_err() {
                break;
            }
        }
        if let Some(frame) = audio {
            if sink.send(Wire::Binary(frame)).await.is_err() {
                hang_up(&inner, &pvt.channel_id);
                break;
            }
        }
    }
    release(&inner, &connection_id);
}

fn hang_up(inner: &Inner, channel_id: &str) {
    let mut w = inner.lock();
    calls::hangup(&mut w, channel_id, calls::Hangup::Remote(16));
}

/// Tells the session of channel `id`, if one is connected.
pub(crate) fn tell(w: &World, channel_id: &str, message: MediaCtl) -> bool {
    w.media_links
        .values()
        .find(|link| link.channel_id == channel_id)
        .and_then(|link| link.ctl.as_ref())
        .is_some_and(|ctl| ctl.send(message).is_ok())
}
