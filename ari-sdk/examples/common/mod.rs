//! Plumbing the examples share; not part of the SDK.
//!
//! - Where Asterisk is: a real one when `ARI_URL` is set (with `ARI_USERNAME`,
//!   `ARI_PASSWORD` and optionally `ARI_APPLICATION`), otherwise the embedded
//!   fake Asterisk of `ari-sdk-tests` with the dialplan the example needs and
//!   simulated callers.
//! - The event subscription, or the handles' [`StasisApp`], ready once the
//!   application is registered.
//! - [`Calls`]: hands every call its own events, in order and without loss,
//!   so a call can be written as straight-line code in its own task (the
//!   examples written before the handles; `StasisApp::calls` does this in
//!   the SDK).
//! - [`say`]: the narrative the examples print.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ari_sdk::stream::{EventStream, StreamItem, Subscription};
use ari_sdk::v22::{Ari, Call as StasisCall, Channel, Event, LiveRecording, Playback, StasisApp};
use ari_sdk::Config;
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder, Step};
use futures::StreamExt;
use tokio::sync::mpsc;

/// Any error an example gives up on.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The examples' result type.
pub type Result<T = ()> = std::result::Result<T, Error>;

/// Prints one line of what happens in the calls: `[tag] line`.
pub fn say(tag: &str, line: impl fmt::Display) {
    println!("[{tag}] {line}");
}

/// How long the embedded demo may take before it is called off.
const DEMO_LIMIT: Duration = Duration::from_secs(30);

/// A fake Asterisk of the major the examples' SDK module is for
/// (`ari_sdk::v22`), so `Ari::connect`'s version check passes as it would
/// against a real Asterisk 22, with simulated time 20 times faster than real
/// time: a 1.4 s prompt plays in 70 ms. It emulates Asterisk 22 from 22's
/// api-docs when the spec folder has them (`$ARI_SPEC_DIR`, or
/// `../shared/ari-spec` beside the checkout); without them it is the fake's
/// Asterisk 20, which has 22's routes and parameters, reporting 22's release.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    let fake = FakeAsterisk::builder().time_scale(0.05);
    if fake.api_docs_available(Ari::MAJOR) {
        fake.major(Ari::MAJOR)
    } else {
        fake.version(Ari::RELEASE)
    }
}

/// The dialplan of an extension handing calls to `app`, as the README's
/// `extensions.conf` has it: `NoOp()`, `Stasis(app,args)`, `Hangup()`.
pub fn stasis_steps(app: &str, args: &[&str]) -> Vec<Step> {
    vec![Step::noop(""), Step::stasis(app, args), Step::hangup()]
}

/// The settings of an SDK client for the fake, receiving `app`'s events.
pub fn fake_config(fake: &FakeAsterisk, app: &str) -> Result<Config> {
    Ok(Config::builder()
        .url(fake.url())
        .username(fake.username())
        .password(fake.password())
        .application(app)
        .request_timeout(Duration::from_secs(5))
        .build()?)
}

/// Connects the event stream and waits until Asterisk has registered the
/// application: from then on calls into it are not missed.
pub async fn subscribe(ari: &Ari) -> Result<(EventStream<Event>, Subscription<Event>)> {
    let stream = ari.event_stream()?;
    let mut events = stream.subscribe();
    let connected = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(item) = events.next().await {
            match item {
                StreamItem::Connected => return Ok(()),
                StreamItem::Error(error) if error.is_fatal() => {
                    return Err(Error::from(error.to_string()))
                }
                _ => {}
            }
        }
        Err(Error::from("the event stream ended before it connected"))
    })
    .await;
    match connected {
        Ok(result) => result.map(|()| (stream, events)),
        Err(_) => Err("the event stream did not connect within 10 s".into()),
    }
}

/// The application's handles entry point, once Asterisk has registered the
/// application: from then on calls into it are not missed (and the calls
/// the stream delivers wait in `StasisApp::calls` until they are taken).
pub async fn stasis_app(ari: &Ari) -> Result<StasisApp> {
    let app = ari.stasis_app()?;
    match tokio::time::timeout(Duration::from_secs(10), app.registered()).await {
        Ok(registered) => registered.map(|()| app).map_err(Into::into),
        Err(_) => Err("the event stream did not connect within 10 s".into()),
    }
}

