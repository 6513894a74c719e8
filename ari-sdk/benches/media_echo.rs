//! Media over websocket: 100 concurrent channels at 20 ms ptime, each
//! echoing what it receives, through [`MediaChannel`] next to a raw
//! tokio-tungstenite echo loop, against the same frame source.
//!
//! The source plays chan_websocket's side on loopback: per connection a
//! plain-text `MEDIA_START` (ulaw, 160-byte frames, ptime 20), then one
//! frame every 20 ms carrying its sequence number; it answers `MARK_MEDIA`
//! at once (the queue it models plays as fast as it fills) and `GET_STATUS`
//! with an empty queue. For every frame it times the echo's return:
//!
//! - **on time**: the share of the frames sent whose echo came back within
//!   their 20 ms slot (a frame never echoed is late);
//! - **p50 / p99**: the echo latency of the frames echoed.
//!
//! ```text
//! cargo bench -p ari-sdk --bench media_echo
//! MEDIA_BENCH_CHANNELS=100 MEDIA_BENCH_SECONDS=10 MEDIA_BENCH_ROUNDS=3 cargo bench -p ari-sdk --bench media_echo
//! ```
//!
//! The variants run one after the other in alternating order over
//! `MEDIA_BENCH_ROUNDS` rounds (default 3) of `MEDIA_BENCH_SECONDS` (default
//! 10) with `MEDIA_BENCH_CHANNELS` channels (default 100); the figures are
//! medians of the rounds, the ratios `MediaChannel` / raw of those medians.
//! The source runs on a runtime of its own with one worker; the echoes on a
//! multi-thread runtime with the default worker count.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ari_sdk::media::{MediaChannel, MediaItem, MediaSettings};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

const FRAME: usize = 160;
const PTIME: Duration = Duration::from_millis(20);

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the source saw of one round.
#[derive(Default)]
struct Tally {
    sent: u64,
    latencies: Vec<Duration>,
}

/// The frame source: serves every connection until `stop`, then waits a
/// little for the last echoes and closes.
async fn source(listener: TcpListener, tally: Arc<Mutex<Tally>>, stop: Instant) {
    let mut connection = 0u64;
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        connection += 1;
        let tally = Arc::clone(&tally);
        tokio::spawn(serve(tcp, connection, tally, stop));
    }
}

async fn serve(tcp: tokio::net::TcpStream, n: u64, tally: Arc<Mutex<Tally>>, stop: Instant) {
    let _ = tcp.set_nodelay(true);
    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
        return;
    };
    let start = format!(
        "MEDIA_START connection_id:c{n} channel:WebSocket/bench/{n} channel_id:bench.{n} \
         format:ulaw optimal_frame_size:{FRAME} ptime:20"
    );
    if ws.send(Message::Text(start.into())).await.is_err() {
        return;
    }
    let mut sent_at: Vec<Instant> = Vec::new();
    let mut latencies = Vec::new();
    let mut ticks = tokio::time::interval(PTIME);
    let end = tokio::time::Instant::from_std(stop);
    let drain = end + Duration::from_millis(500);
    loop {
        tokio::select! {
            _ = ticks.tick(), if tokio::time::Instant::now() < end => {
                let mut frame = vec![0xffu8; FRAME];
                frame[..8].copy_from_slice(&(sent_at.len() as u64).to_le_bytes());
                sent_at.push(Instant::now());
                if ws.send(Message::Binary(frame.into())).await.is_err() {
                    break;
                }
            }
            () = tokio::time::sleep_until(drain) => break,
            message = ws.next() => match message {
                Some(Ok(Message::Binary(echo))) if echo.len() >= 8 => {
                    let mut seq = [0u8; 8];
                    seq.copy_from_slice(&echo[..8]);
                    if let Some(at) = sent_at.get(u64::from_le_bytes(seq) as usize) {
                        latencies.push(at.elapsed());
                    }
                }
                Some(Ok(Message::Text(command))) => {
                    let answer = if let Some(id) = command.strip_prefix("MARK_MEDIA") {
                        Some(format!("MEDIA_MARK_PROCESSED{id}"))
                    } else if command.as_str() == "GET_STATUS" {
                        Some(format!(
                            "STATUS channel_id:bench.{n} queue_length:0 xon_level:800 \
                             xoff_level:900 queue_full:false bulk_media:false media_paused:false"
                        ))
                    } else {
                        None
                    };
                    if let Some(answer) = answer {
                        if ws.send(Message::Text(answer.into())).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(_)) => {}
                _ => break,
            },
        }
    }
    let _ = ws.close(None).await;
    let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    tally.sent += sent_at.len() as u64;
    tally.latencies.extend(latencies);
}

