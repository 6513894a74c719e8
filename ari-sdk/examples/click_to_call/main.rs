//! Click-to-call, as an operator panel does it: call the first endpoint;
//! once it answers, tell it to hold on and call the second; when that one
//! answers, bridge them. The panel shows both endpoints' states and device
//! states as they change, from ARI's `EndpointStateChange` and
//! `DeviceStateChanged` events.
//!
//! ```text
//! cargo run -p ari-sdk --example click_to_call
//! ARI_URL=... cargo run -p ari-sdk --example click_to_call -- PJSIP/alice PJSIP/bob
//! ```
//!
//! No dialplan is needed: both legs are originated straight into the
//! application (`leg-a`, `leg-b`).

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;

use std::collections::HashMap;
use std::time::Duration;

use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::{Ari, Event};
use common::{say, Result};
use fake_asterisk::{AnswerMode, FakeAsterisk, FakeAsteriskBuilder};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "click-to-call";

/// What the operator clicked: call `from`, then connect it to `to`.
#[derive(Debug, Clone)]
pub struct ClickToCall {
    /// The endpoint called first (`PJSIP/alice`).
    pub from: String,
    /// The endpoint it is connected to (`PJSIP/bob`).
    pub to: String,
}

/// How the call went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The bridge the two legs talked in, if they did.
    pub bridge: Option<String>,
    /// Why the call did not connect, if it did not.
    pub failure: Option<String>,
    /// Every device state the panel showed: (device, state).
    pub device_states: Vec<(String, String)>,
    /// Every endpoint state the panel showed: (endpoint, state, channels).
    pub endpoint_states: Vec<(String, String, usize)>,
}

/// The two legs' channels.
#[derive(Debug, Default)]
struct Legs {
    a: Option<String>,
    b: Option<String>,
    a_up: bool,
    b_up: bool,
}

/// Places one click-to-call and returns when both legs are gone.
pub async fn app(ari: Ari, mut events: Subscription<Event>, click: ClickToCall) -> Result<Report> {
    let mut report = Report::default();
    let endpoints = [click.from.as_str(), click.to.as_str()];
    // The application hears about the endpoints and devices from now on.
    let sources: Vec<String> = endpoints
        .iter()
        .flat_map(|e| [format!("endpoint:{e}"), format!("deviceState:{e}")])
        .collect();
    ari.applications().subscribe(APP, sources).await?;
    show_panel(&ari, &endpoints).await?;

    let mut legs = Legs::default();
    // Playback id -> the channel to hang up once that playback has finished.
    let mut hang_up_after = HashMap::new();
    let a = ari
        .channels()
        .originate(&click.from)
        .app(APP)
        .app_args("leg-a")
        .caller_id(format!("Operator <{}>", click.to))
        .timeout(30)
        .await?;
    say(
        "click",
        format!("calling {} (channel {})", click.from, a.id),
    );
    legs.a = Some(a.id);

    while let Some(item) = events.next().await {
        let event = match item {
            StreamItem::Event(event) => event,
            StreamItem::Reconnected { .. } | StreamItem::Lagged { .. } => {
                hang_up_after_lost_finishes(&ari, &mut hang_up_after).await?;
                continue;
            }
            _ => continue,
        };
        match &*event {
            Event::DeviceStateChanged(e) => {
                let state = e.device_state.state.as_str().to_string();
                say(
                    "panel",
                    format!("device {:<12} {state}", e.device_state.name),
                );
                report
                    .device_states
                    .push((e.device_state.name.clone(), state));
            }
            Event::EndpointStateChange(e) => {
                let endpoint = format!("{}/{}", e.endpoint.technology, e.endpoint.resource);
                let state = e
                    .endpoint
                    .state
                    .as_ref()
                    .map_or("unknown", |s| s.as_str())
                    .to_string();
                let channels = e.endpoint.channel_ids.len();
                say(
                    "panel",
                    format!("endpoint {endpoint:<10} {state}, {channels} channel(s)"),
                );
                report.endpoint_states.push((endpoint, state, channels));
            }
            Event::StasisStart(start) if legs.a.as_deref() == Some(&start.channel.id) => {
                legs.a_up = true;
                say(
                    "click",
                    format!("{} answered: calling {}", click.from, click.to),
                );
                ari.channels()
                    .play(&start.channel.id, ["sound:pls-hold-while-try"])
                    .await?;
                let b = ari
                    .channels()
                    .originate(&click.to)
                    .app(APP)
                    .app_args("leg-b")
                    .caller_id(format!("{} <{}>", click.from, click.from))
                    .timeout(30)
                    .await;
                match b {
                    Ok(b) => legs.b = Some(b.id),
                    Err(error) => {
                        say("click", format!("cannot call {}: {error}", click.to));
                        report.failure = Some(error.to_string());
                        tell_no_answer(&ari, &start.channel.id, &mut hang_up_after).await?;
                    }
                }
            }
            Event::StasisStart(start) if legs.b.as_deref() == Some(&start.channel.id) => {
                legs.b_up = true;
                let (Some(a), Some(b)) = (legs.a.clone(), legs.b.clone()) else {
                    continue;
                };
                let bridge = ari.bridges().create().r#type("mixing").await?;
                ari.bridges().add_channel(&bridge.id, [&a, &b]).await?;
                say(
                    "click",
                    format!(
                        "{} answered: bridged with {} in {}",
                        click.to, click.from, bridge.id
                    ),
                );
                report.bridge = Some(bridge.id);
            }
            Event::ChannelDestroyed(gone) => {
                let id = gone.channel.id.as_str();
                let is_a = legs.a.as_deref() == Some(id);
                let is_b = legs.b.as_deref() == Some(id);
                if !is_a && !is_b {
                    continue;
                }
                let answered = if is_a { legs.a_up } else { legs.b_up };
                let who = if is_a { &click.from } else { &click.to };
                if !answered {
                    say("click", format!("{who} did not answer: {}", gone.cause_txt));
                    report.failure = Some(format!("{who}: {}", gone.cause_txt));
                } else {
                    say("click", format!("{who} hung up"));
                }
                if is_a {
                    legs.a = None;
                } else {
                    legs.b = None;
                }
                // The other leg is not left alone on the line.
                match (is_a, &legs.a, &legs.b) {
                    (true, _, Some(other)) => common::hang_up(&ari, other).await?,
                    (false, Some(other), _) if answered => common::hang_up(&ari, other).await?,
                    (false, Some(other), _) => {
                        tell_no_answer(&ari, other, &mut hang_up_after).await?
                    }
                    _ => {}
                }
                if legs.a.is_none() && legs.b.is_none() {
                    break;
                }
            }
            Event::PlaybackFinished(done) => {
                if let Some(channel_id) = hang_up_after.remove(&done.playback.id) {
                    common::hang_up(&ari, &channel_id).await?;
                }
            }
            _ => {}
        }
    }
    if let Some(bridge) = &report.bridge {
        match ari.bridges().destroy(bridge).await {
            Err(error) if !error.is_not_found() => return Err(error.into()),
            _ => {}
        }
    }
    show_panel(&ari, &endpoints).await?;
    Ok(report)
}

