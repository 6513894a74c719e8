//! A voice bot's skeleton on media over websocket (Asterisk 20.16.0,
//! 22.6.0, 23.0.0 and later, module `chan_websocket`): every call into the
//! application is answered and bridged with an `externalMedia` channel
//! whose audio travels on a websocket the application connects to; the
//! bot streams the caller's audio back to them (an echo, where a real bot
//! would feed a speech engine and play its answers), counting frames,
//! waiting whenever Asterisk says `MEDIA_XOFF`, and reacting to keys.
//!
//! ```text
//! cargo run -p ari-sdk --example voice_bot
//! ```
//!
//! This file is the application; `demo.rs` beside it is the embedded demo:
//! the fake's dialplan and a simulated caller.
//!
//! Without `ARI_URL` it runs against the embedded fake Asterisk, where
//! alice dials extension 900, talks, presses `1`, `5` and `#`. With
//! `ARI_URL` it serves a real Asterisk until Ctrl-C: dial the extension
//! that runs `Stasis(voice-bot)` (Asterisk needs `chan_websocket` loaded,
//! and its HTTP server reachable from the application: the media
//! websocket is `ws://<ARI host>/media/<connection id>`).
//!
//! Keys: [`TONE_DIGIT`] queues a tone longer than Asterisk's media queue
//! holds, so the bot sees `MEDIA_XOFF` and `MEDIA_XON` (its sender waits
//! in between); [`END_DIGIT`] ends the call once the echo sent so far has
//! been played (a `MARK_MEDIA`, from 20.18.0 / 22.8.0 / 23.2.0; an older
//! release refuses it before it is sent, and the bot hangs up at once);
//! any other key is printed.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ari_sdk::media::{MediaChannel, MediaCommand, MediaError, MediaEvent, MediaItem, MediaSender};
use ari_sdk::v22::channels::{ConnectionType, Encapsulation, Transport};
use ari_sdk::v22::{Call, StasisApp};
use common::{caller_of, say, Result};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "voice-bot";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "900";

/// The key that ends the call.
pub const END_DIGIT: char = '#';

/// The key that queues [`TONE_FRAMES`] frames of a tone.
pub const TONE_DIGIT: char = '1';

/// More frames than the 900 at which Asterisk says `MEDIA_XOFF`.
pub const TONE_FRAMES: u64 = 1_000;

/// How long the bot waits for its last echo to be played before hanging up.
const PLAY_OUT_LIMIT: Duration = Duration::from_secs(30);

/// How a call with the bot ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The caller pressed [`END_DIGIT`]; the bot hung up.
    EndDigit,
    /// The caller hung up.
    CallerHungUp,
    /// The media websocket closed first (Asterisk hung the media channel up).
    MediaClosed,
}

/// What happened on one call, as the bot counted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReport {
    /// Who called.
    pub caller: String,
    /// The `externalMedia` channel's id.
    pub media_channel: String,
    /// Audio frames received from the caller.
    pub frames_in: u64,
    /// Frames sent back to the caller (the echo).
    pub frames_echoed: u64,
    /// Frames of tone sent.
    pub tone_frames: u64,
    /// Frames of the caller's audio dropped because the bot read late.
    pub frames_lagged: u64,
    /// `MEDIA_XOFF`s and `MEDIA_XON`s received.
    pub xoff: u64,
    /// See [`xoff`](Self::xoff).
    pub xon: u64,
    /// The keys pressed, in order.
    pub digits: String,
    /// How it ended.
    pub ending: Ending,
}

impl fmt::Display for CallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} frames in, {} echoed, {} of tone, {} lagged; XOFF {} / XON {}; keys {:?}; {:?}",
            self.caller,
            self.frames_in,
            self.frames_echoed,
            self.tone_frames,
            self.frames_lagged,
            self.xoff,
            self.xon,
            self.digits,
            self.ending
        )
    }
}

/// The application: every call talks to the bot; each call's report is printed.
pub async fn app(app: StasisApp) -> Result {
    app_reporting(app, |report| say("bot", report)).await
}