/// The raw loop: read a frame, send it back (Nagle off, as the SDK's
/// connections have it).
async fn raw_echo(url: String) {
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async_with_config(url, None, true).await
    else {
        panic!("the raw loop cannot connect");
    };
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Binary(frame) = message {
            if ws.send(Message::Binary(frame)).await.is_err() {
                return;
            }
        }
    }
}

/// The SDK: `MediaChannel`, reading audio and sending it back.
async fn sdk_echo(settings: MediaSettings) {
    let mut media = MediaChannel::connect(&settings, "bench")
        .await
        .expect("MediaChannel connects");
    let sender = media.sender();
    while let Some(item) = media.next().await {
        if let MediaItem::Audio(frame) = item {
            if sender.send_audio(frame).await.is_err() {
                return;
            }
        }
    }
}

/// One round's figures.
struct Round {
    on_time: f64,
    p50: Duration,
    p99: Duration,
    sent: u64,
    echoed: u64,
}

fn round(
    server: &tokio::runtime::Runtime,
    clients: &tokio::runtime::Runtime,
    sdk: bool,
    channels: usize,
    seconds: u64,
) -> Round {
    let listener = server
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let tally = Arc::new(Mutex::new(Tally::default()));
    // Everybody connects within the first second; frames flow until `stop`.
    let stop = Instant::now() + Duration::from_secs(seconds + 1);
    let serving = server.spawn(source(listener, Arc::clone(&tally), stop));
    clients.block_on(async {
        let mut echoes = Vec::new();
        for _ in 0..channels {
            let task = if sdk {
                let settings = MediaSettings {
                    base_url: format!("ws://{addr}"),
                    authorization: secrecy::SecretString::from("Basic YmVuY2g6YmVuY2g="),
                    tls: None,
                    connect_timeout: Duration::from_secs(10),
                    buffer: 500,
                    server_release: Some("22.10.1".into()),
                };
                tokio::spawn(sdk_echo(settings))
            } else {
                tokio::spawn(raw_echo(format!("ws://{addr}/media/bench")))
            };
            echoes.push(task);
        }
        for task in echoes {
            let _ = tokio::time::timeout(Duration::from_secs(seconds + 10), task).await;
        }
    });
    serving.abort();
    let tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|e| e.into_inner()));
    let mut latencies = tally.latencies;
    latencies.sort();
    let on_time = latencies.iter().filter(|l| **l <= PTIME).count();
    let at = |q: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * q) as usize)
            .copied()
            .unwrap_or_default()
    };
    Round {
        on_time: on_time as f64 / tally.sent.max(1) as f64,
        p50: at(0.5),
        p99: at(0.99),
        sent: tally.sent,
        echoed: latencies.len() as u64,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let channels = env_number("MEDIA_BENCH_CHANNELS", 100);
    let seconds = env_number("MEDIA_BENCH_SECONDS", 10) as u64;
    let rounds = env_number("MEDIA_BENCH_ROUNDS", 3).max(1);
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("source runtime");
    let clients = tokio::runtime::Runtime::new().expect("client runtime");
    let mut results: [Vec<Round>; 2] = [Vec::new(), Vec::new()];
    for n in 0..rounds {
        // Alternating order: neither always runs on a warmer machine.
        let order = if n % 2 == 0 { [0, 1] } else { [1, 0] };
        for which in order {
            let r = round(&server, &clients, which == 1, channels, seconds);
            println!(
                "round {n} {}: {} sent, {} echoed, {:.4} on time, p50 {} µs, p99 {} µs",
                ["raw", "MediaChannel"][which],
                r.sent,
                r.echoed,
                r.on_time,
                r.p50.as_micros(),
                r.p99.as_micros()
            );
            results[which].push(r);
        }
    }
    println!(
        "{rounds} rounds of {seconds} s, {channels} channels at 20 ms ptime ({FRAME}-byte frames)"
    );
    println!("| echo | frames on time | p50 | p99 |");
    println!("|---|---|---|---|");
    let mut medians = Vec::new();
    for (name, rounds) in ["raw tokio-tungstenite", "MediaChannel"]
        .iter()
        .zip(&results)
    {
        let on_time = median(rounds.iter().map(|r| r.on_time).collect());
        let us = |f: fn(&Round) -> Duration| {
            median(rounds.iter().map(|r| f(r).as_secs_f64() * 1e6).collect())
        };
        let (p50, p99) = (us(|r| r.p50), us(|r| r.p99));
        println!(
            "| {name} | {:.2}% | {p50:.0} µs | {p99:.0} µs |",
            on_time * 100.0
        );
        medians.push((on_time, p50, p99));
    }
    let (raw, sdk) = (medians[0], medians[1]);
    println!(
        "MediaChannel / raw: frames on time {:.3}, p50 latency {:.2}, p99 latency {:.2}",
        sdk.0 / raw.0,
        sdk.1 / raw.1,
        sdk.2 / raw.2
    );
}
