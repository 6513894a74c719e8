//! Media over websocket: the audio of a call as websocket frames
//! (Asterisk's `chan_websocket`, 20.16.0 / 22.6.0 / 23.0.0).
//!
//! An `externalMedia` channel with `transport=websocket`,
//! `encapsulation=none` and `connection_type=server` waits for the
//! application to connect to `/media/<connection id>` on Asterisk's HTTP
//! server, the id being the channel's `MEDIA_WEBSOCKET_CONNECTION_ID`.
//! [`MediaChannel`] is that connection: audio frames in
//! ([`MediaChannel::next`], a [`Stream`] of [`MediaItem`]),
//! audio frames out ([`MediaSender::send_audio`], which waits while Asterisk
//! said `MEDIA_XOFF`), typed [commands](MediaCommand) and
//! [events](MediaEvent), in the channel's [control format](ControlFormat).
//!
//! [`StasisApp::external_media`](crate::handles::StasisApp::external_media)
//! sets it up from an application: it creates the channel (staged, so its
//! events are followed from the start), connects, and gives both.
//!
//! Not every release has every command: [`MediaCommand::since`] gives the
//! first release of each line that has one, and a command the connected
//! Asterisk's release lacks is refused before it is sent
//! ([`MediaError::NotInRelease`]). The facts, from `chan_websocket.c` at
//! each release tag:
//!
//! | from | what came |
//! |---|---|
//! | 20.16.0, 21.11.0, 22.6.0, 23.0.0 | the media websocket, plain-text control only: `ANSWER`, `HANGUP`, `START_MEDIA_BUFFERING`, `STOP_MEDIA_BUFFERING`, `FLUSH_MEDIA`, `GET_STATUS`; events `MEDIA_START`, `MEDIA_XOFF`, `MEDIA_XON`, `QUEUE_DRAINED`, `STATUS`, `MEDIA_BUFFERING_COMPLETED`, `DTMF_END` |
//! | 20.17.0, 21.12.0, 22.7.0, 23.1.0 | `REPORT_QUEUE_DRAINED`, `PAUSE_MEDIA`, `CONTINUE_MEDIA` (named before, but only taken by chance) |
//! | 20.17.0, 22.7.0, 23.1.0 | `channel_id` in `MEDIA_START` ([`MediaStart::channel_id`] is empty before), `STATUS`, `DTMF_END` |
//! | 20.18.0, 22.8.0, 23.2.0 | the JSON control format (`f(json)`), `MARK_MEDIA` and its `MEDIA_MARK_PROCESSED`, the `ERROR` event |
//! | 20.19.0, 22.9.0, 23.3.0 | `SET_MEDIA_DIRECTION` (JSON only) |
//!
//! Line 21 ends with 21.12.x and never got the last three rows.
//!
//! The connection runs on its own task: a slow reader of audio never holds
//! the ARI event stream up, and waiting on XOFF holds up only the sender.

mod control;
mod queue;
mod releases;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt as _, Stream, StreamExt as _};
use secrecy::SecretString;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

pub use control::{
    ControlFormat, JsonOnly, MalformedControl, MediaCommand, MediaDirection, MediaEvent,
    MediaStart, MediaStatus,
};

use crate::stream::handshake::{self, Endpoint, Socket};
use queue::Incoming;

/// `DELETE /channels/{channelId}`, for hanging up a media channel nobody
/// could connect to (whatever version modules are enabled).
pub(crate) static HANGUP: crate::request::OperationMeta = crate::request::OperationMeta {
    name: "channels.hangup",
    method: crate::request::Method::Delete,
    path: "/channels/{channelId}",
    errors: &[],
    since: &[],
    params_since: &[],
};