/// Tells the first leg the second did not answer; it is hung up when the
/// prompt has finished (see `hang_up_after`), not cut short.
async fn tell_no_answer(
    ari: &Ari,
    channel_id: &str,
    hang_up_after: &mut HashMap<String, String>,
) -> Result {
    let playback_id = format!("{channel_id}-not-answering");
    match ari
        .channels()
        .play_with_id(channel_id, &playback_id, ["sound:number-not-answering"])
        .await
    {
        Ok(_) => {
            hang_up_after.insert(playback_id, channel_id.to_string());
            Ok(())
        }
        // The channel is gone already: its `ChannelDestroyed` follows.
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// After a gap in the events, hangs up the channels whose prompt has
/// finished unseen (the playback no longer exists): a `PlaybackFinished`
/// lost in the gap must not leave a caller on the line.
async fn hang_up_after_lost_finishes(
    ari: &Ari,
    hang_up_after: &mut HashMap<String, String>,
) -> Result {
    let mut finished = Vec::new();
    for playback_id in hang_up_after.keys() {
        match ari.playbacks().get(playback_id).await {
            Ok(_) => {}
            Err(error) if error.is_not_found() => finished.push(playback_id.clone()),
            Err(error) => return Err(error.into()),
        }
    }
    for playback_id in finished {
        if let Some(channel_id) = hang_up_after.remove(&playback_id) {
            common::hang_up(ari, &channel_id).await?;
        }
    }
    Ok(())
}

/// Prints the endpoints' and devices' states as they are now.
async fn show_panel(ari: &Ari, endpoints: &[&str]) -> Result {
    for endpoint in endpoints {
        let (tech, resource) = endpoint
            .split_once('/')
            .ok_or_else(|| format!("`{endpoint}` is not TECH/resource"))?;
        let info = ari.endpoints().get(tech, resource).await?;
        let device = ari.device_states().get(endpoint).await?;
        let state = info.state.as_ref().map_or("unknown", |s| s.as_str());
        say(
            "panel",
            format!(
                "{endpoint:<12} endpoint {state}, {} channel(s); device {}",
                info.channel_ids.len(),
                device.state.as_str()
            ),
        );
    }
    Ok(())
}

/// The embedded fake's phones answer after a second or two of ringing.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk()
}

/// Registers the demo's phones: alice answers after 1 s, bob after 2 s.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    for (phone, after_ms) in [("PJSIP/alice", 1000), ("PJSIP/bob", 2000)] {
        fake.phone(phone)?
            .set_answer_mode(AnswerMode::AutoAnswer { after_ms });
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    let mut args = std::env::args().skip(1);
    let click = ClickToCall {
        from: args.next().unwrap_or_else(|| "PJSIP/alice".into()),
        to: args.next().unwrap_or_else(|| "PJSIP/bob".into()),
    };
    common::run(
        APP,
        fake_asterisk(),
        |ari, events| async move {
            let report = app(ari, events, click).await?;
            say("click", format!("done: {report:?}"));
            Ok(())
        },
        async |fake: &FakeAsterisk| -> Result {
            simulate(fake).await?;
            // The phones are simulated; the two talk for a moment, then bob hangs up.
            let bob = fake.phone("PJSIP/bob")?;
            let call = bob.next_incoming(Duration::from_secs(10)).await?;
            call.wait_state("Up", Duration::from_secs(10)).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            say("phone", "bob hangs up");
            call.hangup();
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(())
        },
    )
    .await
}
