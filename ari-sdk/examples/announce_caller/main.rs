//! Tells callers their own number: answer, play the caller id as digits,
//! wait until the playback has finished, hang up.
//!
//! ```text
//! cargo run -p ari-sdk --example announce_caller
//! ```
//!
//! This file is the application (what runs against a real Asterisk too);
//! `demo.rs` beside it is the embedded demo: the fake's dialplan and the
//! simulated callers.
//!
//! Each call runs in a task of its own as straight-line code on its handle
//! (`StasisApp::calls` hands every call its own events), so calls never
//! wait for one another.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use ari_sdk::v22::{Call, StasisApp};
use common::{caller_of, say, Result};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "announce-caller";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "101";

/// The application: one task per call.
pub async fn app(app: StasisApp) -> Result {
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        tokio::spawn(async move {
            if let Err(error) = announce(&call).await {
                say("announce", format!("{}: {error}", caller_of(&call)));
            }
        });
    }
    Ok(())
}

/// The media that says a caller id digit by digit: `digits:5551001`, or
/// nothing when there is no number to say.
pub fn number_media(number: &str) -> Option<String> {
    let sayable: String = number
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '*' | '#'))
        .collect();
    (!sayable.is_empty()).then(|| format!("digits:{sayable}"))
}

/// One call: answer, say the number, hang up once it has been said.
async fn announce(call: &Call) -> Result {
    let who = caller_of(call);
    call.answer().await?;
    let number = &call.snapshot().caller.number;
    match number_media(number) {
        Some(media) => {
            say("announce", format!("{who}: playing {media}"));
            let playback = call.play([media]).await?;
            say(
                "announce",
                format!("{who}: {} {}", playback.media_uri, playback.state.as_str()),
            );
        }
        None => say("announce", format!("{who}: no number to announce")),
    }
    say("announce", format!("{who}: hanging up"));
    call.hangup().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, demo::fake_asterisk(), app, demo::simulate).await
}
