//! Tells callers their own number: answer, play the caller id as digits,
//! wait until the playback has finished, hang up.
//!
//! ```text
//! cargo run -p ari-sdk --example announce_caller
//! ```
//!
//! Each call runs as straight-line code in a task of its own: the event loop
//! only routes events to their calls (see `common::Calls`), so calls never
//! wait for one another.

#[allow(dead_code)]
#[path = "common/mod.rs"]
pub mod common;

use std::time::Duration;

use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::{Ari, Event};
use ari_sdk_tests::fake::{FakeAsterisk, FakeAsteriskBuilder};
use common::{caller, say, Call, Calls, Result};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "announce-caller";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "101";

/// The application: one task per call.
pub async fn app(ari: Ari, mut events: Subscription<Event>) -> Result {
    let mut calls = Calls::default();
    while let Some(item) = events.next().await {
        let StreamItem::Event(event) = item else {
            continue;
        };
        if let Some(call) = calls.route(&event) {
            let ari = ari.clone();
            tokio::spawn(async move {
                let who = caller(&call.channel);
                if let Err(error) = announce(&ari, call).await {
                    say("announce", format!("{who}: {error}"));
                }
            });
        }
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
async fn announce(ari: &Ari, mut call: Call) -> Result {
    let who = caller(&call.channel);
    ari.channels().answer(call.id()).await?;
    match number_media(&call.channel.caller.number) {
        Some(media) => {
            say("announce", format!("{who}: playing {media}"));
            let playback = call.play(ari, &[&media]).await?;
            say(
                "announce",
                format!("{who}: {} {}", playback.media_uri, playback.state.as_str()),
            );
        }
        None => say("announce", format!("{who}: no number to announce")),
    }
    say("announce", format!("{who}: hanging up"));
    common::hang_up(ari, call.id()).await
}

/// The embedded fake's dialplan: extension 101 enters the application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Two callers at the same time.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let mut calls = Vec::new();
    for (phone, name, number) in [
        ("PJSIP/alice", "alice", "5551001"),
        ("PJSIP/bob", "bob", "5551002"),
    ] {
        let phone = fake.phone(phone)?;
        phone.set_caller_id(name, number);
        calls.push((name, phone.dial(EXTENSION)?));
    }
    for (name, call) in calls {
        call.wait_hangup(Duration::from_secs(10)).await?;
        say("phone", format!("{name} heard {:?}", call.heard()));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, fake_asterisk(), app, simulate).await
}