/// Whether the example runs against a real Asterisk (`ARI_URL` is set).
pub fn real_asterisk() -> bool {
    std::env::var("ARI_URL").is_ok_and(|url| !url.trim().is_empty())
}

/// Runs an example: against the Asterisk named by `ARI_URL` until Ctrl-C,
/// or, when `ARI_URL` is not set, against the embedded fake built from
/// `fake`, with `simulate` placing the calls; the demo ends by itself.
pub async fn run<A, F, S>(app_name: &str, fake: FakeAsteriskBuilder, app: A, simulate: S) -> Result
where
    A: FnOnce(Ari, Subscription<Event>) -> F,
    F: Future<Output = Result> + Send + 'static,
    S: AsyncFnOnce(&FakeAsterisk) -> Result,
{
    let start = async move |ari: Ari| -> Result<(EventStream<Event>, F)> {
        let (stream, events) = subscribe(&ari).await?;
        Ok((stream, app(ari, events)))
    };
    run_started(app_name, fake, start, simulate).await
}

/// [`run`] for an application written with the handles: it gets the
/// [`StasisApp`] instead of a raw event subscription.
pub async fn run_stasis<A, F, S>(
    app_name: &str,
    fake: FakeAsteriskBuilder,
    app: A,
    simulate: S,
) -> Result
where
    A: FnOnce(StasisApp) -> F,
    F: Future<Output = Result> + Send + 'static,
    S: AsyncFnOnce(&FakeAsterisk) -> Result,
{
    let start = async move |ari: Ari| -> Result<(EventStream<Event>, F)> {
        let stasis = stasis_app(&ari).await?;
        Ok((stasis.event_stream().clone(), app(stasis)))
    };
    run_started(app_name, fake, start, simulate).await
}

/// Runs the application `start` makes on a connected client; closing the
/// event stream `start` returns ends it.
async fn run_started<C, F, S>(
    app_name: &str,
    fake: FakeAsteriskBuilder,
    start: C,
    simulate: S,
) -> Result
where
    C: AsyncFnOnce(Ari) -> Result<(EventStream<Event>, F)>,
    F: Future<Output = Result> + Send + 'static,
    S: AsyncFnOnce(&FakeAsterisk) -> Result,
{
    if real_asterisk() {
        return run_against_real_asterisk(app_name, start).await;
    }
    let fake = fake.build().start().await?;
    say("demo", format!("embedded fake Asterisk at {}", fake.url()));
    let ari = Ari::connect(fake_config(&fake, app_name)?).await?;
    let (stream, app) = start(ari).await?;
    let app_task = tokio::spawn(app);
    let simulated = tokio::time::timeout(DEMO_LIMIT, simulate(&fake)).await;
    // Closing the stream ends the app's events, and with them the app.
    stream.close();
    let app_result = tokio::time::timeout(Duration::from_secs(5), app_task).await;
    fake.shutdown().await;
    match simulated {
        Ok(result) => result?,
        Err(_) => return Err("the simulated calls took too long".into()),
    }
    match app_result {
        Ok(Ok(result)) => result?,
        Ok(Err(join_error)) => return Err(join_error.into()),
        Err(_) => return Err("the application did not stop".into()),
    }
    say("demo", "done");
    Ok(())
}

async fn run_against_real_asterisk<C, F>(app_name: &str, start: C) -> Result
where
    C: AsyncFnOnce(Ari) -> Result<(EventStream<Event>, F)>,
    F: Future<Output = Result> + Send + 'static,
{
    // ARI_APPLICATION defaults to the example's own application name.
    let config = Config::from_lookup(|name| {
        std::env::var(name)
            .ok()
            .or_else(|| (name == "ARI_APPLICATION").then(|| app_name.to_string()))
    })?;
    let apps = config.applications().join(",");
    let url = config.url().to_string();
    let ari = Ari::connect(config).await?;
    let version = ari.asterisk_version().await?;
    let (stream, app) = start(ari).await?;
    say(
        "demo",
        format!("connected to Asterisk {version} at {url} as application {apps}; Ctrl-C stops"),
    );
    let result = tokio::select! {
        result = app => result,
        _ = tokio::signal::ctrl_c() => {
            say("demo", "stopped");
            Ok(())
        }
    };
    // A close frame, so that Asterisk unregisters the application at once
    // instead of logging a websocket read error when the process is gone.
    stream.close();
    if tokio::time::timeout(Duration::from_secs(2), stream.closed())
        .await
        .is_err()
    {
        say("demo", "the event stream did not close within 2 s");
    }
    result
}

