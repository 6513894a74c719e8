//! The event stream's throughput next to raw websocket loops, over the same
//! frames from the same loopback server (`ari_sdk_tests::frame_server`),
//! sent as fast as the socket takes them:
//!
//! - **a** raw tokio-tungstenite client loop, each text frame parsed into a
//!   `serde_json::Value`;
//! - **b** the same loop running `ari_sdk::v20::Event::from_json`;
//! - **c** `EventStream<v20::Event>` (default `StreamSettings`), one
//!   subscriber read in the calling task;
//! - **d** one subscriber read in a spawned task;
//! - **e** ten subscribers, each in its own spawned task;
//! - **f** the reference for e: the raw loop of b handing each event (in an
//!   `Arc`) to ten spawned tasks through `tokio::sync::broadcast` (capacity
//!   65,536, so that a burst does not lag), the simplest fan-out one would
//!   write by hand. It loses nothing only because its buffer is large and
//!   it accounts for nothing (no resources named in a lag, no wait for a
//!   slow consumer): what e costs beyond f is the SDK's, what f costs beyond
//!   b is waking and feeding ten tasks on the machine's cores.
//!
//! ```text
//! cargo bench -p ari-sdk --bench stream --features asterisk-20
//! STREAM_FRAMES=100000 STREAM_ROUNDS=3 cargo bench -p ari-sdk --bench stream --features asterisk-20
//! STREAM_VARIANTS=bef cargo bench -p ari-sdk --bench stream --features asterisk-20
//! ```
//!
//! `STREAM_VARIANTS` runs only the variants it names (letters; all by
//! default); the ratios need both of their variants.
//!
//! The frames: real Asterisk 20 frames from `../shared/ari-captures`, the 7
//! frames of a call's life re-templated for 1,000 calls (7,000 distinct
//! frames), cycled up to `STREAM_FRAMES` (default 200,000). Rates are events
//! per second at the consumer, from its first frame to its last; a
//! consumer's **lost** count is what it never received (expected - received)
//! and **lagged** the sum of the `missed` of its `Lagged` notices. For e,
//! the rate is the mean over the ten subscribers (each receives every
//! event) and lost/lagged are summed (f likewise). The variants run in
//! alternating order over `STREAM_ROUNDS` rounds (default 5); the table
//! shows the median and the best round, and the ratios are of medians (best
//! in brackets), then "paired": the median over the rounds of each round's
//! own ratio, the two variants of a round having run one after the other
//! (on a shared machine whose speed drifts, the steadier figure).
//!
//! The consumers run on a multi-thread Tokio runtime with the default worker
//! count; the server on a runtime of its own with one worker.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ari_sdk::stream::{EventStream, StreamItem, StreamSettings, Subscription};
use ari_sdk::v20::Event;
use ari_sdk_tests::frame_server::{CallFrames, CallPlan, FrameServer};
use futures::StreamExt as _;
use secrecy::SecretString;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

const APP: &str = "stream-bench";
/// A consumer stops after this long without a frame (lost frames never come).
const QUIET: Duration = Duration::from_secs(2);

/// Gives up on a consumer after [`QUIET`] without an item. One timer for
/// the whole run, re-armed only when it fires after items came: a timer set
/// per item (`tokio::time::timeout`) costs a clock read and a timer-wheel
/// update per event, which for ten consumers on two cores weighs more than
/// what is measured.
struct Watchdog {
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
    items: u64,
}

impl Watchdog {
    fn new() -> Self {
        Watchdog {
            sleep: Box::pin(tokio::time::sleep(QUIET)),
            items: 0,
        }
    }

    /// The output of `next`, or `None` after [`QUIET`] without any item.
    async fn next<F: std::future::Future>(&mut self, next: F) -> Option<F::Output> {
        tokio::pin!(next);
        loop {
            tokio::select! {
                biased;
                output = &mut next => {
                    self.items += 1;
                    return Some(output);
                }
                () = &mut self.sleep => {
                    if std::mem::take(&mut self.items) == 0 {
                        return None;
                    }
                    self.sleep.as_mut().reset(tokio::time::Instant::now() + QUIET);
                }
            }
        }
    }
}
const DISTINCT_CALLS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    RawValue,
    RawTyped,
    StreamInline,
    StreamSpawned,
    StreamTen,
    RawBroadcastTen,
}

