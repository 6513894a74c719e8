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
//! Each call runs in a task of its own as straight-line code on its handle:
//! answer, play and wait for the playback's end, hang up.

#[allow(dead_code)]
#[path = "common/mod.rs"]
pub mod common;

use std::time::Duration;

use ari_sdk::v22::{Call, StasisApp};
use common::{caller_of, say, Result};
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "hello-world";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "100";

/// The application: answers, greets and hangs up every call.
pub async fn app(app: StasisApp) -> Result {
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        tokio::spawn(async move {
            if let Err(error) = greet(&call).await {
                say("hello", format!("{}: {error}", caller_of(&call)));
            }
        });
    }
    Ok(())
}

/// One call: answer, play `sound:hello-world` to its end, hang up.
async fn greet(call: &Call) -> Result {
    let who = caller_of(call);
    say("hello", format!("{who} called: answering"));
    call.answer().await?;
    say("hello", format!("{who} hears sound:hello-world"));
    match call.play(["sound:hello-world"]).await {
        Ok(_) => say("hello", format!("greeting done: hanging up {who}")),
        // The caller hung up during it, or the sound could not be played:
        // nobody heard it to the end.
        Err(error) if error.ended().is_some() => {
            say("hello", format!("{who}: greeting not heard ({error})"))
        }
        Err(error) => return Err(error.into()),
    }
    // A caller who already hung up is fine.
    call.hangup().await?;
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
    common::run_stasis(APP, fake_asterisk(), app, simulate).await
}