/// The ids of the channels Asterisk has now (`GET /channels`): what an
/// application checks its state against after a gap in the events.
pub async fn channel_ids(ari: &Ari) -> Result<HashSet<String>> {
    Ok(ari
        .channels()
        .list()
        .await?
        .into_iter()
        .map(|channel| channel.id)
        .collect())
}

/// Hangs a channel up; one that is already gone is fine.
pub async fn hang_up(ari: &Ari, channel_id: &str) -> Result {
    match ari.channels().hangup(channel_id).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Who is calling, for the narrative: `alice (5551001)`.
pub fn caller(channel: &Channel) -> String {
    let number = &channel.caller.number;
    match channel.caller.name.as_str() {
        "" if number.is_empty() => channel.name.clone(),
        "" => number.clone(),
        name if number.is_empty() => name.to_string(),
        name => format!("{name} ({number})"),
    }
}

/// Who is on a call from `StasisApp::calls`, for the narrative.
pub fn caller_of(call: &StasisCall) -> String {
    caller(call.snapshot())
}

/// Says how a call's task ended: an error once the caller has hung up is
/// the hang-up (the step in progress could not finish), anything else is
/// told as it is.
pub fn report(tag: &str, call: &StasisCall, result: Result) {
    match result {
        Ok(()) => {}
        Err(_) if call.end_reason().is_some() => say(tag, format!("{} hung up", caller_of(call))),
        Err(error) => say(tag, format!("{}: {error}", caller_of(call))),
    }
}

/// The channel an event is about, for the events the examples follow.
pub fn channel_of(event: &Event) -> Option<&str> {
    let id = match event {
        Event::StasisStart(e) => &e.channel.id,
        Event::StasisEnd(e) => &e.channel.id,
        Event::ChannelDtmfReceived(e) => &e.channel.id,
        Event::ChannelHangupRequest(e) => &e.channel.id,
        Event::ChannelDestroyed(e) => &e.channel.id,
        Event::ChannelStateChange(e) => &e.channel.id,
        Event::ChannelLeftBridge(e) => &e.channel.id,
        Event::ChannelEnteredBridge(e) => &e.channel.as_ref()?.id,
        Event::PlaybackStarted(e) => return e.playback.target_uri.strip_prefix("channel:"),
        Event::PlaybackContinuing(e) => return e.playback.target_uri.strip_prefix("channel:"),
        Event::PlaybackFinished(e) => return e.playback.target_uri.strip_prefix("channel:"),
        Event::RecordingStarted(e) => return e.recording.target_uri.strip_prefix("channel:"),
        Event::RecordingFinished(e) => return e.recording.target_uri.strip_prefix("channel:"),
        Event::RecordingFailed(e) => return e.recording.target_uri.strip_prefix("channel:"),
        _ => return None,
    };
    Some(id)
}

/// Routes the application's events to its calls: each `StasisStart` opens a
/// [`Call`], which then receives every event about its channel until its
/// `StasisEnd`. The routing happens on the one task reading the
/// subscription, before it reads the next event, so a call never misses an
/// event that came right after it started.
#[derive(Debug, Default)]
pub struct Calls {
    routes: HashMap<String, mpsc::UnboundedSender<Arc<Event>>>,
}

impl Calls {
    /// Passes `event` to the call it concerns; a `StasisStart` returns the
    /// new call, for the caller to run (usually in a task of its own).
    pub fn route(&mut self, event: &Arc<Event>) -> Option<Call> {
        if let Event::StasisStart(start) = &**event {
            let (sender, receiver) = mpsc::unbounded_channel();
            self.routes.insert(start.channel.id.clone(), sender);
            return Some(Call {
                channel: start.channel.clone(),
                args: start.args.clone(),
                events: receiver,
                ids: 0,
            });
        }
        let id = channel_of(event)?;
        if let Some(route) = self.routes.get(id) {
            // A call that already returned has dropped its receiver: fine.
            let _ = route.send(Arc::clone(event));
        }
        if matches!(&**event, Event::StasisEnd(_)) {
            self.routes.remove(id);
        }
        None
    }

    /// After a gap in the events (`Reconnected`, `Lagged`): ends the calls
    /// whose channel is gone (their `StasisEnd` was lost with the
    /// connection), so their tasks stop waiting and see the hangup.
    pub async fn reconcile(&mut self, ari: &Ari) -> Result {
        let present = channel_ids(ari).await?;
        self.routes.retain(|id, _| present.contains(id));
        Ok(())
    }
}

/// One call in the application: its channel, the `Stasis()` arguments, and
/// the events about it.
#[derive(Debug)]
pub struct Call {
    /// The channel as `StasisStart` described it.
    pub channel: Channel,
    /// The arguments of `Stasis(app,args)` or of the originate.
    pub args: Vec<String>,
    events: mpsc::UnboundedReceiver<Arc<Event>>,
    ids: u32,
}

/// The caller hung up (the channel left the application) while the call
/// was waiting for something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HungUp;

impl fmt::Display for HungUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the caller hung up")
    }
}

