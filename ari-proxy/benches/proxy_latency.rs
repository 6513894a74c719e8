//! What the proxy and NATS add, side by side in one run against one fake
//! Asterisk and one local `nats-server` (with JetStream):
//!
//! - **REST**: `GET /asterisk/info` straight to ARI, and the same as an
//!   `AsteriskInfo` request on `ari.data.<app>.<node>` through a proxy;
//! - **event**: a user event (`POST /events/user/{name}`) until its
//!   `ChannelUserevent` reaches the reader: on the application's own ARI
//!   websocket, on `ari.event.<app>.<node>` through a proxy, and through a
//!   proxy that keeps events in a JetStream stream (acknowledged storage
//!   before delivery: the cost of persistence per event).
//!
//! One request or event at a time, `PROXY_BENCH_SAMPLES` per path and round
//! (default 500), over `PROXY_BENCH_ROUNDS` rounds (default 5) in which the
//! paths take turns; the figures are medians over the rounds of each
//! round's p50 and p99, the ratios those of the p50 medians.
//!
//! ```text
//! cargo bench -p ari-proxy --bench proxy_latency
//! ```
//!
//! Needs `nats-server` (`NATS_SERVER`, else on `PATH` or in `/usr/sbin`).

mod support;

use std::time::{Duration, Instant};

use ari_proxy::{EventStore, Proxy, ProxyConfig};
use ari_proxy_protocol::{Key, Request, RequestKind, Response};
use ari_sdk::request::{Method, OperationMeta, Request as RestRequest};
use ari_sdk::stream::{EventStream, StreamItem};
use fake_asterisk::FakeAsterisk;
use futures::StreamExt as _;
use serde_json::Value;
use support::{nats_server, Nats};

static USER_EVENT: OperationMeta = OperationMeta {
    name: "events.userEvent",
    method: Method::Post,
    path: "/events/user/{eventName}",
    errors: &[],
    since: &[],
    params_since: &[],
};

const DIRECT: &str = "direct";
const PROXIED: &str = "proxied";
const STORED: &str = "stored";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, Debug)]
enum Path {
    RestDirect,
    RestProxy,
    EventDirect,
    EventProxy,
    EventStored,
}

const PATHS: [Path; 5] = [
    Path::RestDirect,
    Path::RestProxy,
    Path::EventDirect,
    Path::EventProxy,
    Path::EventStored,
];

struct Bench {
    ari: ari_sdk::Client,
    nats: async_nats::Client,
    direct: ari_sdk::stream::Subscription<Value>,
    proxied: async_nats::Subscriber,
    stored: async_nats::Subscriber,
    sequence: u64,
}

impl Bench {
    async fn user_event(&mut self, app: &str) -> String {
        self.sequence += 1;
        let name = format!("bench-{}", self.sequence);
        let mut request = RestRequest::new(&USER_EVENT, &[("eventName", &name)]);
        request.query("application", app.to_string());
        self.ari.send_unit(request).await.expect("user event");
        name
    }