const VARIANTS: [Variant; 6] = [
    Variant::RawValue,
    Variant::RawTyped,
    Variant::StreamInline,
    Variant::StreamSpawned,
    Variant::StreamTen,
    Variant::RawBroadcastTen,
];

impl Variant {
    fn label(self) -> &'static str {
        match self {
            Variant::RawValue => "a raw loop, serde_json::Value",
            Variant::RawTyped => "b raw loop, v20::Event::from_json",
            Variant::StreamInline => "c EventStream, 1 subscriber inline",
            Variant::StreamSpawned => "d EventStream, 1 subscriber spawned",
            Variant::StreamTen => "e EventStream, 10 subscribers spawned",
            Variant::RawBroadcastTen => "f raw + from_json + broadcast, 10 spawned",
        }
    }
}

/// One consumer's count.
///
/// The clock is read at the first event and then every [`STAMP_EVERY`]
/// events, not on every one: ten consumers reading it per event would
/// spend more on the measuring than on what is measured. The rate is taken
/// between the first and the last reading.
#[derive(Debug, Clone, Copy, Default)]
struct Consumed {
    received: u64,
    lagged: u64,
    other: u64,
    first: Option<Instant>,
    /// The last reading, and how many events had arrived by then.
    last: Option<(Instant, u64)>,
}

/// How many events apart a consumer reads the clock.
const STAMP_EVERY: u64 = 256;

impl Consumed {
    fn event(&mut self) {
        self.received += 1;
        if self.received == 1 {
            self.first = Some(Instant::now());
        } else if self.received.is_multiple_of(STAMP_EVERY) {
            self.last = Some((Instant::now(), self.received));
        }
    }

    /// Reads the clock once more, right after the last expected event (not
    /// after a silence: then the last reading stands).
    fn end(&mut self) {
        if self.received > 1 && self.last.is_none_or(|(_, at)| at < self.received) {
            self.last = Some((Instant::now(), self.received));
        }
    }