/// Encoded in the connection id's path segment: all but RFC 3986's unreserved.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Where and how to connect a media websocket.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// `ws(s)://host:port` of Asterisk's HTTP server (no path).
    pub base_url: String,
    /// The `Authorization` header value sent with the upgrade (Asterisk
    /// does not check it on `/media`; a proxy in front of it may).
    pub authorization: SecretString,
    /// TLS for `wss://`; `None` trusts the usual web PKI roots.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// How long connecting and waiting for `MEDIA_START` may take. Default 10 s.
    pub connect_timeout: Duration,
    /// Audio frames received and not yet read that are kept; beyond it the
    /// oldest are dropped and counted ([`MediaItem::Lagged`]). Default 500
    /// (10 s at 20 ms).
    pub buffer: usize,
    /// The Asterisk version the commands are checked against
    /// ([`MediaError::NotInRelease`]); `None` checks nothing. Its release
    /// also decides whether the sender counts its audio with marks of its
    /// own (releases with `MARK_MEDIA`) or relies on XOFF alone.
    pub server_release: Option<String>,
}

impl MediaSettings {
    /// The media websocket settings of `client`'s configuration: the host of
    /// its ARI URL, its credentials, and its event stream's TLS settings.
    pub fn for_client(client: &crate::Client) -> MediaSettings {
        let stream = client.stream_settings();
        let url = client.config().url();
        let base = match url.split_once("://") {
            Some((scheme, rest)) => {
                let scheme = if scheme.eq_ignore_ascii_case("https") {
                    "wss"
                } else {
                    "ws"
                };
                let authority = rest.split('/').next().unwrap_or(rest);
                format!("{scheme}://{authority}")
            }
            None => url.to_owned(),
        };
        MediaSettings {
            base_url: base,
            authorization: stream.authorization,
            tls: stream.tls,
            connect_timeout: stream.connect_timeout,
            buffer: 500,
            server_release: client.release_for_checks(),
        }
    }

    /// Sets [`server_release`](Self::server_release).
    pub fn server_release(mut self, version: impl Into<String>) -> Self {
        self.server_release = Some(version.into());
        self
    }

    /// Sets [`tls`](Self::tls).
    pub fn tls(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }
}

/// Why a media channel could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The settings cannot work (a URL that is not `ws://` or `wss://`).
    #[error("invalid media websocket settings: {0}")]
    InvalidSettings(String),
    /// Connecting or upgrading failed; `status` is the HTTP status when
    /// Asterisk answered (404: no such connection id, 409: already connected).
    #[error("cannot connect the media websocket: {message}")]
    Connect {
        /// The HTTP status of a refused upgrade.
        status: Option<u16>,
        /// What went wrong.
        message: String,
    },
    /// No connection, or no `MEDIA_START`, within the connect timeout.
    #[error("no MEDIA_START within {0:?}")]
    Timeout(Duration),
    /// The first message was not a valid `MEDIA_START`.
    #[error("the media websocket did not start with MEDIA_START: {0}")]
    NoMediaStart(String),
    /// The connection has ended.
    #[error("the media websocket is closed")]
    Closed,
    /// The command exists only in the JSON control format.
    #[error(transparent)]
    JsonOnly(#[from] JsonOnly),
    /// Setting the channel up through ARI failed.
    #[error("creating the media channel failed: {0}")]
    Setup(#[source] crate::handles::HandleError),
    /// The `externalMedia` answer carried no `MEDIA_WEBSOCKET_CONNECTION_ID`.
    #[error("the channel has no MEDIA_WEBSOCKET_CONNECTION_ID")]
    NoConnectionId,
    /// The command first shipped in a later release than the connected
    /// Asterisk runs ([`MediaCommand::since`]); it was not sent.
    #[error("{command} needs Asterisk {needs}; this server runs {server}")]
    NotInRelease {
        /// The command's name (`MARK_MEDIA`).
        command: &'static str,
        /// The release that brought it on the server's line, or on the
        /// next line when the server's never got it (`22.8.0`).
        needs: &'static str,
        /// The server's version (`22.7.0`).
        server: String,
    },
}

/// How a media connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEnd {
    /// Asterisk closed the websocket (the channel hung up, or a `HANGUP`).
    Closed {
        /// The close code (1000 after a normal hangup), if one was sent.
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
    /// The connection failed without a close.
    Failed {
        /// What went wrong.
        message: String,
    },
}

/// What a media channel receives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaItem {
    /// A binary frame: audio in the channel's format.
    Audio(Bytes),
    /// A control event.
    Event(MediaEvent),
    /// A text message that is not a valid control event. The connection goes on.
    Malformed(MalformedControl),
    /// This many audio frames were dropped because they were not read in time.
    Lagged {
        /// How many.
        frames: u64,
    },
    /// The last item: the connection has ended.
    Ended(MediaEnd),
}

