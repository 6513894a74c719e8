//! Asterisk's "Getting Started with ARI": every call into the application is
//! answered, hears `sound:hello-world`, and is hung up.
//!
//! ```text
//! cargo run -p ari-sdk --example hello_world
//! ```
//!
//! This file is the application (what runs against a real Asterisk too);
//! `demo.rs` beside it is the embedded demo: the fake's dialplan and the
//! simulated callers.
//!
//! Without `ARI_URL` it runs against the embedded fake Asterisk, where alice
//! and bob dial extension 100. With `ARI_URL` (see the README) it serves a
//! real Asterisk until Ctrl-C: dial the extension that runs
//! `Stasis(hello-world)`.
//!
//! Each call runs in a task of its own as straight-line code on its handle:
//! answer, play and wait for the playback's end, hang up.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use ari_sdk::v22::{Call, StasisApp};
use common::{caller_of, say, Result};
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

#[tokio::main]
async fn main() -> Result {
    common::run(APP, demo::fake_asterisk(), app, demo::simulate).await
}
