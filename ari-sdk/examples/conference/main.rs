//! A conference room: one mixing bridge; a join sound when someone comes in,
//! a leave sound when someone goes, "you are the only person" for the first
//! one, and `1` to mute or unmute yourself.
//!
//! ```text
//! cargo run -p ari-sdk --example conference
//! ```
//!
//! This file is the application (what runs against a real Asterisk too);
//! `demo.rs` beside it is the embedded demo: the fake's dialplan and the
//! simulated callers.
//!
//! Each call runs in a task of its own, as straight-line code on its handle:
//! answer, join the room, listen for the mute key until the caller hangs
//! up, leave the room. The bridge is made when the first caller arrives and
//! destroyed when the last one leaves; muting is ARI's channel mute in the
//! `in` direction (the others stop hearing you).
//!
//! A lost connection needs nothing more: once the websocket is back the
//! handles check what they follow against Asterisk, so a member who left
//! meanwhile leaves the room as if they had just hung up, and a bridge that
//! is gone is made again for the next caller.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use std::sync::Arc;

use ari_sdk::stream::StreamItem;
use ari_sdk::v22::channels::{MuteDirection, UnmuteDirection};
use ari_sdk::v22::{BridgeHandle, Call, Event, StasisApp};
use common::{caller_of, say, Result};
use futures::StreamExt;
use tokio::sync::Mutex;

/// The Stasis application.
pub const APP: &str = "conference";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "400";

/// The key that mutes and unmutes.
pub const MUTE_KEY: &str = "1";

/// The room: its bridge and who is in it (channel ids). Joining and leaving
/// are done under its lock, one caller at a time.
#[derive(Debug, Default)]
struct Room {
    bridge: Option<BridgeHandle>,
    members: Vec<String>,
}

/// The application: one task per call, sharing the room.
pub async fn app(app: StasisApp) -> Result {
    let room = Arc::new(Mutex::new(Room::default()));
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        let room = Arc::clone(&room);
        tokio::spawn(async move {
            let result = attend(&room, &call).await;
            common::report("conference", &call, result);
        });
    }
    Ok(())
}

/// One caller: in the room from the answer to the hang-up.
async fn attend(room: &Mutex<Room>, call: &Call) -> Result {
    call.answer().await?;
    let (bridge, alone) = join(room, call).await?;
    let taken_part = take_part(call, alone).await;
    leave(room, &bridge, call).await?;
    taken_part
}

/// Puts the caller in the room (opening it for the first one) and
/// announces them; says whether they are alone.
async fn join(room: &Mutex<Room>, call: &Call) -> Result<(BridgeHandle, bool)> {
    let mut room = room.lock().await;
    let open = room.bridge.clone().filter(|b| b.end_reason().is_none());
    let bridge = match open {
        Some(bridge) => bridge,
        None => {
            if let Some(gone) = room.bridge.take() {
                say("conference", format!("bridge {} is gone", gone.id()));
            }
            let bridge = call
                .app()
                .create_bridge_staged(|ari, id| {
                    ari.bridges().create_with_id(id).r#type("mixing").name(APP)
                })
                .await?;
            say("conference", format!("room open: bridge {}", bridge.id()));
            room.members.clear();
            room.bridge = Some(bridge.clone());
            bridge
        }
    };
    bridge.add_channel([call.id()]).await?;
    room.members.push(call.id().to_string());
    // Announced to everyone, in the background.
    bridge.play(["sound:confbridge-join"]).start().await?;
    say(
        "conference",
        format!(
            "{} joined: {} in the room",
            caller_of(call),
            room.members.len()
        ),
    );
    Ok((bridge, room.members.len() == 1))
}

/// The caller in the room: the mute key toggles their mute, until they
/// hang up.
async fn take_part(call: &Call, alone: bool) -> Result {
    // From the call's start on: a key pressed while joining counts too.
    let mut events = call.events();
    if alone {
        call.play(["sound:conf-onlyperson"]).await?;
    }
    let mut muted = false;
    loop {
        let item = tokio::select! {
            item = events.next() => item,
            _ = call.ended() => return Ok(()),
        };
        match item {
            Some(StreamItem::Event(event)) => match &*event {
                Event::ChannelDtmfReceived(key) if key.digit == MUTE_KEY => {
                    muted = toggle_mute(call, muted).await?;
                }
                _ => {}
            },
            Some(_) => {}
            None => return Ok(()),
        }
    }
}

/// Mutes or unmutes the caller and tells them; returns whether they are
/// muted now.
async fn toggle_mute(call: &Call, muted: bool) -> Result<bool> {
    let who = caller_of(call);
    if muted {
        call.unmute(UnmuteDirection::In).await?;
        call.play(["sound:conf-unmuted"]).await?;
        say("conference", format!("{who} unmuted"));
    } else {
        call.mute(MuteDirection::In).await?;
        call.play(["sound:conf-muted"]).await?;
        say("conference", format!("{who} muted"));
    }
    Ok(!muted)
}

/// Takes the caller out of the room: the last one closes it, the others
/// hear that someone left.
async fn leave(room: &Mutex<Room>, bridge: &BridgeHandle, call: &Call) -> Result {
    let who = caller_of(call);
    let mut room = room.lock().await;
    if room.bridge.as_ref().map(BridgeHandle::id) != Some(bridge.id()) {
        // That room is gone already.
        return Ok(());
    }
    room.members.retain(|id| id != call.id());
    if room.members.is_empty() {
        room.bridge = None;
        bridge.destroy().await?;
        say("conference", format!("{who} left; room closed"));
    } else {
        bridge.play(["sound:confbridge-leave"]).start().await?;
        say(
            "conference",
            format!("{who} left: {} in the room", room.members.len()),
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, demo::fake_asterisk(), app, demo::simulate).await
}