    fn rate(&self) -> f64 {
        match (self.first, self.last) {
            (Some(first), Some((last, count))) if last > first => {
                (count - 1) as f64 / (last - first).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}

/// One variant's round.
#[derive(Debug, Clone, Copy)]
struct Sample {
    rate: f64,
    min_rate: f64,
    lost: u64,
    lagged: u64,
    other: u64,
}

struct Bench {
    server_rt: tokio::runtime::Runtime,
    server: FrameServer,
    frames: Arc<Vec<Utf8Bytes>>,
}

impl Bench {
    fn expected(&self) -> u64 {
        self.frames.len() as u64
    }

    /// Sends every frame on the next accepted socket, from the server's
    /// runtime; keeps the socket open afterwards until the client leaves.
    async fn serve(&mut self) {
        let mut socket = self
            .server
            .next_socket(Duration::from_secs(10))
            .await
            .expect("the client connects");
        let frames = Arc::clone(&self.frames);
        self.server_rt.spawn(async move {
            if let Err(error) = socket.send_frames(frames.iter().cloned()).await {
                eprintln!("the server's send failed: {error}");
                return;
            }
            let _ = socket.keep_open().await;
        });
    }

    /// A raw tokio-tungstenite client on the server's events URL.
    async fn raw_connect(
        &self,
    ) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>
    {
        let mut request = self
            .server
            .events_url()
            .into_client_request()
            .expect("a request");
        request.headers_mut().insert(
            "Authorization",
            self.server.authorization().parse().expect("a header value"),
        );
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the raw client connects");
        ws
    }

    async fn raw(&mut self, typed: bool) -> Sample {
        let mut ws = self.raw_connect().await;
        self.serve().await;
        let expected = self.expected();
        let mut consumed = Consumed::default();
        let mut watchdog = Watchdog::new();
        while consumed.received < expected {
            match watchdog.next(ws.next()).await {
                Some(Some(Ok(Message::Text(text)))) => {
                    if typed {
                        black_box(Event::from_json(&text).expect("a v20 event"));
                    } else {
                        black_box(serde_json::from_str::<serde_json::Value>(&text).expect("JSON"));
                    }
                    consumed.event();
                }
                Some(Some(Ok(_))) => {}
                _ => break,
            }
        }
        if consumed.received >= expected {
            consumed.end();
        }
        let _ = ws.close(None).await;
        sample(&[consumed], expected)
    }

    async fn raw_broadcast(&mut self, consumers: usize) -> Sample {
        let mut ws = self.raw_connect().await;
        let (sender, _) = tokio::sync::broadcast::channel::<Arc<Event>>(1 << 16);
        let expected = self.expected();
        let tasks: Vec<_> = (0..consumers)
            .map(|_| {
                let mut receiver = sender.subscribe();
                tokio::spawn(async move {
                    let mut consumed = Consumed::default();
                    let mut watchdog = Watchdog::new();
                    while consumed.received + consumed.lagged < expected {
                        match watchdog.next(receiver.recv()).await {
                            Some(Ok(event)) => {
                                black_box(&event);
                                consumed.event();
                            }
                            Some(Err(tokio::sync::broadcast::error::RecvError::Lagged(n))) => {
                                consumed.lagged += n
                            }
                            _ => break,
                        }
                    }
                    if consumed.received + consumed.lagged >= expected {
                        consumed.end();
                    }
                    consumed
                })
            })
            .collect();
        self.serve().await;
        let mut read = 0;
        let mut watchdog = Watchdog::new();
        while read < expected {
            match watchdog.next(ws.next()).await {
                Some(Some(Ok(Message::Text(text)))) => {
                    let _ = sender.send(Arc::new(Event::from_json(&text).expect("a v20 event")));
                    read += 1;
                }
                Some(Some(Ok(_))) => {}
                _ => break,
            }
        }
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.expect("a consumer task"));
        }
        let _ = ws.close(None).await;
        sample(&all, expected)
    }

    fn settings(&self) -> StreamSettings {
        StreamSettings::new(
            self.server.events_url(),
            SecretString::from(self.server.authorization()),
        )
    }

    async fn stream(&mut self, subscribers: usize, spawned: bool) -> Sample {
        let stream = EventStream::<Event>::connect(self.settings()).expect("the stream starts");
        let subscriptions: Vec<_> = (0..subscribers).map(|_| stream.subscribe()).collect();
        self.serve().await;
        let expected = self.expected();
        let consumed = if spawned {
            let tasks: Vec<_> = subscriptions
                .into_iter()
                .map(|subscription| tokio::spawn(consume(subscription, expected)))
                .collect();
            let mut all = Vec::new();
            for task in tasks {
                all.push(task.await.expect("a consumer task"));
            }
            all
        } else {
            let mut all = Vec::new();
            for subscription in subscriptions {
                all.push(consume(subscription, expected).await);
            }
            all
        };
        stream.close();
        sample(&consumed, expected)
    }

    async fn run(&mut self, variant: Variant) -> Sample {
        match variant {
            Variant::RawValue => self.raw(false).await,
            Variant::RawTyped => self.raw(true).await,
            Variant::StreamInline => self.stream(1, false).await,
            Variant::StreamSpawned => self.stream(1, true).await,
            Variant::StreamTen => self.stream(10, true).await,
            Variant::RawBroadcastTen => self.raw_broadcast(10).await,
        }
    }
}

async fn consume(mut subscription: Subscription<Event>, expected: u64) -> Consumed {
    let mut consumed = Consumed::default();
    let mut watchdog = Watchdog::new();
    while consumed.received + consumed.lagged < expected {
        match watchdog.next(subscription.next()).await {
            Some(Some(StreamItem::Event(event))) => {
                black_box(&event);
                consumed.event();
            }
            Some(Some(StreamItem::Lagged { missed, .. })) => consumed.lagged += missed,
            Some(Some(StreamItem::Connected)) => {}
            Some(Some(_)) => consumed.other += 1,
            Some(None) | None => break,
        }
    }
    if consumed.received + consumed.lagged >= expected {
        consumed.end();
    }
    consumed
}

fn sample(consumers: &[Consumed], expected: u64) -> Sample {
    let rates: Vec<f64> = consumers.iter().map(Consumed::rate).collect();
    Sample {
        rate: rates.iter().sum::<f64>() / rates.len() as f64,
        min_rate: rates.iter().copied().fold(f64::INFINITY, f64::min),
        lost: consumers
            .iter()
            .map(|c| expected.saturating_sub(c.received))
            .sum(),
        lagged: consumers.iter().map(|c| c.lagged).sum(),
        other: consumers.iter().map(|c| c.other).sum(),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn main() {
    let total: usize = std::env::var("STREAM_FRAMES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(200_000);
    let rounds: usize = std::env::var("STREAM_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);

    let templates = CallFrames::load().expect("the captures hold a whole call");
    let plan = CallPlan::new(&templates, DISTINCT_CALLS, APP);
    let distinct: Vec<Utf8Bytes> = plan.frames().map(Utf8Bytes::from).collect();
    let bytes: usize = distinct.iter().map(|f| f.len()).sum();
    let frames: Vec<Utf8Bytes> = distinct.iter().cycle().take(total).cloned().collect();

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("frame-server")
        .enable_all()
        .build()
        .expect("the server's runtime");
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the consumers' runtime");
    let server = server_rt
        .block_on(FrameServer::start(APP))
        .expect("the server starts");
    let mut bench = Bench {
        server_rt,
        server,
        frames: Arc::new(frames),
    };

    println!(
        "stream: {total} frames ({} distinct from {}, {:.0} bytes on average), burst, \
         {rounds} rounds, {} workers",
        distinct.len(),
        templates.source(),
        bytes as f64 / distinct.len() as f64,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let selected = std::env::var("STREAM_VARIANTS").unwrap_or_else(|_| "abcdef".to_owned());
    let runs = |index: usize| selected.contains(char::from(b'a' + index as u8));
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); VARIANTS.len()];
    for round in 0..rounds {
        for offset in 0..VARIANTS.len() {
            let index = (round + offset) % VARIANTS.len();
            if !runs(index) {
                continue;
            }
            let sample = client_rt.block_on(bench.run(VARIANTS[index]));
            samples[index].push(sample);
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }

    println!(
        "\n{:<38} {:>12} {:>12} {:>12} {:>10} {:>10} {:>8}",
        "variant", "median ev/s", "best ev/s", "min sub ev/s", "lost", "lagged", "other"
    );
    println!("{}", "-".repeat(108));
    let mut medians = Vec::new();
    let mut bests = Vec::new();
    for (variant, samples) in VARIANTS.iter().zip(&samples) {
        if samples.is_empty() {
            medians.push(f64::NAN);
            bests.push(f64::NAN);
            continue;
        }
        let mut rates: Vec<f64> = samples.iter().map(|s| s.rate).collect();
        let best = rates.iter().copied().fold(0.0, f64::max);
        let median_rate = median(&mut rates);
        let mut min_rates: Vec<f64> = samples.iter().map(|s| s.min_rate).collect();
        let min_median = median(&mut min_rates);
        let lost: Vec<String> = samples.iter().map(|s| s.lost.to_string()).collect();
        let lagged: u64 = samples.iter().map(|s| s.lagged).sum();
        let other: u64 = samples.iter().map(|s| s.other).sum();
        println!(
            "{:<38} {:>12.0} {:>12.0} {:>12.0} {:>10} {:>10} {:>8}",
            variant.label(),
            median_rate,
            best,
            min_median,
            lost.join("/"),
            lagged,
            other
        );
        medians.push(median_rate);
        bests.push(best);
    }
    println!(
        "\nlost: per round (expected {total} per consumer, summed over e's ten); lagged: the \
         `missed` of Lagged notices over all rounds; min sub: median of the slowest \
         subscriber's rate (e)"
    );
    println!("\nratios (median [best]; paired: the median of the rounds' own ratios):");
    for (name, num, den) in [
        ("c/a", 2, 0),
        ("c/b", 2, 1),
        ("d/a", 3, 0),
        ("d/b", 3, 1),
        ("e/a", 4, 0),
        ("e/b", 4, 1),
        ("f/b", 5, 1),
        ("e/f", 4, 5),
    ] {
        if medians[num].is_nan() || medians[den].is_nan() {
            continue;
        }
        // The two variants of a round ran next to each other, so a round's
        // own ratio shares the machine's mood of that moment.
        let mut paired: Vec<f64> = samples[num]
            .iter()
            .zip(&samples[den])
            .map(|(n, d)| n.rate / d.rate)
            .collect();
        println!(
            "  {name}  {:.2}  [{:.2}]  paired {:.2}",
            medians[num] / medians[den],
            bests[num] / bests[den],
            median(&mut paired)
        );
    }
}
