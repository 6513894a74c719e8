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
//!
//! The state survives a lost connection: events Asterisk sent while the
//! websocket was down are gone, so on `Reconnected` (and on `Lagged`) the
//! table is checked against `GET /channels` and whoever left meanwhile is
//! let go (a partner left alone goes back to the pool); a waiting caller who
//! turns out to be gone when a partner arrives is replaced by the next.

#[allow(dead_code)]
#[path = "common/mod.rs"]
pub mod common;

use std::collections::HashMap;
use std::time::Duration;

use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::{Ari, Event};
use common::{caller, say, Result};
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};
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
        let partner = loop {
            let Some(partner) = self.waiting.take() else {
                ari.channels().start_moh(channel_id).await?;
                say(
                    "roulette",
                    format!("{} is alone: music on hold", self.name(channel_id)),
                );
                self.waiting = Some(channel_id.to_string());
                return Ok(());
            };
            match ari.channels().stop_moh(&partner).await {
                Ok(()) => break partner,
                // Gone without our hearing of it (its StasisEnd was lost
                // with the connection): nobody waits after all.
                Err(error) if error.is_not_found() => {
                    say("roulette", format!("{} had left", self.name(&partner)));
                    self.names.remove(&partner);
                }
                Err(error) => return Err(error.into()),
            }
        };
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

impl Roulette {
    /// After a gap in the events: lets go of everyone who is no longer
    /// there (their `StasisEnd` was lost with the connection), and puts a
    /// partner left alone back in the pool.
    async fn reconcile(&mut self, ari: &Ari) -> Result {
        let present = common::channel_ids(ari).await?;
        if let Some(waiting) = self.waiting.take_if(|id| !present.contains(id.as_str())) {
            say(
                "roulette",
                format!("{} left while waiting", self.name(&waiting)),
            );
            self.names.remove(&waiting);
        }
        let gone: Vec<String> = self
            .pairs
            .keys()
            .filter(|id| !present.contains(id.as_str()))
            .cloned()
            .collect();
        let mut alone = Vec::new();
        for channel_id in gone {
            let Some(pair) = self.pairs.remove(&channel_id) else {
                continue;
            };
            say(
                "roulette",
                format!("{} left meanwhile", self.name(&channel_id)),
            );
            self.names.remove(&channel_id);
            if self.pairs.remove(&pair.partner).is_some() {
                if present.contains(&pair.partner) {
                    alone.push(pair.partner.clone());
                } else {
                    self.names.remove(&pair.partner);
                }
            }
            match ari.bridges().destroy(&pair.bridge_id).await {
                Err(error) if !error.is_not_found() => return Err(error.into()),
                _ => {}
            }
        }
        for channel_id in alone {
            say(
                "roulette",
                format!("{} goes back to the pool", self.name(&channel_id)),
            );
            self.seat(ari, &channel_id).await?;
        }
        Ok(())
    }
}

/// The application.
pub async fn app(ari: Ari, mut events: Subscription<Event>) -> Result {
    let mut table = Roulette::default();
    while let Some(item) = events.next().await {
        let event = match item {
            StreamItem::Event(event) => event,
            // Events were lost: check the table against what Asterisk has.
            StreamItem::Reconnected { .. } | StreamItem::Lagged { .. } => {
                if let Err(error) = table.reconcile(&ari).await {
                    say("roulette", format!("cannot check the table: {error}"));
                }
                continue;
            }
            _ => continue,
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
