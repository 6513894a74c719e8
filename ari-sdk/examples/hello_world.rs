//! Asterisk's "Getting Started with ARI": every call into the application is
//! answered, hears `sound:hello-world`, and is hung up.
//!
//! ```text
//! cargo run -p ari-sdk --example hello_world
//! ```
//!
//! Without `ARI_URL` it runs against the embedded fake Asterisk, where alice
//! and bob dial extension 100. With `ARI_URL` (see the README) it serves a
//! real Asterisk until Ctrl-C: dial the extension that runs
//! `Stasis(hello-world)`.
//!
//! One loop over the events: `StasisStart` answers and starts the playback
//! with an id of our own, and that playback's `PlaybackFinished` hangs up.
//! The loop reads the next event only after it has noted the playback id,
//! so the finish can never go unnoticed.

#[allow(dead_code)]
#[path = "common/mod.rs"]
pub mod common;

use std::collections::HashMap;
use std::time::Duration;

use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::{Ari, Event};
use ari_sdk_tests::fake::{FakeAsterisk, FakeAsteriskBuilder};
use common::{caller, say, Result};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "hello-world";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "100";

/// The application: answers, greets and hangs up every call.
pub async fn app(ari: Ari, mut events: Subscription<Event>) -> Result {
    // Playback id -> (channel id, who), for the hangup when it finishes.
    let mut greeting: HashMap<String, (String, String)> = HashMap::new();
    while let Some(item) = events.next().await {
        let event = match item {
            StreamItem::Event(event) => event,
            StreamItem::Reconnected { downtime, .. } => {
                say("hello", format!("events back after {downtime:?}"));
                continue;
            }
            _ => continue,
        };
        match &*event {
            Event::StasisStart(start) => {
                let channel = &start.channel;
                let who = caller(channel);
                say("hello", format!("{who} called: answering"));
                ari.channels().answer(&channel.id).await?;
                let playback_id = format!("{}-hello", channel.id);
                ari.channels()
                    .play_with_id(&channel.id, &playback_id, ["sound:hello-world"])
                    .await?;
                say("hello", format!("{who} hears sound:hello-world"));
                greeting.insert(playback_id, (channel.id.clone(), who));
            }
            Event::PlaybackFinished(finished) => {
                if let Some((channel_id, who)) = greeting.remove(&finished.playback.id) {
                    say("hello", format!("greeting done: hanging up {who}"));
                    common::hang_up(&ari, &channel_id).await?;
                }
            }
            Event::StasisEnd(end) => {
                say("hello", format!("{} left", caller(&end.channel)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The embedded fake's dialplan: extension 100 enters the application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Two simulated callers dial in, one after the other.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    for (phone, name, number) in [
        ("PJSIP/alice", "alice", "5551001"),
        ("PJSIP/bob", "bob", "5551002"),
    ] {
        let phone = fake.phone(phone)?;
        phone.set_caller_id(name, number);
        let call = phone.dial(EXTENSION)?;
        call.wait_hangup(Duration::from_secs(10)).await?;
        say("phone", format!("{name} heard {:?}", call.heard()));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, fake_asterisk(), app, simulate).await
}
