//! REST over the event websocket next to REST over HTTP: the same typed
//! call (`channels.list`, the fake's cheapest answer with a body) sent
//! through a client of each transport against the same server.
//!
//! - **sequential**: one request at a time, `REST_BENCH_REQUESTS` of them
//!   (default 2,000): mean, p50 and p99 latency;
//! - **concurrent**: 64 tasks each sending requests back to back until
//!   `REST_BENCH_REQUESTS` were sent: requests per second.
//!
//! ```text
//! cargo bench -p ari-sdk --bench rest_transport --features asterisk-20
//! # against a running Asterisk instead of the embedded fake:
//! REST_BENCH_URL=http://127.0.0.1:8088/ari REST_BENCH_USERNAME=asterisk REST_BENCH_PASSWORD=secret \
//!   cargo bench -p ari-sdk --bench rest_transport --features asterisk-20
//! ```
//!
//! The transports run in alternating order over `REST_BENCH_ROUNDS` rounds
//! (default 5); the figures are medians of the rounds, the ratios
//! websocket / HTTP of those medians. The fake serves on a runtime of its
//! own with one worker; the clients run on a multi-thread runtime with the
//! default worker count.

use std::time::{Duration, Instant};

use ari_sdk::config::RestTransport;
use ari_sdk::v20::Ari;

const APP: &str = "rest-bench";
const CONCURRENCY: usize = 64;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server {
    url: String,
    username: String,
    password: String,
}

/// One round of one transport.
struct Round {
    mean: Duration,
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

async fn connect(server: &Server, transport: RestTransport) -> (Ari, ari_sdk::v20::StasisApp) {
    let config = ari_sdk::Config::builder()
        .url(&server.url)
        .username(&server.username)
        .password(&server.password)
        .application(format!("{APP}-{transport:?}"))
        .rest_transport(transport)
        // The same calls on any major's server.
        .version_check(false)
        .build()
        .expect("config");
    let ari = Ari::new(ari_sdk::Client::new(config).expect("client"));
    let app = ari.stasis_app().expect("app");
    tokio::time::timeout(Duration::from_secs(10), app.registered())
        .await
        .expect("registered in time")
        .expect("registered");
    // Warm up: connections, the release check.
    for _ in 0..50 {
        ari.channels().list().await.expect("warm-up");
    }
    (ari, app)
}

async fn round(ari: &Ari, requests: usize) -> Round {
    let mut latencies = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        std::hint::black_box(ari.channels().list().await.expect("list"));
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let total: Duration = latencies.iter().sum();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    let started = Instant::now();
    let per_task = requests.div_ceil(CONCURRENCY);
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let ari = ari.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    std::hint::black_box(ari.channels().list().await.expect("list"));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let per_second = (per_task * CONCURRENCY) as f64 / started.elapsed().as_secs_f64();
    Round {
        mean: total / requests as u32,
        p50: at(0.5),
        p99: at(0.99),
        per_second,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let requests = env_number("REST_BENCH_REQUESTS", 2000);
    let rounds = env_number("REST_BENCH_ROUNDS", 5);
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let (server, _fake) = match std::env::var("REST_BENCH_URL") {
        Ok(url) => (
            Server {
                url,
                username: std::env::var("REST_BENCH_USERNAME").unwrap_or_default(),
                password: std::env::var("REST_BENCH_PASSWORD").unwrap_or_default(),
            },
            None,
        ),
        Err(_) => {
            let fake = server_runtime
                .block_on(fake_asterisk::FakeAsterisk::builder().build().start())
                .expect("the fake starts");
            (
                Server {
                    url: fake.url(),
                    username: fake.username().to_owned(),
                    password: fake.password().to_owned(),
                },
                Some(fake),
            )
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (http, _http_app) = connect(&server, RestTransport::Http).await;
        let (websocket, _ws_app) = connect(&server, RestTransport::EventWebsocket).await;
        let mut results: [Vec<Round>; 2] = [Vec::new(), Vec::new()];
        for n in 0..rounds {
            // Alternating order: neither always runs on a warmer machine.
            let order = if n % 2 == 0 { [0, 1] } else { [1, 0] };
            for which in order {
                let ari = if which == 0 { &http } else { &websocket };
                results[which].push(round(ari, requests).await);
            }
        }
        println!(
            "{rounds} rounds of {requests} sequential and {requests} with {CONCURRENCY} in flight, \
             against {}",
            server.url
        );
        println!("| transport | mean | p50 | p99 | requests/s, {CONCURRENCY} in flight |");
        println!("|---|---|---|---|---|");
        let mut medians = Vec::new();
        for (name, rounds) in ["HTTP", "websocket"].iter().zip(&results) {
            let us = |f: fn(&Round) -> Duration| {
                median(rounds.iter().map(|r| f(r).as_secs_f64() * 1e6).collect())
            };
            let (mean, p50, p99) = (us(|r| r.mean), us(|r| r.p50), us(|r| r.p99));
            let rate = median(rounds.iter().map(|r| r.per_second).collect());
            println!("| {name} | {mean:.0} µs | {p50:.0} µs | {p99:.0} µs | {rate:.0} |");
            medians.push((mean, p50, p99, rate));
        }
        let (h, w) = (medians[0], medians[1]);
        println!(
            "websocket / HTTP: mean latency {:.2}, p50 {:.2}, p99 {:.2}, concurrent throughput {:.2}",
            w.0 / h.0,
            w.1 / h.1,
            w.2 / h.2,
            w.3 / h.3
        );
    });
}
