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
//!
//! This file is the application (what runs against a real Asterisk too);
//! `demo.rs` beside it is the embedded demo: the fake's simulated phones.
//!
//! The call is straight-line code on the legs' handles: each leg is
//! originated staged (`StasisApp::originate_staged`: its events are
//! followed from before the request), answers when it enters the
//! application, and ends when it hangs up or leaves; the panel reads the
//! application's event stream beside it.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use std::collections::HashSet;

use ari_sdk::handles::{HandleEnded, HandleError};
use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::{Ari, ChannelHandle, Event, StasisApp};
use common::{say, Result};
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

/// Places one click-to-call and returns when both legs are gone.
pub async fn app(app: StasisApp, click: ClickToCall) -> Result<Report> {
    let ari = app.ari();
    let endpoints = [click.from.as_str(), click.to.as_str()];
    // The panel reads the application's events; it hears about the
    // endpoints and devices from now on.
    let mut events = app.event_stream().subscribe();
    let sources: Vec<String> = endpoints
        .iter()
        .flat_map(|e| [format!("endpoint:{e}"), format!("deviceState:{e}")])
        .collect();
    ari.applications().subscribe(APP, sources).await?;
    show_panel(ari, &endpoints).await?;

    let mut panel = Panel::default();
    let call = place_call(&app, &click);
    tokio::pin!(call);
    let placed = loop {
        tokio::select! {
            placed = &mut call => break placed?,
            Some(item) = events.next() => panel.show(&item),
        }
    };
    // What the panel was told until the legs were gone.
    panel.show_until_destroyed(&mut events, &placed.legs).await;
    let mut report = panel.report;
    report.bridge = placed.bridge;
    report.failure = placed.failure;
    show_panel(ari, &endpoints).await?;
    Ok(report)
}

/// What became of the call.
#[derive(Debug, Default)]
struct Placed {
    /// The legs' channels.
    legs: Vec<String>,
    bridge: Option<String>,
    failure: Option<String>,
}

/// Calls `from`, then `to`, bridges them and waits until both are gone.
async fn place_call(app: &StasisApp, click: &ClickToCall) -> Result<Placed> {
    let mut placed = Placed::default();
    let caller_id = format!("Operator <{}>", click.to);
    let a = originate(app, &click.from, "leg-a", caller_id).await?;
    placed.legs.push(a.id().to_string());
    say(
        "click",
        format!("calling {} (channel {})", click.from, a.id()),
    );
    if let Err(reason) = answered(&a).await {
        say("click", format!("{} did not answer: {reason}", click.from));
        placed.failure = Some(format!("{}: {reason}", click.from));
        return Ok(placed);
    }
    say(
        "click",
        format!("{} answered: calling {}", click.from, click.to),
    );
    a.play(["sound:pls-hold-while-try"]).start().await?;
    let caller_id = format!("{0} <{0}>", click.from);
    let b = match originate(app, &click.to, "leg-b", caller_id).await {
        Ok(b) => b,
        Err(error) => {
            say("click", format!("cannot call {}: {error}", click.to));
            placed.failure = Some(error.to_string());
            tell_no_answer(&a).await?;
            return Ok(placed);
        }
    };
    placed.legs.push(b.id().to_string());
    if let Err(reason) = answered(&b).await {
        say("click", format!("{} did not answer: {reason}", click.to));
        placed.failure = Some(format!("{}: {reason}", click.to));
        tell_no_answer(&a).await?;
        return Ok(placed);
    }
    let bridge = app.bridge_channels([&a, &b]).await?;
    say(
        "click",
        format!(
            "{} answered: bridged with {} in {}",
            click.to,
            click.from,
            bridge.id()
        ),
    );
    placed.bridge = Some(bridge.id().to_string());
    // The first to hang up ends the call: the other is not left alone on
    // the line.
    tokio::select! {
        _ = a.ended() => {
            say("click", format!("{} hung up", click.from));
            b.hangup().await?;
        }
        _ = b.ended() => {
            say("click", format!("{} hung up", click.to));
            a.hangup().await?;
        }
    }
    a.ended().await;
    b.ended().await;
    bridge.destroy().await?;
    Ok(placed)
}

/// Calls `endpoint` into the application, as the leg `leg`.
async fn originate(
    app: &StasisApp,
    endpoint: &str,
    leg: &str,
    caller_id: String,
) -> std::result::Result<ChannelHandle, HandleError> {
    app.originate_staged(|ari, id| {
        ari.channels()
            .originate_with_id(id, endpoint)
            .app(APP)
            .app_args(leg)
            .caller_id(caller_id)
            .timeout(30)
    })
    .await
}

/// Waits until an originated leg answers (it enters the application); why
/// it ended when it never does (busy, no answer, ...).
async fn answered(leg: &ChannelHandle) -> std::result::Result<(), HandleEnded> {
    let mut events = leg.events();
    loop {
        tokio::select! {
            biased;
            item = events.next() => match item {
                Some(StreamItem::Event(event)) if matches!(&*event, Event::StasisStart(_)) => {
                    return Ok(());
                }
                Some(_) => {}
                None => return Err(HandleEnded::StreamClosed),
            },
            reason = leg.ended() => return Err(reason),
        }
    }
}

/// Tells the first leg the second did not answer, then hangs it up (after
/// the prompt, not cutting it short).
async fn tell_no_answer(leg: &ChannelHandle) -> Result {
    match leg.play(["sound:number-not-answering"]).await {
        Ok(_) => {}
        // It hung up first (or just now: 404), or the prompt could not be
        // played: hang up anyway.
        Err(error) if error.ended().is_some() => {}
        Err(error) if error.request().is_some_and(ari_sdk::Error::is_not_found) => {}
        Err(error) => return Err(error.into()),
    }
    leg.hangup().await?;
    Ok(())
}

/// The operator's panel: the states it showed, and the channels it saw
/// destroyed.
#[derive(Debug, Default)]
struct Panel {
    report: Report,
    destroyed: HashSet<String>,
}

impl Panel {
    /// Shows an event of the panel (a device's or an endpoint's new
    /// state); others are not the panel's.
    fn show(&mut self, item: &StreamItem<Event>) {
        let Some(event) = item.event() else {
            return;
        };
        match &**event {
            Event::ChannelDestroyed(e) => {
                self.destroyed.insert(e.channel.id.clone());
            }
            Event::DeviceStateChanged(e) => {
                let state = e.device_state.state.as_str().to_string();
                say(
                    "panel",
                    format!("device {:<12} {state}", e.device_state.name),
                );
                self.report
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
                self.report
                    .endpoint_states
                    .push((endpoint, state, channels));
            }
            _ => {}
        }
    }

    /// Shows the panel's events until each of `legs` has been destroyed:
    /// the states a hang-up changes come with it.
    async fn show_until_destroyed(&mut self, events: &mut Subscription<Event>, legs: &[String]) {
        while !legs.iter().all(|leg| self.destroyed.contains(leg)) {
            let Some(item) = events.next().await else {
                return;
            };
            self.show(&item);
        }
    }
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

#[tokio::main]
async fn main() -> Result {
    let mut args = std::env::args().skip(1);
    let click = ClickToCall {
        from: args.next().unwrap_or_else(|| "PJSIP/alice".into()),
        to: args.next().unwrap_or_else(|| "PJSIP/bob".into()),
    };
    common::run_prepared(
        APP,
        demo::fake_asterisk(),
        demo::phones,
        |stasis| async move {
            let report = app(stasis, click).await?;
            say("click", format!("done: {report:?}"));
            Ok(())
        },
        demo::simulate,
    )
    .await
}