/// Audio out and commands of a media channel; cheap to clone.
#[derive(Debug, Clone)]
pub struct MediaSender {
    /// Frames with their sequence numbers.
    audio: mpsc::Sender<(u64, Bytes)>,
    /// Commands with the number of frames handed over before them.
    commands: mpsc::Sender<(u64, MediaCommand)>,
    submitted: Arc<std::sync::atomic::AtomicU64>,
    paused: watch::Receiver<bool>,
    format: ControlFormat,
    /// The server's version and release, when known and checked.
    release: Option<Arc<(String, crate::client::Release)>>,
}

impl MediaSender {
    /// Sends one audio frame (best [`MediaStart::optimal_frame_size`]
    /// bytes). Waits while Asterisk's queue is full (between `MEDIA_XOFF`
    /// and `MEDIA_XON`, and while more audio than its queue holds is
    /// unplayed), so nothing sent is dropped for lack of room.
    pub async fn send_audio(&self, frame: impl Into<Bytes>) -> Result<(), MediaError> {
        let permit = self.audio.reserve().await.map_err(|_| MediaError::Closed)?;
        let seq = self
            .submitted
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        permit.send((seq, frame.into()));
        Ok(())
    }

    /// Sends a command. Those about the audio sent before them
    /// (`MARK_MEDIA`, `START_`/`STOP_MEDIA_BUFFERING`,
    /// `REPORT_QUEUE_DRAINED`) go after it, waiting with it for `MEDIA_XON`;
    /// the others go at once (`FLUSH_MEDIA` also drops the audio not yet
    /// sent).
    ///
    /// A command the server's release does not have is refused with
    /// [`MediaError::NotInRelease`] (Asterisk would ignore it without a
    /// word); one the channel's format cannot carry with
    /// [`MediaError::JsonOnly`].
    pub async fn command(&self, command: MediaCommand) -> Result<(), MediaError> {
        if let Some(release) = &self.release {
            let (server, running) = release.as_ref();
            if let Some(needs) = releases::needs(command.since(), *running) {
                return Err(MediaError::NotInRelease {
                    command: command.name(),
                    needs,
                    server: server.clone(),
                });
            }
        }
        // Refused here rather than answered with Asterisk's ERROR.
        command.encode(self.format)?;
        let after = self.submitted.load(std::sync::atomic::Ordering::Acquire);
        self.commands
            .send((after, command))
            .await
            .map_err(|_| MediaError::Closed)
    }

    /// Whether audio is held back now (`MEDIA_XOFF`, or Asterisk's queue
    /// full of unplayed audio).
    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }

    /// The channel's control format.
    pub fn format(&self) -> ControlFormat {
        self.format
    }
}