/// The application, handing each call's report to `report`.
pub async fn app_reporting<R>(app: StasisApp, report: R) -> Result
where
    R: Fn(CallReport) + Send + Sync + 'static,
{
    let report = Arc::new(report);
    let mut calls = app.calls();
    // A task per call; once the calls end, the ones in progress finish
    // (hang up, report) before the application returns.
    let mut tasks = tokio::task::JoinSet::new();
    while let Some(call) = calls.next().await {
        while tasks.try_join_next().is_some() {}
        let (app, report) = (app.clone(), Arc::clone(&report));
        tasks.spawn(async move {
            match talk(&app, &call).await {
                Ok(done) => report(done),
                Err(error) => say("bot", format!("{}: {error}", caller_of(&call))),
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// One call: answer, bridge with a media channel, echo until the end.
async fn talk(app: &StasisApp, call: &Call) -> Result<CallReport> {
    let who = caller_of(call);
    call.answer().await?;
    // The media channel enters the application this one runs as.
    let name = app
        .ari()
        .client()
        .config()
        .applications()
        .first()
        .cloned()
        .unwrap_or_else(|| APP.to_string());
    let (media_channel, media) = app
        .external_media(|ari, id| {
            ari.channels()
                .external_media(&name, "ulaw")
                .channel_id(id)
                .transport(Transport::Websocket)
                .encapsulation(Encapsulation::None)
                .connection_type(ConnectionType::Server)
                .into_request()
        })
        .await?;
    let start = media.start().clone();
    say(
        "bot",
        format!(
            "{who}: media websocket up ({} bytes of {} every {} ms)",
            start.optimal_frame_size, start.format, start.ptime
        ),
    );
    let bridge = app
        .bridge_channels([call.channel(), &media_channel])
        .await?;
    let mut report = CallReport {
        caller: who.clone(),
        media_channel: media_channel.id().to_string(),
        frames_in: 0,
        frames_echoed: 0,
        tone_frames: 0,
        frames_lagged: 0,
        xoff: 0,
        xon: 0,
        digits: String::new(),
        ending: Ending::MediaClosed,
    };
    let mut media = media;
    let tone_sent = Arc::new(AtomicU64::new(0));
    let mut tone: Option<tokio::task::JoinHandle<()>> = None;
    let sender = media.sender();
    loop {
        let item = tokio::select! {
            item = media.next() => item,
            _ = call.ended() => {
                report.ending = Ending::CallerHungUp;
                break;
            }
        };
        match item {
            Some(MediaItem::Audio(frame)) => {
                report.frames_in += 1;
                // Waits while Asterisk's queue is full (XOFF to XON).
                if sender.send_audio(frame).await.is_err() {
                    break; // the websocket closed: its end is the next item
                }
                report.frames_echoed += 1;
            }
            Some(MediaItem::Event(MediaEvent::MediaXoff)) => {
                report.xoff += 1;
                say("bot", format!("{who}: MEDIA_XOFF, the sender waits"));
            }
            Some(MediaItem::Event(MediaEvent::MediaXon)) => {
                report.xon += 1;
                say("bot", format!("{who}: MEDIA_XON, the sender goes on"));
            }
            Some(MediaItem::Event(MediaEvent::DtmfEnd { digit })) => {
                report.digits.push(digit);
                say("bot", format!("{who} pressed {digit}"));
                if digit == END_DIGIT {
                    report.ending = Ending::EndDigit;
                    break;
                }
                if digit == TONE_DIGIT && tone.is_none() {
                    say("bot", format!("{who} hears a tone of {TONE_FRAMES} frames"));
                    let (sender, sent) = (media.sender(), Arc::clone(&tone_sent));
                    let frame_size = start.optimal_frame_size.max(1);
                    tone = Some(tokio::spawn(send_tone(sender, frame_size, sent)));
                }
            }
            Some(MediaItem::Lagged { frames }) => report.frames_lagged += frames,
            Some(MediaItem::Ended(_)) | None => break,
            Some(_) => {}
        }
    }
    if let Some(tone) = tone {
        tone.abort();
        let _ = tone.await;
    }
    report.tone_frames = tone_sent.load(Ordering::Acquire);
    if report.ending == Ending::EndDigit {
        play_out(&who, &mut media).await?;
    }
    say("bot", format!("{who}: hanging up"));
    call.hangup().await?;
    media_channel.hangup().await?;
    bridge.destroy().await?;
    Ok(report)
}

/// Sends the tone's frames (a 1 kHz-ish square wave in µ-law), counting them.
async fn send_tone(sender: MediaSender, frame_size: usize, sent: Arc<AtomicU64>) {
    let frame: Vec<u8> = (0..frame_size)
        .map(|i| if i % 8 < 4 { 0x1f } else { 0x9f })
        .collect();
    for _ in 0..TONE_FRAMES {
        if sender.send_audio(frame.clone()).await.is_err() {
            return;
        }
        sent.fetch_add(1, Ordering::AcqRel);
    }
}

/// Waits until what was sent has been played: a mark after it, answered
/// once Asterisk reaches it. Releases without `MARK_MEDIA` refuse it before
/// it is sent: then there is nothing to wait for.
async fn play_out(who: &str, media: &mut MediaChannel) -> Result {
    let mark = MediaCommand::MarkMedia {
        correlation_id: Some("bye".into()),
    };
    match media.command(mark).await {
        Ok(()) => {}
        Err(MediaError::NotInRelease { needs, server, .. }) => {
            say(
                "bot",
                format!("{who}: no MARK_MEDIA on {server} (needs {needs})"),
            );
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    }
    let played = async {
        while let Some(item) = media.next().await {
            if let MediaItem::Event(MediaEvent::MarkProcessed { correlation_id }) = item {
                if correlation_id.as_deref() == Some("bye") {
                    return true;
                }
            }
        }
        false
    };
    match tokio::time::timeout(PLAY_OUT_LIMIT, played).await {
        Ok(true) => say("bot", format!("{who}: the echo has been played")),
        Ok(false) => say("bot", format!("{who}: the media websocket closed first")),
        Err(_) => say("bot", format!("{who}: the echo did not play out in time")),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, demo::fake_asterisk(), app, demo::simulate).await
}
