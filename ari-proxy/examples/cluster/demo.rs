//! The embedded cluster: nats-server, three fake Asterisks with a proxy
//! each, simulated callers, and one node taken away mid-call.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use ari_proxy::{Proxy, ProxyConfig};
use ari_sdk::cluster::Placement;
use fake_asterisk::{AnswerMode, FakeAsterisk};

use super::{app, instance, say, settings, watch_nodes, Result, Served, APP};

#[allow(dead_code)]
#[path = "../../tests/support/nats.rs"]
mod nats;

/// What the demo saw.
#[derive(Debug, Default)]
pub struct Summary {
    /// Calls served per node.
    pub served: BTreeMap<String, usize>,
    /// The calls of the node taken away that ended.
    pub ended_with_node: usize,
    /// Where the calls placed after the loss went.
    pub placed_after: BTreeMap<String, usize>,
}

/// How long a step may take before the demo is called off.
const PATIENCE: Duration = Duration::from_secs(20);

/// The nats-server binary: `NATS_SERVER`, else `nats-server` on the `PATH`.
fn nats_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("NATS_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nats-server"))
            .find(|candidate| candidate.is_file())
    });
    found.ok_or_else(|| {
        "nats-server is not installed: install it (Debian/Ubuntu: `apt install nats-server`) \
         or name the binary in NATS_SERVER"
            .into()
    })
}

/// One node: a fake Asterisk (its `systemname` the node's name, as the
/// Asterisks of a cluster must have distinct ones) and its proxy.
async fn node(name: &str, nats_url: &str) -> Result<(FakeAsterisk, Proxy)> {
    let fake = FakeAsterisk::builder()
        .username("proxy")
        .password("secret")
        .system_name(name)
        .time_scale(0.05)
        .build()
        .start()
        .await?;
    let ari = ari_sdk::Config::builder()
        .url(fake.url())
        .username("proxy")
        .password("secret")
        .application(APP)
        .build()?;
    let proxy = Proxy::start(
        ProxyConfig::new(ari, nats_url)
            .node(name)
            .announce_interval(Duration::from_millis(250)),
    )
    .await?;
    Ok((fake, proxy))
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) -> Result {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        if tokio::time::Instant::now() > deadline {
            return Err(format!("gave up waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Runs the whole demo.
pub async fn run() -> Result<Summary> {
    // The library reads NATS_SERVER; found here so a missing binary is
    // said plainly.
    std::env::set_var("NATS_SERVER", nats_binary()?);
    let nats = nats::NatsServer::start();
    say("demo", format!("nats-server on {}", nats.url()));
    let mut nodes = Vec::new();
    for name in ["node-1", "node-2", "node-3"] {
        let (fake, proxy) = node(name, &nats.url()).await?;
        say(
            "demo",
            format!("{name}: fake Asterisk {} and its proxy", fake.url()),
        );
        nodes.push((fake, Some(proxy)));
    }

    let (ari, stasis) =
        instance(settings(&nats.url(), APP).placement(Placement::RoundRobin)).await?;
    wait_for("three nodes", || ari.client().nodes().len() == 3).await?;
    let served = Served::default();
    tokio::spawn(app(stasis.clone(), served.clone()));
    let watcher = stasis.clone();
    tokio::spawn(async move { watch_nodes(&watcher).await });

    // Two callers on each node.
    let mut callers = Vec::new();
    for (index, (fake, _)) in nodes.iter().enumerate() {
        for n in 1..=2 {
            let endpoint = format!("PJSIP/caller-{}{n}", index + 1);
            say("demo", format!("{endpoint} calls in on node-{}", index + 1));
            callers.push((index, fake.phone(&endpoint)?.call_into_app(APP, &[])?));
        }
    }
    let total = |served: &Served| {
        served
            .lock()
            .map_or(0, |t| t.served.values().sum::<usize>())
    };
    let ended_on = |served: &Served, node: &str| {
        served
            .lock()
            .map_or(0, |t| t.ended.get(node).copied().unwrap_or(0))
    };
    wait_for("six calls served", || total(&served) == 6).await?;
    wait_for("six calls answered", || {
        callers
            .iter()
            .all(|(_, call)| call.state().as_deref() == Some("Up"))
    })
    .await?;

    // node-2 goes away mid-call, as when its machine dies: nothing of it
    // reaches NATS any more.
    say("demo", "node-2 goes away with its two calls");
    if let Some(proxy) = nodes[1].1.take() {
        proxy.shutdown().await;
    }
    wait_for("node-2 lost", || ari.client().nodes().len() == 2).await?;
    wait_for("node-2's calls reconciled", || {
        ended_on(&served, "node-2") == 2
    })
    .await?;
    let ended_with_node = ended_on(&served, "node-2");

    // New calls go to the nodes that are left.
    let mut placed_after = BTreeMap::new();
    for (fake, proxy) in &nodes {
        if proxy.is_some() {
            fake.phone("PJSIP/agent")?
                .set_answer_mode(AnswerMode::AutoAnswer { after_ms: 200 });
        }
    }
    for n in 1..=4 {
        let channel = ari.channels().originate("PJSIP/agent").app(APP).await?;
        let node = ari
            .client()
            .node_of(ari_sdk::resource::ResourceKind::Channel, &channel.id)
            .unwrap_or_default();
        say("demo", format!("new call {n} placed on {node}"));
        *placed_after.entry(node).or_default() += 1;
    }
    wait_for("the new calls served", || total(&served) == 10).await?;

    for (_, call) in &callers {
        call.hangup();
    }
    let tally = served.lock().map(|t| t.clone()).unwrap_or_default();
    Ok(Summary {
        served: tally.served,
        ended_with_node,
        placed_after,
    })
}