/// A connected media websocket: what `MEDIA_START` said, a
/// [`MediaSender`], and the items received.
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(app: ari_sdk::v22::StasisApp) -> Result<(), ari_sdk::media::MediaError> {
/// use ari_sdk::media::{MediaCommand, MediaEvent, MediaItem};
/// use ari_sdk::v22::channels::{ConnectionType, Encapsulation, Transport};
///
/// let (channel, mut media) = app
///     .external_media(|ari, id| {
///         ari.channels()
///             .external_media("my-app", "ulaw")
///             .channel_id(id)
///             .transport(Transport::Websocket)
///             .encapsulation(Encapsulation::None)
///             .connection_type(ConnectionType::Server)
///             .transport_data("f(json)")
///             .into_request()
///     })
///     .await?;
/// println!("{} bytes every {} ms", media.start().optimal_frame_size, media.start().ptime);
/// let sender = media.sender();
/// while let Some(item) = media.next().await {
///     match item {
///         // Echo: what the caller says goes back to them.
///         MediaItem::Audio(frame) => sender.send_audio(frame).await?,
///         MediaItem::Event(MediaEvent::DtmfEnd { digit: '#' }) => {
///             sender.command(MediaCommand::Hangup).await?
///         }
///         MediaItem::Ended(end) => println!("ended: {end:?}"),
///         _ => {}
///     }
/// }
/// # drop(channel);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct MediaChannel {
    start: MediaStart,
    sender: MediaSender,
    incoming: MediaStream,
}

/// The items a media channel receives, as a [`Stream`]; ends after
/// [`MediaItem::Ended`].
#[derive(Debug)]
pub struct MediaStream {
    incoming: Arc<Incoming>,
    ended: bool,
}

impl MediaStream {
    /// The next item; `None` after [`MediaItem::Ended`].
    pub async fn next(&mut self) -> Option<MediaItem> {
        futures::StreamExt::next(self).await
    }
}

impl Stream for MediaStream {
    type Item = MediaItem;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<MediaItem>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.incoming.poll_pop(cx) {
            Poll::Ready(item) => {
                if matches!(item, MediaItem::Ended(_)) {
                    self.ended = true;
                }
                Poll::Ready(Some(item))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for MediaStream {
    fn drop(&mut self) {
        self.incoming.reader_gone();
    }
}

impl MediaChannel {
    /// Connects to `/media/<connection_id>` and waits for `MEDIA_START`
    /// (whose format, plain text or JSON, the commands then use).
    pub async fn connect(
        settings: &MediaSettings,
        connection_id: &str,
    ) -> Result<MediaChannel, MediaError> {
        let timeout = settings.connect_timeout;
        tokio::time::timeout(timeout, Self::open(settings, connection_id))
            .await
            .map_err(|_| MediaError::Timeout(timeout))?
    }

    async fn open(
        settings: &MediaSettings,
        connection_id: &str,
    ) -> Result<MediaChannel, MediaError> {
        // Asterisk matches the path as sent (no decoding): ids are UUIDs,
        // only what could break the URL is encoded.
        let id: String =
            percent_encoding::utf8_percent_encode(connection_id, PATH_SEGMENT).collect();
        let url = format!("{}/media/{id}", settings.base_url.trim_end_matches('/'));
        let endpoint =
            Endpoint::parse(&url).map_err(|e| MediaError::InvalidSettings(e.to_string()))?;
        let tls = match (&settings.tls, endpoint.is_secure()) {
            (Some(tls), _) => Some(Arc::clone(tls)),
            (None, true) => Some(
                handshake::default_tls_config()
                    .map_err(|e| MediaError::InvalidSettings(e.to_string()))?,
            ),
            (None, false) => None,
        };
        let mut socket = handshake::open(
            &endpoint,
            &settings.authorization,
            tls.as_ref(),
            WebSocketConfig::default(),
        )
        .await
        .map_err(|error| MediaError::Connect {
            status: match &error {
                handshake::HandshakeError::Status { status, .. } => Some(*status),
                _ => None,
            },
            message: error.to_string(),
        })?;
        let start = loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => match MediaEvent::parse(&text) {
                    Ok(MediaEvent::MediaStart(start)) => {
                        break (start, ControlFormat::of(&text));
                    }
                    _ => return Err(MediaError::NoMediaStart(text.to_string())),
                },
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(other)) => {
                    return Err(MediaError::NoMediaStart(format!(
                        "a {} frame",
                        kind(&other)
                    )))
                }
                Some(Err(error)) => {
                    return Err(MediaError::Connect {
                        status: None,
                        message: error.to_string(),
                    })
                }
                None => return Err(MediaError::Closed),
            }
        };
        let (start, format) = start;
        let release = settings.server_release.as_deref().and_then(|version| {
            let running = crate::client::release_of(version)?;
            Some(Arc::new((version.to_owned(), running)))
        });
        Ok(Self::run(socket, start, format, settings.buffer, release))
    }

