//! Call roulette: callers are paired at random, in the order they call. A
//! caller alone hears music on hold until a partner arrives; when one of a
//! pair hangs up, the other goes back into the pool.
//!
//! ```text
//! cargo run -p ari-sdk --example call_roulette
//! ```
//!
//! This file is the application (what runs against a real Asterisk too);
//! `demo.rs` beside it is the embedded demo: the fake's dialplan and the
//! simulated callers.
//!
//! Each call runs in a task of its own, as straight-line code on its handle:
//! answer, take a seat (with the caller who waits, in a mixing bridge for
//! the two, or alone on music on hold until someone comes), talk until one
//! of the two hangs up, and take a seat again when it was the partner. The
//! only state shared between the calls is who waits.
//!
//! A lost connection needs nothing more: events Asterisk sent while the
//! websocket was down are gone, but once it is back the handles check what
//! they follow against Asterisk, and a call that left meanwhile ends
//! (`HandleEnded::VanishedDuringReconnect`) as if it had just hung up.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use std::sync::Arc;

use ari_sdk::v22::{BridgeHandle, Call, ChannelHandle, StasisApp};
use common::{caller_of, say, Result};
use futures::StreamExt;
use tokio::sync::{oneshot, Mutex};

/// The Stasis application.
pub const APP: &str = "call-roulette";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "200";

/// A caller at the table: their channel and who they are.
#[derive(Debug, Clone)]
struct Player {
    channel: ChannelHandle,
    name: String,
}

/// Two callers talking: their bridge, and the other one.
#[derive(Debug)]
struct Pair {
    bridge: BridgeHandle,
    partner: Player,
}

/// The caller on hold, and how to hand them their pair.
#[derive(Debug)]
struct Waiting {
    player: Player,
    paired: oneshot::Sender<Pair>,
}

/// Who waits for a partner: nobody or one caller. Seating is done under
/// its lock, one caller at a time.
type Table = Arc<Mutex<Option<Waiting>>>;

/// The application: one task per call, sharing the table.
pub async fn app(app: StasisApp) -> Result {
    let table = Table::default();
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        let table = Arc::clone(&table);
        tokio::spawn(async move {
            let result = play(&table, &call).await;
            common::report("roulette", &call, result);
        });
    }
    Ok(())
}

/// One caller: answer, then partner after partner until they hang up.
async fn play(table: &Table, call: &Call) -> Result {
    let me = Player {
        channel: call.channel().clone(),
        name: caller_of(call),
    };
    say("roulette", format!("{} called", me.name));
    call.answer().await?;
    while let Some(pair) = take_seat(table, &me).await? {
        // Talk until one of the two hangs up. Whoever stays destroys the
        // bridge (both at once would race: Asterisk answers the second with
        // a 409), the one who leaves only when the other left too.
        tokio::select! {
            _ = call.ended() => {
                if pair.partner.channel.end_reason().is_some() {
                    pair.bridge.destroy().await?;
                }
                return Ok(());
            }
            _ = pair.partner.channel.ended() => {
                pair.bridge.destroy().await?;
                say(
                    "roulette",
                    format!("{} hung up: {} goes back to the pool", pair.partner.name, me.name),
                );
            }
        }
    }
    Ok(())
}

/// Pairs `me` with the caller who waits, or puts `me` on hold until a
/// partner comes; `None` when `me` hangs up first.
async fn take_seat(table: &Table, me: &Player) -> Result<Option<Pair>> {
    loop {
        let mut seat = table.lock().await;
        let Some(waiting) = seat.take() else {
            me.channel.start_moh().await?;
            let (paired, pair) = oneshot::channel();
            *seat = Some(Waiting {
                player: me.clone(),
                paired,
            });
            drop(seat);
            say("roulette", format!("{} is alone: music on hold", me.name));
            tokio::select! {
                pair = pair => match pair {
                    Ok(pair) => return Ok(Some(pair)),
                    // The one pairing with us failed half-way: sit down again.
                    Err(_) => continue,
                },
                _ = me.channel.ended() => {
                    let mut seat = table.lock().await;
                    if seat.as_ref().is_some_and(|w| w.player.channel.id() == me.channel.id()) {
                        *seat = None;
                    }
                    say("roulette", format!("{} hung up while waiting", me.name));
                    return Ok(None);
                }
            }
        };
        drop(seat);
        let partner = waiting.player;
        match partner.channel.stop_moh().await {
            Ok(()) => {}
            // Gone without our hearing of it yet (its end is on its way,
            // or was lost with the connection): nobody waits after all.
            Err(error) if error.is_not_found() => {
                say("roulette", format!("{} had left", partner.name));
                continue;
            }
            Err(error) => return Err(error.into()),
        }
        let bridge = me
            .channel
            .app()
            .bridge_channels([&partner.channel, &me.channel])
            .await?;
        say(
            "roulette",
            format!(
                "bridged {} <-> {} in bridge {}",
                partner.name,
                me.name,
                bridge.id()
            ),
        );
        // A partner who hung up meanwhile no longer listens: we see their
        // end when we talk.
        let _ = waiting.paired.send(Pair {
            bridge: bridge.clone(),
            partner: me.clone(),
        });
        return Ok(Some(Pair { bridge, partner }));
    }
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, demo::fake_asterisk(), app, demo::simulate).await
}
