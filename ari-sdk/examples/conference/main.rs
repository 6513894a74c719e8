//! A conference room: one mixing bridge; a join sound when someone comes in,
//! a leave sound when someone goes, "you are the only person" for the first
//! one, and `1` to mute or unmute yourself.
//!
//! ```text
//! cargo run -p ari-sdk --example conference
//! ```
//!
//! One loop over the events. The bridge is made when the first caller
//! arrives and destroyed when the last one leaves; muting is ARI's channel
//! mute in the `in` direction (the others stop hearing you). After a gap in
//! the events (`Reconnected`, `Lagged`) the room is checked against
//! `GET /channels` and `GET /bridges`: whoever left meanwhile leaves the
//! room too, and a bridge that is gone is made again for the next caller.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;

use std::collections::HashMap;
use std::time::Duration;

use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::channels::{MuteDirection, UnmuteDirection};
use ari_sdk::v22::{Ari, Event};
use common::{caller, say, Result};
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "conference";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "400";

/// The key that mutes and unmutes.
pub const MUTE_KEY: &str = "1";

/// The room: its bridge and who is in it.
#[derive(Debug, Default)]
struct Room {
    bridge: Option<String>,
    /// Channel -> (who, muted).
    members: HashMap<String, (String, bool)>,
}

impl Room {
    async fn join(&mut self, ari: &Ari, channel_id: &str, who: String) -> Result {
        ari.channels().answer(channel_id).await?;
        let bridge = match &self.bridge {
            Some(bridge) => bridge.clone(),
            None => {
                let bridge = ari.bridges().create().r#type("mixing").name(APP).await?;
                say("conference", format!("room open: bridge {}", bridge.id));
                self.bridge = Some(bridge.id.clone());
                bridge.id
            }
        };
        ari.bridges().add_channel(&bridge, [channel_id]).await?;
        ari.bridges()
            .play(&bridge, ["sound:confbridge-join"])
            .await?;
        if self.members.is_empty() {
            ari.channels()
                .play(channel_id, ["sound:conf-onlyperson"])
                .await?;
        }
        self.members
            .insert(channel_id.to_string(), (who.clone(), false));
        say(
            "conference",
            format!("{who} joined: {} in the room", self.members.len()),
        );
        Ok(())
    }

    async fn toggle_mute(&mut self, ari: &Ari, channel_id: &str) -> Result {
        let Some((who, muted)) = self.members.get_mut(channel_id) else {
            return Ok(());
        };
        if *muted {
            ari.channels()
                .unmute(channel_id, UnmuteDirection::In)
                .await?;
            ari.channels()
                .play(channel_id, ["sound:conf-unmuted"])
                .await?;
            say("conference", format!("{who} unmuted"));
        } else {
            ari.channels().mute(channel_id, MuteDirection::In).await?;
            ari.channels()
                .play(channel_id, ["sound:conf-muted"])
                .await?;
            say("conference", format!("{who} muted"));
        }
        *muted = !*muted;
        Ok(())
    }

    async fn leave(&mut self, ari: &Ari, channel_id: &str) -> Result {
        let Some((who, _)) = self.members.remove(channel_id) else {
            return Ok(());
        };
        let Some(bridge) = self.bridge.clone() else {
            return Ok(());
        };
        if self.members.is_empty() {
            self.bridge = None;
            match ari.bridges().destroy(&bridge).await {
                Err(error) if !error.is_not_found() => return Err(error.into()),
                _ => {}
            }
            say("conference", format!("{who} left; room closed"));
        } else {
            ari.bridges()
                .play(&bridge, ["sound:confbridge-leave"])
                .await?;
            say(
                "conference",
                format!("{who} left: {} in the room", self.members.len()),
            );
        }
        Ok(())
    }
}

impl Room {
    /// After a gap in the events: lets go of the members who are gone
    /// (their `StasisEnd` was lost with the connection) and forgets a
    /// bridge Asterisk no longer has.
    async fn reconcile(&mut self, ari: &Ari) -> Result {
        let present = common::channel_ids(ari).await?;
        let gone: Vec<String> = self
            .members
            .keys()
            .filter(|id| !present.contains(id.as_str()))
            .cloned()
            .collect();
        for channel_id in gone {
            self.leave(ari, &channel_id).await?;
        }
        if let Some(bridge) = &self.bridge {
            let bridges = ari.bridges().list().await?;
            if !bridges.iter().any(|b| &b.id == bridge) {
                say("conference", format!("bridge {bridge} is gone"));
                self.bridge = None;
                self.members.clear();
            }
        }
        Ok(())
    }
}

/// The application.
pub async fn app(ari: Ari, mut events: Subscription<Event>) -> Result {
    let mut room = Room::default();
    while let Some(item) = events.next().await {
        let event = match item {
            StreamItem::Event(event) => event,
            // Events were lost: check the room against what Asterisk has.
            StreamItem::Reconnected { .. } | StreamItem::Lagged { .. } => {
                if let Err(error) = room.reconcile(&ari).await {
                    say("conference", format!("cannot check the room: {error}"));
                }
                continue;
            }
            _ => continue,
        };
        let handled = match &*event {
            Event::StasisStart(start) => {
                room.join(&ari, &start.channel.id, caller(&start.channel))
                    .await
            }
            Event::ChannelDtmfReceived(dtmf) if dtmf.digit == MUTE_KEY => {
                room.toggle_mute(&ari, &dtmf.channel.id).await
            }
            Event::StasisEnd(end) => room.leave(&ari, &end.channel.id).await,
            _ => Ok(()),
        };
        if let Err(error) = handled {
            say(
                "conference",
                format!("{} failed: {error}", event.type_name()),
            );
        }
    }
    Ok(())
}

/// The embedded fake's dialplan: extension 400 enters the room.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Three callers join; bob mutes and unmutes himself; all leave.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let pause = || tokio::time::sleep(Duration::from_millis(250));
    let mut calls = Vec::new();
    for (name, number) in [
        ("alice", "5551001"),
        ("bob", "5551002"),
        ("carol", "5551003"),
    ] {
        let phone = fake.phone(&format!("PJSIP/{name}"))?;
        phone.set_caller_id(name, number);
        say("phone", format!("{name} dials {EXTENSION}"));
        calls.push((name, phone.dial(EXTENSION)?));
        pause().await;
    }
    say("phone", format!("bob presses {MUTE_KEY}"));
    calls[1].1.press(MUTE_KEY).await;
    pause().await;
    say("phone", format!("bob presses {MUTE_KEY} again"));
    calls[1].1.press(MUTE_KEY).await;
    pause().await;
    for (name, call) in &calls {
        say("phone", format!("{name} hangs up"));
        call.hangup();
        pause().await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, fake_asterisk(), app, simulate).await
}