    /// A media connection Asterisk dialled (`connection_type=client`, see
    /// [`crate::outbound`]), whose first message, `MEDIA_START`, is `start`
    /// written as `first`. Its release is not known (an outbound session
    /// reads none), so no command is refused before sending, and the audio
    /// in flight is counted with marks on a JSON connection, with
    /// `GET_STATUS` on a plain-text one (which may be a release without marks).
    pub(crate) fn accepted(
        socket: Socket,
        first: &str,
        start: MediaStart,
        buffer: usize,
    ) -> MediaChannel {
        Self::run(socket, start, ControlFormat::of(first), buffer, None)
    }

    fn run(
        socket: Socket,
        start: MediaStart,
        format: ControlFormat,
        buffer: usize,
        release: Option<Arc<(String, crate::client::Release)>>,
    ) -> MediaChannel {
        let (audio_tx, audio_rx) = mpsc::channel(4);
        let (commands_tx, commands_rx) = mpsc::channel(16);
        let (paused_tx, paused_rx) = watch::channel(false);
        let incoming = Arc::new(Incoming::new(buffer.max(1)));
        let has_marks = match &release {
            Some(release) => releases::needs(releases::JSON_AND_MARKS, release.1).is_none(),
            // A JSON channel's release has marks.
            None => format == ControlFormat::Json,
        };
        let credit = if has_marks {
            Credit::Marks
        } else {
            Credit::Status
        };
        let flow = Flow::new(format, start.optimal_frame_size, paused_tx, credit);
        let pump = Pump {
            socket,
            audio: audio_rx,
            commands: commands_rx,
            flow,
            incoming: Arc::clone(&incoming),
            taken: 0,
            discard_before: 0,
            held: std::collections::VecDeque::new(),
            poll_at: None,
        };
        tokio::spawn(pump.run());
        MediaChannel {
            start,
            sender: MediaSender {
                audio: audio_tx,
                commands: commands_tx,
                submitted: Arc::default(),
                paused: paused_rx,
                format,
                release,
            },
            incoming: MediaStream {
                incoming,
                ended: false,
            },
        }
    }

    /// What `MEDIA_START` said: frame size, ptime, format, channel.
    pub fn start(&self) -> &MediaStart {
        &self.start
    }

    /// The channel's control format, as `MEDIA_START` was written.
    pub fn format(&self) -> ControlFormat {
        self.sender.format
    }

    /// A sender of audio and commands (for another task).
    pub fn sender(&self) -> MediaSender {
        self.sender.clone()
    }

    /// See [`MediaSender::send_audio`].
    pub async fn send_audio(&self, frame: impl Into<Bytes>) -> Result<(), MediaError> {
        self.sender.send_audio(frame).await
    }

    /// See [`MediaSender::command`].
    pub async fn command(&self, command: MediaCommand) -> Result<(), MediaError> {
        self.sender.command(command).await
    }

    /// The next item received; `None` after [`MediaItem::Ended`].
    pub async fn next(&mut self) -> Option<MediaItem> {
        self.incoming.next().await
    }

    /// The sender and the received items, apart.
    pub fn split(self) -> (MediaSender, MediaStream) {
        (self.sender, self.incoming)
    }
}

fn kind(message: &Message) -> &'static str {
    match message {
        Message::Text(_) => "text",
        Message::Binary(_) => "binary",
        Message::Ping(_) => "ping",
        Message::Pong(_) => "pong",
        Message::Close(_) => "close",
        Message::Frame(_) => "raw",
    }
}

