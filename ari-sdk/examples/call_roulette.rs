//! Call roulette: callers are paired at random, in the order they call. A
//! caller alone hears music on hold until a partner arrives; when one of a
//! pair hangs up, the other goes back into the pool.
//!
//! ```text
//! cargo run -p ari-sdk --example call_roulette
//! ```
//!
//! One loop over the events keeps the state: who is waiting, and who is
//! bridged with whom. Everything it does is plain ARI: `answer`,
//! `startMoh`/`stopMoh`, a mixing bridge per pair, `addChannel`, `destroy`.

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
pub const APP: &str = "call-roulette";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "200";

/// A pair in conversation.
#[derive(Debug, Clone)]
struct Pair {
    bridge_id: String,
    partner: String,
}

/// The roulette table.
#[derive(Debug, Default)]
struct Roulette {
    /// Who is on hold, waiting for a partner.
    waiting: Option<String>,
    /// Channel -> its pair.
    pairs: HashMap<String, Pair>,
    /// Channel -> who it is, for the narrative.
    names: HashMap<String, String>,
}

impl Roulette {
    fn name(&self, channel_id: &str) -> String {
        self.names
            .get(channel_id)
            .cloned()
            .unwrap_or_else(|| channel_id.to_string())
    }

    /// Pairs `channel_id` with whoever waits, or puts it on hold.
    async fn seat(&mut self, ari: &Ari, channel_id: &str) -> Result {
        let Some(partner) = self.waiting.take() else {
            ari.channels().start_moh(channel_id).await?;
            say(
                "roulette",
                format!("{} is alone: music on hold", self.name(channel_id)),
            );
            self.waiting = Some(channel_id.to_string());
            return Ok(());
        };
        ari.channels().stop_moh(&partner).await?;
        let bridge = ari.bridges().create().r#type("mixing").await?;
        ari.bridges()
            .add_channel(&bridge.id, [partner.as_str(), channel_id])
            .await?;
        say(
            "roulette",
            format!(
                "bridged {} <-> {} in bridge {}",
                self.name(&partner),
                self.name(channel_id),
                bridge.id
            ),
        );
        for (me, other) in [
            (channel_id, partner.as_str()),
            (partner.as_str(), channel_id),
        ] {
            self.pairs.insert(
                me.to_string(),
                Pair {
                    bridge_id: bridge.id.clone(),
                    partner: other.to_string(),
                },
            );
        }
        Ok(())
    }

    /// A caller left: free their seat; a partner left behind is seated again.
    async fn leave(&mut self, ari: &Ari, channel_id: &str) -> Result {
        let who = self.name(channel_id);
        self.names.remove(channel_id);
        if self.waiting.as_deref() == Some(channel_id) {
            self.waiting = None;
            say("roulette", format!("{who} hung up while waiting"));
            return Ok(());
        }
        let Some(pair) = self.pairs.remove(channel_id) else {
            return Ok(());
        };
        self.pairs.remove(&pair.partner);
        match ari.bridges().destroy(&pair.bridge_id).await {
            Err(error) if !error.is_not_found() => return Err(error.into()),
            _ => {}
        }
        say(
            "roulette",
            format!(
                "{who} hung up: {} goes back to the pool",
                self.name(&pair.partner)
            ),
        );
        self.seat(ari, &pair.partner).await
    }
}

/// The application.
pub async fn app(ari: Ari, mut events: Subscription<Event>) -> Result {
    let mut table = Roulette::default();
    while let Some(item) = events.next().await {
        let StreamItem::Event(event) = item else {
            continue;
        };
        let handled = match &*event {
            Event::StasisStart(start) => {
                let channel = &start.channel;
                table.names.insert(channel.id.clone(), caller(channel));
                say("roulette", format!("{} called", caller(channel)));
                match ari.channels().answer(&channel.id).await {
                    Ok(()) => table.seat(&ari, &channel.id).await,
                    Err(error) => Err(error.into()),
                }
            }
            Event::StasisEnd(end) => table.leave(&ari, &end.channel.id).await,
            _ => Ok(()),
        };
        // A caller hanging up in the middle of a step makes that step fail
        // (404); the StasisEnd that follows tidies up.
        if let Err(error) = handled {
            say("roulette", format!("{} failed: {error}", event.type_name()));
        }
    }
    Ok(())
}

/// The embedded fake's dialplan: extension 200 enters the application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Four callers come and go.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let pause = || tokio::time::sleep(Duration::from_millis(300));
    let mut calls = HashMap::new();
    let phones = [
        ("alice", "5551001"),
        ("bob", "5551002"),
        ("carol", "5551003"),
        ("dave", "5551004"),
    ];
    for (name, number) in phones {
        let phone = fake.phone(&format!("PJSIP/{name}"))?;
        phone.set_caller_id(name, number);
    }
    let dial = |name: &str| fake.phone(&format!("PJSIP/{name}"))?.dial(EXTENSION);
    for name in ["alice", "bob", "carol"] {
        say("phone", format!("{name} dials {EXTENSION}"));
        calls.insert(name, dial(name)?);
        pause().await;
    }
    say("phone", "alice hangs up");
    calls["alice"].hangup();
    pause().await;
    say("phone", "dave dials 200");
    calls.insert("dave", dial("dave")?);
    pause().await;
    for name in ["bob", "carol", "dave"] {
        say("phone", format!("{name} hangs up"));
        calls[name].hangup();
        pause().await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, fake_asterisk(), app, simulate).await
}