    async fn once(&mut self, path: Path) -> Duration {
        let started = Instant::now();
        match path {
            Path::RestDirect => {
                // GET /asterisk/info, its JSON decoded.
                let version = self.ari.asterisk_version().await.expect("info");
                std::hint::black_box(version);
            }
            Path::RestProxy => {
                let request = Request::new(RequestKind::AsteriskInfo, Key::node(PROXIED, "node-1"));
                let message = self
                    .nats
                    .request(
                        format!("ari.data.{PROXIED}.node-1"),
                        serde_json::to_vec(&request).expect("encode").into(),
                    )
                    .await
                    .expect("answer");
                let response: Response = serde_json::from_slice(&message.payload).expect("decode");
                assert!(response.result().is_ok(), "{response:?}");
            }
            Path::EventDirect => {
                let name = self.user_event(DIRECT).await;
                loop {
                    match self.direct.next().await.expect("stream open") {
                        StreamItem::Event(event) if event["eventname"] == name.as_str() => break,
                        _ => {}
                    }
                }
            }
            Path::EventProxy | Path::EventStored => {
                let stored = matches!(path, Path::EventStored);
                let name = self.user_event(if stored { STORED } else { PROXIED }).await;
                let subscriber = if stored {
                    &mut self.stored
                } else {
                    &mut self.proxied
                };
                loop {
                    let message = subscriber.next().await.expect("subscription open");
                    let event: Value = serde_json::from_slice(&message.payload).expect("JSON");
                    if event["eventname"] == name.as_str() {
                        break;
                    }
                }
            }
        }
        started.elapsed()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main]
async fn main() {
    let Some(binary) = nats_server() else {
        eprintln!("nats-server not found: install Debian's nats-server or set NATS_SERVER");
        return;
    };
    let samples = env_number("PROXY_BENCH_SAMPLES", 500);
    let rounds = env_number("PROXY_BENCH_ROUNDS", 5);
    let store_dir = tempfile::tempdir().expect("temp dir");
    let nats_server = Nats::start(&binary, store_dir.path());
    let nats_url = nats_server.url();

    let fake = FakeAsterisk::builder()
        .username("bench")
        .password("bench")
        .build()
        .start()
        .await
        .expect("fake");
    let config = |apps: &[&str]| {
        ari_sdk::Config::builder()
            .url(fake.url())
            .username("bench")
            .password("bench")
            .applications(apps.iter().copied())
            .build()
            .expect("config")
    };
    let proxy = Proxy::start(ProxyConfig::new(config(&[PROXIED]), &nats_url).node("node-1"))
        .await
        .expect("proxy");
    let stored_proxy = Proxy::start(
        ProxyConfig::new(config(&[STORED]), &nats_url)
            .node("node-2")
            .event_store(EventStore::new("BENCH_EVENTS")),
    )
    .await
    .expect("proxy with a store");

    let ari = ari_sdk::Client::new(config(&[DIRECT])).expect("client");
    let stream = EventStream::<Value>::connect(ari.stream_settings()).expect("stream");
    let direct = stream.subscribe();
    while fake.application(DIRECT).is_none() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let nats = async_nats::connect(&nats_url).await.expect("NATS");
    let proxied = nats
        .subscribe(format!("ari.event.{PROXIED}.node-1"))
        .await
        .expect("subscribe");
    let stored = nats
        .subscribe(format!("ari.event.{STORED}.node-2"))
        .await
        .expect("subscribe");
    let mut bench = Bench {
        ari,
        nats,
        direct,
        proxied,
        stored,
        sequence: 0,
    };
    // Warm up every path (connections, the stream's creation).
    for path in PATHS {
        for _ in 0..50 {
            bench.once(path).await;
        }
    }

    let mut p50s: Vec<Vec<Duration>> = vec![Vec::new(); PATHS.len()];
    let mut p99s: Vec<Vec<Duration>> = vec![Vec::new(); PATHS.len()];
    for round in 0..rounds {
        // Each round starts with another path.
        for offset in 0..PATHS.len() {
            let index = (round + offset) % PATHS.len();
            let mut latencies = Vec::with_capacity(samples);
            for _ in 0..samples {
                latencies.push(bench.once(PATHS[index]).await);
            }
            latencies.sort();
            p50s[index].push(percentile(&latencies, 0.5));
            p99s[index].push(percentile(&latencies, 0.99));
        }
    }
    let p50: Vec<Duration> = p50s.into_iter().map(median).collect();
    let p99: Vec<Duration> = p99s.into_iter().map(median).collect();
    println!("{rounds} rounds x {samples} samples per path, one at a time");
    println!("| path | p50 | p99 |");
    println!("|---|---|---|");
    for (index, path) in PATHS.iter().enumerate() {
        println!(
            "| {path:?} | {} | {} |",
            micros(p50[index]),
            micros(p99[index])
        );
    }
    let ratio = |a: usize, b: usize| p50[a].as_secs_f64() / p50[b].as_secs_f64();
    println!("REST via proxy / direct (p50): {:.2}", ratio(1, 0));
    println!("event via proxy / direct (p50): {:.2}", ratio(3, 2));
    println!(
        "event via proxy with JetStream / via proxy (p50): {:.2}",
        ratio(4, 3)
    );
    let lost = proxy.stats().events_lost + stored_proxy.stats().events_lost;
    println!("events lost by the proxies: {lost}");
    proxy.shutdown().await;
    stored_proxy.shutdown().await;
    stream.close();
}