/// Asterisk's queue of audio to play holds 1000 frames; it says
/// `MEDIA_XOFF` at 900 and `MEDIA_XON` under 800. What was sent before the
/// XOFF arrived may still be on its way, so the sender also keeps count:
/// every [`MARK_EVERY`] frames it asks Asterisk how far it is (see
/// [`Credit`]), and never has more than [`WINDOW`] frames that may be in
/// its queue or on their way. The queue then never overflows, whatever the
/// network's delay.
const WINDOW: usize = 950;
const MARK_EVERY: usize = 50;

/// How long a sender stalled on [`Credit::Status`] waits before asking again.
const STATUS_POLL: Duration = Duration::from_millis(100);

/// Sleeps until `at` (never, without one).
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The correlation ids of the sender's own marks (never shown to the application).
const CREDIT_MARK: &str = "ari-sdk-credit-";

/// How the sender learns how much of its audio Asterisk still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credit {
    /// A `MARK_MEDIA` of its own (20.18.0, 22.8.0, 23.2.0 on): processed
    /// once the audio before it has been played.
    Marks,
    /// A `GET_STATUS` of its own (every release): its `STATUS`, answered
    /// in order, gives the queue's length once the audio before it was
    /// queued. For releases without marks, which would never answer one,
    /// and for an unknown release speaking plain text. `STATUS` carries no
    /// id, so the answers to the application's own `GET_STATUS` are told
    /// apart by their order.
    Status,
}

/// Flow control of the audio sent.
struct Flow {
    format: ControlFormat,
    frame_size: usize,
    xoff: bool,
    /// Bytes sent, all told.
    sent: u64,
    /// Bytes known played (up to the last processed own mark).
    confirmed: u64,
    since_mark: u64,
    mark_seq: u64,
    /// Own marks in flight: sequence number and `sent` when it was sent.
    marks: std::collections::VecDeque<(u64, u64)>,
    paused: watch::Sender<bool>,
    credit: Credit,
    /// `GET_STATUS`es sent and not answered, in order: `Some(sent)` for
    /// the sender's own, `None` for the application's.
    statuses: std::collections::VecDeque<Option<u64>>,
}

impl Flow {
    fn new(
        format: ControlFormat,
        frame_size: usize,
        paused: watch::Sender<bool>,
        credit: Credit,
    ) -> Self {
        Flow {
            format,
            frame_size,
            xoff: false,
            sent: 0,
            confirmed: 0,
            since_mark: 0,
            mark_seq: 0,
            marks: std::collections::VecDeque::new(),
            paused,
            credit,
            statuses: std::collections::VecDeque::new(),
        }
    }

    /// Counting needs frames of a known size (Asterisk queues anything in
    /// passthrough, and refuses marks there).
    fn counts(&self) -> bool {
        self.frame_size > 0
    }

    fn window_full(&self) -> bool {
        self.counts() && self.sent - self.confirmed >= (WINDOW * self.frame_size) as u64
    }

    fn may_send(&self) -> bool {
        !self.xoff && !self.window_full()
    }

    fn publish(&self) {
        let paused = !self.may_send();
        self.paused
            .send_if_modified(|old| std::mem::replace(old, paused) != paused);
    }

    /// Counts a frame sent; the text of an own mark or status request to
    /// send after it, if due.
    fn sent(&mut self, len: usize) -> Option<String> {
        self.sent += len as u64;
        self.since_mark += len as u64;
        let due = self.counts() && self.since_mark >= (MARK_EVERY * self.frame_size) as u64;
        let request = if due {
            self.since_mark = 0;
            match self.credit {
                Credit::Marks => {
                    self.mark_seq += 1;
                    self.marks.push_back((self.mark_seq, self.sent));
                    let correlation_id = Some(format!("{CREDIT_MARK}{}", self.mark_seq));
                    MediaCommand::MarkMedia { correlation_id }
                        .encode(self.format)
                        .ok()
                }
                Credit::Status => self.request_status(),
            }
        } else {
            None
        };
        self.publish();
        request
    }