impl std::error::Error for HungUp {}

/// Whether `error` says the call is gone: it hung up while we waited, or
/// the channel no longer exists (`404`) when we asked something of it.
pub fn gone(error: &Error) -> bool {
    error.is::<HungUp>()
        || error
            .downcast_ref::<ari_sdk::Error>()
            .is_some_and(ari_sdk::Error::is_not_found)
}

/// What ended a wait for digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digits {
    /// The keys pressed, without the terminator.
    pub digits: String,
    /// Whether `#` ended the input.
    pub terminated: bool,
}

impl Call {
    /// The channel's id.
    pub fn id(&self) -> &str {
        &self.channel.id
    }

    /// A new id for something this call creates (a playback, a recording),
    /// unique in the system because the channel id is.
    pub fn new_id(&mut self, what: &str) -> String {
        self.ids += 1;
        format!("{}-{what}-{}", self.channel.id, self.ids)
    }

    /// The next event about this call; `None` once it has left the application.
    pub async fn next(&mut self) -> Option<Arc<Event>> {
        self.events.recv().await
    }

    /// Plays `media` on the call and waits until it has finished.
    pub async fn play(&mut self, ari: &Ari, media: &[&str]) -> Result<Playback> {
        let playback_id = self.new_id("playback");
        ari.channels()
            .play_with_id(self.id(), &playback_id, media.iter().copied())
            .await?;
        self.played(&playback_id).await
    }

    /// Waits until the playback `playback_id` has finished.
    pub async fn played(&mut self, playback_id: &str) -> Result<Playback> {
        while let Some(event) = self.next().await {
            match &*event {
                Event::PlaybackFinished(e) if e.playback.id == playback_id => {
                    return Ok(e.playback.clone())
                }
                Event::StasisEnd(_) => return Err(HungUp.into()),
                _ => {}
            }
        }
        Err(HungUp.into())
    }

    /// Waits until the live recording `name` has finished (or failed).
    pub async fn recorded(&mut self, name: &str) -> Result<LiveRecording> {
        while let Some(event) = self.next().await {
            match &*event {
                Event::RecordingFinished(e) if e.recording.name == name => {
                    return Ok(e.recording.clone())
                }
                Event::RecordingFailed(e) if e.recording.name == name => {
                    let cause = e.recording.cause.as_deref().unwrap_or("unknown cause");
                    return Err(format!("recording {name} failed: {cause}").into());
                }
                // A recording cut by the hangup still completes: keep waiting.
                _ => {}
            }
        }
        Err(HungUp.into())
    }

    /// Collects DTMF: up to `max` keys, ended early by `#` or by `timeout`
    /// without a key.
    pub async fn digits(&mut self, max: usize, timeout: Duration) -> Result<Digits> {
        let mut digits = String::new();
        while digits.len() < max {
            let event = match tokio::time::timeout(timeout, self.next()).await {
                Err(_) => break,
                Ok(None) => return Err(HungUp.into()),
                Ok(Some(event)) => event,
            };
            match &*event {
                Event::ChannelDtmfReceived(e) if e.digit == "#" => {
                    return Ok(Digits {
                        digits,
                        terminated: true,
                    })
                }
                Event::ChannelDtmfReceived(e) => digits.push_str(&e.digit),
                Event::StasisEnd(_) => return Err(HungUp.into()),
                _ => {}
            }
        }
        Ok(Digits {
            digits,
            terminated: false,
        })
    }
}
