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
//!
//! This file is the application (what runs against a real Asterisk too);
//! `demo.rs` beside it is the embedded demo: the fake's dialplan and the
//! simulated caller.
//!
//! Each call runs in a task of its own, as straight-line code on its handle:
//! `call.prompt(..)` plays the question and collects the minutes,
//! `call.record(..).await` records until `#` or silence.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use std::time::Duration;

use ari_sdk::handles::{IfExists, Prompt, RecordOptions, TerminateOn};
use ari_sdk::v22::{Call, StasisApp};
use common::{caller_of, say, Result};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "voice-reminder";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "600";

/// How long a minute lasts in the embedded demo.
pub const DEMO_MINUTE: Duration = Duration::from_millis(200);

/// The application; `minute` is how long one keyed-in minute lasts.
pub async fn app(app: StasisApp, minute: Duration) -> Result {
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        tokio::spawn(async move {
            let result = match call.args() {
                [what, recording] if what == "reminder" => remind(&call, recording).await,
                _ => take_reminder(&call, minute).await,
            };
            common::report("reminder", &call, result);
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
async fn take_reminder(call: &Call, minute: Duration) -> Result {
    let who = caller_of(call);
    call.answer().await?;
    // Up to three digits, `#` ends early; 10 s to key each one.
    let question = Prompt::new(["sound:queue-minutes", "sound:beep"])
        .max_digits(3)
        .first_digit_timeout(Duration::from_secs(10))
        .inter_digit_timeout(Duration::from_secs(10));
    let keyed = call.prompt(&question).await?;
    let minutes: u32 = match keyed.digits.parse() {
        Ok(minutes) if minutes > 0 => minutes,
        _ => {
            say(
                "reminder",
                format!("{who} keyed `{}`: not a number of minutes", keyed.digits),
            );
            call.play(["sound:invalid", "sound:goodbye"]).await?;
            call.hangup().await?;
            return Ok(());
        }
    };
    say(
        "reminder",
        format!("{who}: a reminder in {minutes} minute(s)"),
    );
    let count = format!("number:{minutes}");
    call.play(["sound:you-entered", &count, "sound:queue-minutes"])
        .await?;
    let name = format!("reminder-{}", call.id().replace('.', "-"));
    let reminder = RecordOptions::new("wav")
        .name(&name)
        .beep(true)
        .terminate_on(TerminateOn::Hash)
        .max_silence_seconds(2)
        .max_duration_seconds(30)
        .if_exists(IfExists::Overwrite);
    let recording = call.record(reminder).await?;
    say(
        "reminder",
        format!(
            "{who}: recorded {name} ({} s)",
            recording.duration.unwrap_or(0)
        ),
    );
    call.play(["sound:auth-thankyou"]).await?;
    call.hangup().await?;

    // The call back is a call into this application like any other, with
    // the arguments that make it a reminder.
    let endpoint = endpoint_of(&call.snapshot().name).to_string();
    let ari = call.ari().clone();
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
async fn remind(call: &Call, recording: &str) -> Result {
    let who = &call.snapshot().name;
    say("reminder", format!("{who} answered: playing {recording}"));
    call.play([format!("recording:{recording}"), "sound:goodbye".into()])
        .await?;
    call.hangup().await?;
    call.ari().recordings().delete_stored(recording).await?;
    say(
        "reminder",
        format!("reminder {recording} delivered and deleted"),
    );
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
        demo::fake_asterisk(),
        |stasis| app(stasis, minute),
        demo::simulate,
    )
    .await
}