    /// A `GET_STATUS` of the sender's own, noted as sent now.
    fn request_status(&mut self) -> Option<String> {
        self.statuses.push_back(Some(self.sent));
        MediaCommand::GetStatus.encode(self.format).ok()
    }

    /// Whether the sender is stalled on its window with no own status
    /// request unanswered, so nothing would ever free it.
    fn status_poll_due(&self) -> bool {
        self.credit == Credit::Status
            && self.window_full()
            && !self.statuses.iter().any(Option::is_some)
    }

    /// An event; false for the answers to the sender's own marks and
    /// status requests, which are not shown.
    fn event(&mut self, event: &MediaEvent) -> bool {
        match event {
            MediaEvent::MediaXoff => self.xoff = true,
            MediaEvent::MediaXon => self.xoff = false,
            MediaEvent::Status(status) => {
                let Some(Some(sent_then)) = self.statuses.pop_front() else {
                    return true;
                };
                // Queued then, plus what was sent since: all Asterisk may hold.
                let queued = u64::from(status.queue_length) * self.frame_size as u64;
                self.confirmed = self.confirmed.max(sent_then.saturating_sub(queued));
                self.publish();
                return false;
            }
            MediaEvent::MarkProcessed {
                correlation_id: Some(id),
            } if id.starts_with(CREDIT_MARK) => {
                if let Ok(seq) = id[CREDIT_MARK.len()..].parse::<u64>() {
                    while let Some(&(mark, sent)) = self.marks.front() {
                        if mark > seq {
                            break;
                        }
                        self.confirmed = self.confirmed.max(sent);
                        self.marks.pop_front();
                    }
                }
                self.publish();
                return false;
            }
            _ => return true,
        }
        self.publish();
        true
    }

    /// A command is being sent: `FLUSH_MEDIA` empties the queue, own
    /// marks included; the answer to the application's `GET_STATUS` is
    /// the application's.
    fn command(&mut self, command: &MediaCommand) {
        if matches!(command, MediaCommand::GetStatus) {
            self.statuses.push_back(None);
        }
        if matches!(command, MediaCommand::FlushMedia) {
            self.confirmed = self.sent;
            self.marks.clear();
            self.since_mark = 0;
            self.publish();
        }
    }
}

/// The connection task: reads into `incoming` (tracking flow control),
/// writes audio (while the flow allows) and commands, until the socket
/// ends, or closes it once every sender and the reader are gone.
struct Pump {
    socket: Socket,
    audio: mpsc::Receiver<(u64, Bytes)>,
    commands: mpsc::Receiver<(u64, MediaCommand)>,
    flow: Flow,
    incoming: Arc<Incoming>,
    /// Frames taken from `audio` (sent, or dropped by a flush).
    taken: u64,
    /// Frames numbered below this were flushed before being sent.
    discard_before: u64,
    /// Ordered commands waiting for the audio before them.
    held: std::collections::VecDeque<(u64, MediaCommand)>,
    /// When to ask for a `STATUS` while the window is full ([`Credit::Status`]).
    poll_at: Option<tokio::time::Instant>,
}

/// Whether a command is about the audio sent before it.
fn ordered(command: &MediaCommand) -> bool {
    matches!(
        command,
        MediaCommand::MarkMedia { .. }
            | MediaCommand::StartMediaBuffering
            | MediaCommand::StopMediaBuffering { .. }
            | MediaCommand::ReportQueueDrained
    )
}

impl Pump {
    async fn run(mut self) {
        let end = self.serve().await;
        // Senders must not wait for ever.
        self.flow.xoff = false;
        self.flow.confirmed = self.flow.sent;
        self.flow.publish();
        self.audio.close();
        self.commands.close();
        self.incoming.push(MediaItem::Ended(end));
    }

    async fn send(&mut self, message: Message) -> Result<(), MediaEnd> {
        self.socket
            .send(message)
            .await
            .map_err(|error| MediaEnd::Failed {
                message: error.to_string(),
            })
    }

