//! One application over three Asterisk nodes, through NATS and an
//! `ari-proxy` beside each node.
//!
//! ```text
//! cargo run -p ari-proxy --example cluster
//! ```
//!
//! Without `NATS_URL` it runs the whole cluster on this machine: it starts
//! `nats-server` itself (Debian: `apt install nats-server`; or name the
//! binary in `NATS_SERVER`), three embedded fake Asterisks (`node-1`,
//! `node-2`, `node-3`) with a proxy each, and simulated callers. It prints
//! which node serves each call, then takes `node-2` away mid-call and shows
//! what the application sees: the node lost, its calls ended, new calls
//! placed on the nodes that are left.
//!
//! With `NATS_URL` (and `ARI_APPLICATION`, default `cluster-demo`) it is
//! the application of a real cluster: run `ari-proxy` beside each Asterisk
//! (see the README), then this, and call into `Stasis(cluster-demo)` on any
//! node; Ctrl-C ends it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ari_sdk::cluster::{self, ClusterSettings};
use ari_sdk::stream::{NodeNotice, StreamItem};
use ari_sdk::v22::{Ari, Call, StasisApp};
use futures::StreamExt as _;

pub mod demo;

/// Any error the example gives up on.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The example's result type.
pub type Result<T = ()> = std::result::Result<T, Error>;

/// The Stasis application.
pub const APP: &str = "cluster-demo";

/// Prints one line: `[tag] line`.
pub fn say(tag: &str, line: impl std::fmt::Display) {
    println!("[{tag}] {line}");
}

/// The calls served and ended, per node.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Calls taken, per node.
    pub served: BTreeMap<String, usize>,
    /// Calls over, per node.
    pub ended: BTreeMap<String, usize>,
}

/// The tally, shared by the calls' tasks.
pub type Served = Arc<Mutex<Tally>>;

/// The application: every call is answered and hears hello-world, on
/// whichever node it is; the calls stay up until their callers hang up.
pub async fn app(app: StasisApp, served: Served) -> Result {
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        let node = call.node().unwrap_or_else(|| "?".to_owned());
        if let Ok(mut tally) = served.lock() {
            *tally.served.entry(node.clone()).or_default() += 1;
        }
        let served = served.clone();
        tokio::spawn(async move {
            if let Err(error) = greet(&call, &node).await {
                say("app", format!("{} on {node}: {error}", call.id()));
            }
            let ended = call.ended().await;
            say(
                "app",
                format!("call {} on {node} is over: {ended}", call.id()),
            );
            if let Ok(mut tally) = served.lock() {
                *tally.ended.entry(node).or_default() += 1;
            }
        });
    }
    Ok(())
}

async fn greet(call: &Call, node: &str) -> Result {
    say("app", format!("call {} is on {node}: answering", call.id()));
    call.answer().await?;
    call.play(["sound:hello-world"]).await?;
    Ok(())
}

/// Prints what the application hears about the nodes.
pub async fn watch_nodes(app: &StasisApp) {
    let mut items = app.event_stream().subscribe();
    while let Some(item) = items.next().await {
        match item {
            StreamItem::Node(notice) if matches!(*notice, NodeNotice::Lost { .. }) => {
                say("cluster", format!("{notice}: its calls are reconciled"))
            }
            StreamItem::Node(notice) => say("cluster", notice),
            StreamItem::Disconnected { reason } => say("cluster", format!("NATS lost: {reason}")),
            StreamItem::Reconnected { .. } => say("cluster", "NATS back: reconciling"),
            _ => {}
        }
    }
}

/// The cluster client's settings for application `app`: quick to see a
/// node go, for the demo.
pub fn settings(nats_url: &str, app: &str) -> ClusterSettings {
    ClusterSettings::new(nats_url, [app])
        .ping_interval(Duration::from_millis(250))
        .node_timeout(Duration::from_millis(1500))
        .request_timeout(Duration::from_secs(3))
}

/// The application instance: the cluster client and its Stasis app.
pub async fn instance(settings: ClusterSettings) -> Result<(Ari, StasisApp)> {
    let client = cluster::connect(settings).await?;
    say("cluster", format!("nodes up: {:?}", client.nodes()));
    let ari = Ari::new(client);
    let app = ari.stasis_app()?;
    app.registered().await?;
    Ok((ari, app))
}

#[tokio::main]
async fn main() -> Result {
    match std::env::var("NATS_URL") {
        Ok(url) => {
            let app_name = std::env::var("ARI_APPLICATION").unwrap_or_else(|_| APP.to_owned());
            let (_ari, stasis) = instance(settings(&url, &app_name)).await?;
            let served = Served::default();
            let watching = watch_nodes(&stasis);
            tokio::select! {
                _ = app(stasis.clone(), served) => {}
                () = watching => {}
                _ = tokio::signal::ctrl_c() => say("cluster", "Ctrl-C: stopping"),
            }
            Ok(())
        }
        Err(_) => {
            let summary = demo::run().await?;
            say(
                "demo",
                format!("calls served per node: {:?}", summary.served),
            );
            Ok(())
        }
    }
}
