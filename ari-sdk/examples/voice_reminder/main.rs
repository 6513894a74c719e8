//! Voice reminders: the caller keys in a number of minutes and `#`, records
//! a reminder after the beep, and hangs up; when the time is up the
//! application calls them back and plays the reminder.
//!
//! ```text
//! cargo run -p ari-sdk --example voice_reminder
//! ```
//!
//! The callback is an originate into this same application with the
//! arguments `reminder,<recording>`, so the call-back side is just another
//! call. The caller's endpoint comes from their channel's name
//! (`PJSIP/alice-00000001` -> `PJSIP/alice`). The embedded demo runs with
//! 200 ms "minutes".

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;

use std::time::Duration;

use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::channels::{IfExists, TerminateOn};
use ari_sdk::v22::{Ari, Event};
use common::{caller, say, Call, Calls, Result};
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "voice-reminder";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "600";

/// How long a minute lasts in the embedded demo.
pub const DEMO_MINUTE: Duration = Duration::from_millis(200);

/// The application; `minute` is how long one keyed-in minute lasts.
pub async fn app(ari: Ari, mut events: Subscription<Event>, minute: Duration) -> Result {
    let mut calls = Calls::default();
    while let Some(item) = events.next().await {
        let event = match item {
            StreamItem::Event(event) => event,
            // Events were lost: calls that ended meanwhile end here too.
            StreamItem::Reconnected { .. } | StreamItem::Lagged { .. } => {
                if let Err(error) = calls.reconcile(&ari).await {
                    say("reminder", format!("cannot check the calls: {error}"));
                }
                continue;
            }
            _ => continue,
        };
        let Some(call) = calls.route(&event) else {
            continue;
        };
        let ari = ari.clone();
        tokio::spawn(async move {
            let who = caller(&call.channel);
            let result = match call.args.as_slice() {
                [what, recording] if what == "reminder" => {
                    let recording = recording.clone();
                    remind(&ari, call, &recording).await
                }
                _ => take_reminder(&ari, call, minute).await,
            };
            match result {
                Err(error) if common::gone(&error) => say("reminder", format!("{who} hung up")),
                Err(error) => say("reminder", format!("{who}: {error}")),
                Ok(()) => {}
            }
        });
    }
    Ok(())
}

/// The endpoint a channel belongs to: its name without the `-<sequence>`.
pub fn endpoint_of(channel_name: &str) -> &str {
    channel_name
        .rsplit_once('-')
        .map_or(channel_name, |(endpoint, _)| endpoint)
}

/// The incoming call: minutes, recording, then the timer.
async fn take_reminder(ari: &Ari, mut call: Call, minute: Duration) -> Result {
    let who = caller(&call.channel);
    ari.channels().answer(call.id()).await?;
    call.play(ari, &["sound:queue-minutes", "sound:beep"])
        .await?;
    let keyed = call.digits(3, Duration::from_secs(10)).await?;
    let minutes: u32 = match keyed.digits.parse() {
        Ok(minutes) if minutes > 0 => minutes,
        _ => {
            say(
                "reminder",
                format!("{who} keyed `{}`: not a number of minutes", keyed.digits),
            );
            call.play(ari, &["sound:invalid", "sound:goodbye"]).await?;
            return common::hang_up(ari, call.id()).await;
        }
    };
    say(
        "reminder",
        format!("{who}: a reminder in {minutes} minute(s)"),
    );
    let count = format!("number:{minutes}");
    call.play(ari, &["sound:you-entered", &count, "sound:queue-minutes"])
        .await?;
    let name = format!("reminder-{}", call.id().replace('.', "-"));
    ari.channels()
        .record(call.id(), &name, "wav")
        .beep(true)
        .terminate_on(TerminateOn::Hash)
        .max_silence_seconds(2)
        .max_duration_seconds(30)
        .if_exists(IfExists::Overwrite)
        .await?;
    let recording = call.recorded(&name).await?;
    say(
        "reminder",
        format!(
            "{who}: recorded {name} ({} s)",
            recording.duration.unwrap_or(0)
        ),
    );
    call.play(ari, &["sound:auth-thankyou"]).await?;
    common::hang_up(ari, call.id()).await?;

    let endpoint = endpoint_of(&call.channel.name).to_string();
    let ari = ari.clone();
    tokio::spawn(async move {
        tokio::time::sleep(minute * minutes).await;
        say("reminder", format!("time is up: calling {endpoint} back"));
        let callback = ari
            .channels()
            .originate(&endpoint)
            .app(APP)
            .app_args(format!("reminder,{name}"))
            .caller_id(format!("Reminder <{EXTENSION}>"))
            .timeout(30)
            .await;
        if let Err(error) = callback {
            say("reminder", format!("could not call {endpoint}: {error}"));
        }
    });
    Ok(())
}

/// The call back: play the recording, say goodbye, hang up, tidy up.
async fn remind(ari: &Ari, mut call: Call, recording: &str) -> Result {
    let who = call.channel.name.clone();
    say("reminder", format!("{who} answered: playing {recording}"));
    let media = format!("recording:{recording}");
    call.play(ari, &[&media, "sound:goodbye"]).await?;
    common::hang_up(ari, call.id()).await?;
    ari.recordings().delete_stored(recording).await?;
    say(
        "reminder",
        format!("reminder {recording} delivered and deleted"),
    );
    Ok(())
}

/// The embedded fake's dialplan: extension 600 enters the application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Alice asks for a reminder in 2 minutes (400 ms here) and gets it.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let wait = Duration::from_secs(10);
    let alice = fake.phone("PJSIP/alice")?;
    alice.set_caller_id("alice", "5551001");
    let call = alice.dial(EXTENSION)?;
    let target = format!("channel:{}", call.channel_id());
    fake.wait_for_event(wait, |e| {
        e.event["type"] == "PlaybackFinished" && e.event["playback"]["target_uri"] == target
    })
    .await?;
    say("phone", "alice keys 2#");
    call.press("2#").await;
    fake.wait_for_event(wait, |e| {
        e.event["type"] == "RecordingStarted" && e.event["recording"]["target_uri"] == target
    })
    .await?;
    say("phone", "alice: \"call the dentist\" #");
    call.speak(1500).await;
    call.press("#").await;
    call.wait_hangup(wait).await?;
    let callback = alice.next_incoming(wait).await?;
    say("phone", "alice's phone rings: she answers");
    callback.wait_hangup(wait).await?;
    say("phone", format!("alice heard {:?}", callback.heard()));
    let deadline = tokio::time::Instant::now() + wait;
    while !fake.stored_recordings().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    let minute = if common::real_asterisk() {
        Duration::from_secs(60)
    } else {
        DEMO_MINUTE
    };
    common::run(
        APP,
        fake_asterisk(),
        |ari, events| app(ari, events, minute),
        simulate,
    )
    .await
}