    async fn command(&mut self, command: MediaCommand) -> Result<(), MediaEnd> {
        self.flow.command(&command);
        match command.encode(self.flow.format) {
            Ok(text) => self.send(Message::Text(text.into())).await,
            Err(_) => Ok(()),
        }
    }

    /// Sends the held commands whose audio has gone.
    async fn release_held(&mut self) -> Result<(), MediaEnd> {
        while self
            .held
            .front()
            .is_some_and(|(after, _)| *after <= self.taken)
        {
            if let Some((_, command)) = self.held.pop_front() {
                self.command(command).await?;
            }
        }
        Ok(())
    }

    async fn serve(&mut self) -> MediaEnd {
        let (mut audio_gone, mut commands_gone) = (false, false);
        loop {
            if audio_gone && commands_gone && self.incoming.is_reader_gone() {
                // Nobody listens or talks: close our side politely.
                let _ = self.socket.close(None).await;
                return MediaEnd::Closed {
                    code: Some(u16::from(CloseCode::Normal)),
                    reason: String::new(),
                };
            }
            let may_send = self.flow.may_send();
            // Stalled on credit with no request out: ask again shortly
            // (the queue drains at ptime pace meanwhile).
            self.poll_at = match (self.flow.status_poll_due(), self.poll_at) {
                (true, None) => Some(tokio::time::Instant::now() + STATUS_POLL),
                (true, at) => at,
                (false, _) => None,
            };
            let poll_at = self.poll_at;
            tokio::select! {
                message = self.socket.next() => match message {
                    Some(Ok(Message::Binary(frame))) => self.incoming.push_audio(frame),
                    Some(Ok(Message::Text(text))) => match MediaEvent::parse(&text) {
                        Ok(event) => {
                            if self.flow.event(&event) {
                                self.incoming.push(MediaItem::Event(event));
                            }
                        }
                        Err(malformed) => self.incoming.push(MediaItem::Malformed(malformed)),
                    },
                    Some(Ok(Message::Close(frame))) => {
                        return MediaEnd::Closed {
                            code: frame.as_ref().map(|f| u16::from(f.code)),
                            reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                        };
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return MediaEnd::Failed { message: error.to_string() },
                    None => {
                        return MediaEnd::Failed {
                            message: "the connection closed without a close frame".into(),
                        }
                    }
                },
                command = self.commands.recv(), if !commands_gone => match command {
                    Some((after, command)) => {
                        if matches!(command, MediaCommand::FlushMedia) {
                            // What was handed over before the flush goes with it.
                            self.discard_before = self.discard_before.max(after);
                            self.taken = self.taken.max(after);
                        }
                        if ordered(&command) && (after > self.taken || !self.held.is_empty()) {
                            self.held.push_back((after, command));
                        } else if let Err(end) = self.command(command).await {
                            return end;
                        }
                        if let Err(end) = self.release_held().await {
                            return end;
                        }
                    }
                    None => commands_gone = true,
                },
                frame = self.audio.recv(), if may_send && !audio_gone => match frame {
                    Some((seq, _)) if seq < self.discard_before => {}
                    Some((seq, frame)) => {
                        self.taken = self.taken.max(seq + 1);
                        let mark = self.flow.sent(frame.len());
                        if let Err(end) = self.send(Message::Binary(frame)).await {
                            return end;
                        }
                        if let Some(mark) = mark {
                            if let Err(end) = self.send(Message::Text(mark.into())).await {
                                return end;
                            }
                        }
                        if let Err(end) = self.release_held().await {
                            return end;
                        }
                    }
                    None => audio_gone = true,
                },
                () = self.incoming.reader_gone_wait(), if audio_gone && commands_gone => {}
                () = sleep_until(poll_at), if poll_at.is_some() => {
                    self.poll_at = None;
                    if let Some(request) = self.flow.request_status() {
                        if let Err(end) = self.send(Message::Text(request.into())).await {
                            return end;
                        }
                    }
                }
            }
        }
    }
}
