//! One application over three nodes through their proxies and NATS, next
//! to the same calls taken directly, side by side in one run (issue 13).
//!
//! Three loopback Asterisk stand-ins (`ari_sdk_tests::frame_server`: real
//! Asterisk 20 frames from `../shared/ari-captures`, re-templated per call,
//! channel ids `node-<k>-<epoch>.<call>` distinct per node) each send N
//! calls: every `StasisStart`, four mid-call events per call
//! (`ChannelDtmfReceived`, `ChannelVarset`, `ChannelStateChange`,
//! `ChannelDialplan`), then `StasisEnd` and `ChannelDestroyed` call by call
//! (the shapes of `ari-sdk/benches/load.rs`). The application takes the
//! calls as an application does (`stasis_app()`, `calls()`, a task per
//! call reading `call.events()` until its `ChannelDestroyed`), on three
//! paths:
//!
//! - **direct**: three ordinary clients (`ari_sdk::v22::Ari`, one per
//!   stand-in), each its own websocket and Stasis application;
//! - **cluster**: an `ari_proxy::Proxy` beside each stand-in, one local
//!   `nats-server`, and ONE application instance
//!   `ari_sdk::cluster::connect(...)` reading `ari.event.<app>.<node>` of
//!   every node from core NATS;
//! - **stored**: the same with the proxies keeping the events in a
//!   JetStream stream (`EventStore`) and the instance reading through a
//!   durable consumer (`ClusterSettings::durable`): the cost of persistence.
//!
//! Each path is run **paced** (each stand-in sends `CLUSTER_BATCH` frames,
//! default 200, then waits until the application acknowledged every frame
//! it sent: a call taken, an event read; a frame never acknowledged holds
//! it at most 2 s, a *stall*) and as a **burst** (each stand-in sends all
//! its frames as fast as its socket takes them).
//!
//! ```text
//! cargo bench -p ari-proxy --bench cluster_load
//! CLUSTER_CALLS=2000 CLUSTER_MODES=burst CLUSTER_PATHS=direct,cluster cargo bench -p ari-proxy --bench cluster_load
//! ```
//!
//! What each row reports:
//!
//! - **taken**: calls the application got from `calls()`, of 3N;
//! - **delivered / lost**: events read by the call tasks (6 per call: the
//!   4 mid-call events, `StasisEnd`, `ChannelDestroyed`), and 6 x 3N minus
//!   that (a call never taken counts its 6 as lost);
//! - **missed**: the sum of `missed` of the `StreamItem::Node(NodeNotice::Missed)`
//!   notices (events of a node that never arrived, counted from the
//!   proxies' sequence numbers), read by a subscriber of the application's
//!   event stream that takes no event, only the notices;
//! - **lagged**: the sum of `missed` of the `StreamItem::Lagged` items the
//!   call tasks read (each counts what its own stream missed);
//! - **proxy lost**: the proxies' `ProxyStats::events_lost` summed;
//! - **ev/s**: the calls taken plus the events delivered, over the time
//!   from the first frame sent to the last event read (the application's
//!   throughput, every node together);
//! - **wall**: from the first frame sent to the run's end; **stalls**: see
//!   paced above.
//!
//! A run ends when every call task finished, or when nothing happened for
//! 3 s after every stand-in sent its last frame, or at a deadline (60 s +
//! 2 ms per call and node). The stand-ins run on a Tokio runtime of one
//! worker, the proxies on one of two, the application on the default
//! multi-thread runtime; `nats-server` is a process of its own. Everything
//! shares the machine's cores.
//!
//! `CLUSTER_CALLS` (default 10,000 per node), `CLUSTER_MODES` (`paced,burst`),
//! `CLUSTER_PATHS` (`direct,cluster,stored`), `CLUSTER_BATCH` (200). Needs
//! `nats-server` (`NATS_SERVER`, else on `PATH` or in `/usr/sbin`). Not run
//! in CI.

mod support;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ari_proxy::{EventStore, Proxy, ProxyConfig};
use ari_sdk::cluster::{self, ClusterSettings};
use ari_sdk::stream::{ConnectionState, NodeNotice, StreamItem};
use ari_sdk::v22::{Ari, Call, EventType, StasisApp};
use ari_sdk_tests::frame_server::{
    read_call_events, CallFrames, CallPlan, Delivery, EventSocket, FrameServer, Pacer, SendReport,
    EVENTS_AFTER_START, FRAMES_PER_CALL,
};
use futures::StreamExt as _;
use support::{nats_server, Nats};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

const APP: &str = "cluster-load";
const NODES: usize = 3;
const STALL: Duration = Duration::from_secs(2);
const GRACE: Duration = Duration::from_secs(2);
/// How long nothing may happen before a run that lost events is over: long
/// enough for the losses at the end of a burst to be told (the proxies
/// announce their last numbers when pinged, every 2 s; a durable consumer
/// waits 8 s for a late event before counting it missed).
const QUIET: Duration = Duration::from_secs(14);
/// How long set-up steps (a proxy starting, the nodes announced) may take.
const PATIENCE: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    Direct,
    Cluster,
    Stored,
}

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Direct => "direct",
            Path::Cluster => "cluster",
            Path::Stored => "stored",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Paced,
    Burst,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Paced => "paced",
            Mode::Burst => "burst",
        }
    }
}

fn node_name(index: usize) -> String {
    format!("node-{}", index + 1)
}

// ---------------------------------------------------------------------------
// What the application saw

struct Tally {
    t0: Instant,
    /// Events read, per node and call.
    per_call: Vec<Vec<AtomicU8>>,
    taken: AtomicUsize,
    finished: AtomicUsize,
    events: AtomicU64,
    lag_notices: AtomicU64,
    lag_missed: AtomicU64,
    progress: AtomicU64,
    /// Nanoseconds since t0 of the last call taken or event read.
    last: AtomicU64,
    /// Calls whose id no plan made.
    strangers: AtomicUsize,
}

impl Tally {
    fn new(calls: usize) -> Tally {
        Tally {
            t0: Instant::now(),
            per_call: (0..NODES)
                .map(|_| (0..calls).map(|_| AtomicU8::new(0)).collect())
                .collect(),
            taken: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            events: AtomicU64::new(0),
            lag_notices: AtomicU64::new(0),
            lag_missed: AtomicU64::new(0),
            progress: AtomicU64::new(0),
            last: AtomicU64::new(0),
            strangers: AtomicUsize::new(0),
        }
    }

    fn seen(&self) {
        self.progress.fetch_add(1, Ordering::Relaxed);
        let at = self.t0.elapsed().as_nanos() as u64;
        self.last.fetch_max(at, Ordering::Relaxed);
    }
}

/// The notices of the application's event stream.
#[derive(Default)]
struct Notices {
    missed: AtomicU64,
    missed_notices: AtomicU64,
    lost_nodes: AtomicU64,
    lagged: AtomicU64,
    disconnects: AtomicU64,
}

/// Which node and call of the plans a channel id is.
fn locate(plans: &[CallPlan], id: &str) -> Option<(usize, usize)> {
    plans
        .iter()
        .enumerate()
        .find_map(|(node, plan)| plan.call_of(id).map(|call| (node, call)))
}

async fn follow(call: Call, tally: Arc<Tally>, pacer: Option<Pacer>, at: Option<(usize, usize)>) {
    read_call_events(call.events(), call.ended(), GRACE, |item| {
        match item {
            StreamItem::Event(event) => {
                tally.events.fetch_add(1, Ordering::Relaxed);
                tally.seen();
                if let Some((node, index)) = at {
                    tally.per_call[node][index].fetch_add(1, Ordering::Relaxed);
                }
                if let Some(pacer) = &pacer {
                    pacer.ack(1);
                }
                if event.type_name() == "ChannelDestroyed" {
                    return ControlFlow::Break(());
                }
            }
            StreamItem::Lagged { missed, .. } => {
                tally.lag_notices.fetch_add(1, Ordering::Relaxed);
                tally.lag_missed.fetch_add(missed, Ordering::Relaxed);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    })
    .await;
    tally.finished.fetch_add(1, Ordering::Relaxed);
}

/// Takes the calls of `app` and follows each in a task of its own.
fn take_calls(
    app: &StasisApp,
    plans: Arc<Vec<CallPlan>>,
    pacers: Arc<Vec<Pacer>>,
    tally: Arc<Tally>,
) -> JoinHandle<()> {
    let mut incoming = app.calls();
    tokio::spawn(async move {
        while let Some(call) = incoming.next().await {
            tally.taken.fetch_add(1, Ordering::Relaxed);
            tally.seen();
            let at = locate(&plans, call.id());
            let pacer = at.and_then(|(node, _)| pacers.get(node).cloned());
            if at.is_none() {
                tally.strangers.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(pacer) = &pacer {
                pacer.ack(1);
            }
            tokio::spawn(follow(call, Arc::clone(&tally), pacer, at));
        }
    })
}

/// Reads the notices of `app`'s event stream (no event: its interest is
/// empty) until aborted.
fn watch_notices(app: &StasisApp, notices: Arc<Notices>) -> JoinHandle<()> {
    let mut items = app
        .event_stream()
        .subscribe()
        .only_types(Vec::<EventType>::new());
    tokio::spawn(async move {
        while let Some(item) = items.next().await {
            match item {
                StreamItem::Node(notice) => match *notice {
                    NodeNotice::Missed { missed, .. } => {
                        notices.missed.fetch_add(missed, Ordering::Relaxed);
                        notices.missed_notices.fetch_add(1, Ordering::Relaxed);
                    }
                    NodeNotice::Lost { .. } => {
                        notices.lost_nodes.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                },
                StreamItem::Lagged { missed, .. } => {
                    notices.lagged.fetch_add(missed, Ordering::Relaxed);
                }
                StreamItem::Disconnected { .. } => {
                    notices.disconnects.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
    })
}

async fn wait_connected(app: &StasisApp) {
    let mut state = app.event_stream().state_changes();
    tokio::time::timeout(
        PATIENCE,
        state.wait_for(|s| *s == ConnectionState::Connected),
    )
    .await
    .expect("connected in time")
    .expect("the stream runs");
}

// ---------------------------------------------------------------------------
// One run

struct RunResult {
    path: Path,
    mode: Mode,
    taken: usize,
    delivered: u64,
    complete: usize,
    strangers: usize,
    missed: u64,
    missed_notices: u64,
    lost_nodes: u64,
    stream_lagged: u64,
    disconnects: u64,
    lag_notices: u64,
    lag_missed: u64,
    proxy_lost: u64,
    proxy_published: u64,
    rate: f64,
    wall: Duration,
    stalls: usize,
    outcome: &'static str,
}

struct Bench {
    nats_url: String,
    frames: CallFrames,
    calls: usize,
    batch: usize,
    runs: usize,
}

/// The runtimes of one run: the stand-ins', the proxies', the
/// application's.
struct Runtimes {
    servers: Runtime,
    proxies: Runtime,
    app: Runtime,
}

impl Runtimes {
    fn new() -> Runtimes {
        let build = |workers: Option<usize>, name: &str| {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            if let Some(workers) = workers {
                builder.worker_threads(workers);
            }
            builder
                .thread_name(name)
                .enable_all()
                .build()
                .expect("a runtime")
        };
        Runtimes {
            servers: build(Some(1), "stand-ins"),
            proxies: build(Some(2), "proxies"),
            app: build(None, "application"),
        }
    }

    fn shutdown(self) {
        self.app.shutdown_timeout(Duration::from_secs(2));
        self.proxies.shutdown_timeout(Duration::from_secs(2));
        self.servers.shutdown_timeout(Duration::from_secs(2));
    }
}

impl Bench {
    fn run(&mut self, path: Path, mode: Mode) -> RunResult {
        self.runs += 1;
        let runtimes = Runtimes::new();
        let result = runtimes.app.block_on(self.run_in(&runtimes, path, mode));
        runtimes.shutdown();
        result
    }

    async fn run_in(&self, rt: &Runtimes, path: Path, mode: Mode) -> RunResult {
        // Subjects and the stream of this run only: a stream of an earlier
        // run would otherwise store this run's core NATS events too.
        let prefix = format!("clb{}.", self.runs);
        let store_name = format!("CLB_EVENTS_{}", self.runs);

        let mut servers = Vec::with_capacity(NODES);
        for _ in 0..NODES {
            let server = rt
                .servers
                .spawn(FrameServer::start(APP))
                .await
                .expect("the server task")
                .expect("the stand-in starts");
            servers.push(server);
        }

        let mut proxies = Vec::new();
        let mut sockets: Vec<EventSocket> = Vec::with_capacity(NODES);
        let mut apps = Vec::new();
        match path {
            Path::Direct => {
                for server in &mut servers {
                    let client =
                        ari_sdk::Client::new(server.config().expect("config")).expect("a client");
                    let app = Ari::new(client).stasis_app().expect("the application");
                    sockets.push(
                        server
                            .next_socket(PATIENCE)
                            .await
                            .expect("the application connects"),
                    );
                    apps.push(app);
                }
            }
            Path::Cluster | Path::Stored => {
                let mut starting = Vec::with_capacity(NODES);
                for (index, server) in servers.iter().enumerate() {
                    let mut config =
                        ProxyConfig::new(server.config().expect("config"), &self.nats_url)
                            .node(node_name(index))
                            .prefix(&prefix)
                            .name_check(Duration::from_millis(100));
                    if path == Path::Stored {
                        config = config.event_store(EventStore::new(&store_name));
                    }
                    starting.push(rt.proxies.spawn(Proxy::start(config)));
                }
                for server in &mut servers {
                    sockets.push(
                        server
                            .next_socket(PATIENCE)
                            .await
                            .expect("the proxy connects"),
                    );
                }
                for start in starting {
                    proxies.push(
                        start
                            .await
                            .expect("the proxy task")
                            .expect("the proxy starts"),
                    );
                }
                let mut settings = ClusterSettings::new(&self.nats_url, [APP])
                    .prefix(&prefix)
                    .discovery(PATIENCE)
                    .version_check(false);
                if path == Path::Stored {
                    settings = settings.durable(&store_name, "cluster-load");
                }
                let client = cluster::connect(settings)
                    .await
                    .expect("the cluster client");
                let deadline = Instant::now() + PATIENCE;
                while client.nodes().len() < NODES {
                    assert!(Instant::now() < deadline, "the nodes were not announced");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                apps.push(Ari::new(client).stasis_app().expect("the application"));
            }
        }
        for app in &apps {
            wait_connected(app).await;
        }

        let plans: Arc<Vec<CallPlan>> = Arc::new(
            (0..NODES)
                .map(|index| {
                    CallPlan::new(&self.frames, self.calls, APP)
                        .with_id_prefix(&format!("{}-", node_name(index)))
                })
                .collect(),
        );
        let pacers: Arc<Vec<Pacer>> = Arc::new((0..NODES).map(|_| Pacer::new(STALL)).collect());
        let tally = Arc::new(Tally::new(self.calls));
        let notices = Arc::new(Notices::default());
        let mut tasks: Vec<JoinHandle<()>> = apps
            .iter()
            .map(|app| {
                take_calls(
                    app,
                    Arc::clone(&plans),
                    Arc::clone(&pacers),
                    Arc::clone(&tally),
                )
            })
            .collect();
        tasks.extend(
            apps.iter()
                .map(|app| watch_notices(app, Arc::clone(&notices))),
        );
        // Let the takers park before the first frame.
        tokio::time::sleep(Duration::from_millis(50)).await;

        let started = Instant::now();
        let sent_at = tally.t0.elapsed();
        let mut senders: Vec<Option<JoinHandle<_>>> = Vec::with_capacity(NODES);
        for (index, mut socket) in sockets.into_iter().enumerate() {
            let plan = plans[index].clone();
            let delivery = match mode {
                Mode::Burst => Delivery::Burst,
                Mode::Paced => Delivery::Paced {
                    batch: self.batch,
                    pacer: pacers[index].clone(),
                },
            };
            senders.push(Some(rt.servers.spawn(async move {
                let report = socket.send_plan(&plan, &delivery).await;
                (report, socket.keep_open())
            })));
        }
        let total = self.calls * NODES;
        let deadline = started + Duration::from_secs(60) + Duration::from_millis(2) * total as u32;
        let mut reports: Vec<(Result<SendReport, _>, JoinHandle<()>)> = Vec::new();
        let mut last = (u64::MAX, Instant::now());
        let outcome = loop {
            for sender in &mut senders {
                if let Some(handle) = sender.as_mut().filter(|h| h.is_finished()) {
                    reports.push(handle.await.expect("the sender task"));
                    *sender = None;
                    last = (u64::MAX, Instant::now());
                }
            }
            // Done once every call is over and every event a proxy lost
            // was told (the ends of lossy bursts come from reconciliation
            // before the last losses are counted).
            let proxy_lost: u64 = proxies.iter().map(|p| p.stats().events_lost).sum();
            if tally.taken.load(Ordering::Relaxed) == total
                && tally.finished.load(Ordering::Relaxed) == total
                && notices.missed.load(Ordering::Relaxed) >= proxy_lost
            {
                break "done";
            }
            let progress = tally.progress.load(Ordering::Relaxed);
            if progress != last.0 {
                last = (progress, Instant::now());
            } else if senders.iter().all(Option::is_none) && last.1.elapsed() > QUIET {
                break "quiet";
            }
            if Instant::now() > deadline {
                break "deadline";
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let wall = started.elapsed();
        for task in &tasks {
            task.abort();
        }
        let mut stalls = 0;
        for (report, keep_open) in reports {
            keep_open.abort();
            match report {
                Ok(report) => stalls += report.stalls,
                Err(error) => eprintln!("a stand-in's send failed: {error}"),
            }
        }
        for handle in senders.into_iter().flatten() {
            handle.abort();
        }

        let taken = tally.taken.load(Ordering::Relaxed);
        let delivered = tally.events.load(Ordering::Relaxed);
        let last_at = Duration::from_nanos(tally.last.load(Ordering::Relaxed));
        let span = last_at.saturating_sub(sent_at).as_secs_f64();
        let rate = if span > 0.0 {
            (taken as u64 + delivered) as f64 / span
        } else {
            0.0
        };
        let (proxy_lost, proxy_published) = proxies.iter().fold((0, 0), |(lost, published), p| {
            let stats = p.stats();
            (lost + stats.events_lost, published + stats.events_published)
        });
        for app in &apps {
            app.event_stream().close();
        }
        drop(apps);
        for proxy in proxies {
            let _ = rt.proxies.spawn(proxy.shutdown()).await;
        }
        if path == Path::Stored {
            if let Ok(nats) = async_nats::connect(&self.nats_url).await {
                let _ = async_nats::jetstream::new(nats)
                    .delete_stream(&store_name)
                    .await;
            }
        }
        drop(servers);

        RunResult {
            path,
            mode,
            taken,
            delivered,
            complete: tally
                .per_call
                .iter()
                .flatten()
                .filter(|n| n.load(Ordering::Relaxed) as usize == EVENTS_AFTER_START)
                .count(),
            strangers: tally.strangers.load(Ordering::Relaxed),
            missed: notices.missed.load(Ordering::Relaxed),
            missed_notices: notices.missed_notices.load(Ordering::Relaxed),
            lost_nodes: notices.lost_nodes.load(Ordering::Relaxed),
            stream_lagged: notices.lagged.load(Ordering::Relaxed),
            disconnects: notices.disconnects.load(Ordering::Relaxed),
            lag_notices: tally.lag_notices.load(Ordering::Relaxed),
            lag_missed: tally.lag_missed.load(Ordering::Relaxed),
            proxy_lost,
            proxy_published,
            rate,
            wall,
            stalls,
            outcome,
        }
    }
}

// ---------------------------------------------------------------------------
// Report

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn env_list<T>(name: &str, default: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .filter_map(|item| parse(item.trim()))
        .collect()
}

fn main() {
    let Some(binary) = nats_server() else {
        eprintln!("nats-server not found: install Debian's nats-server or set NATS_SERVER");
        return;
    };
    let calls = env_number("CLUSTER_CALLS", 10_000);
    let batch = env_number("CLUSTER_BATCH", 200).max(1);
    let modes = env_list("CLUSTER_MODES", "paced,burst", |m| match m {
        "paced" => Some(Mode::Paced),
        "burst" => Some(Mode::Burst),
        _ => None,
    });
    let paths = env_list("CLUSTER_PATHS", "direct,cluster,stored", |p| match p {
        "direct" => Some(Path::Direct),
        "cluster" => Some(Path::Cluster),
        "stored" => Some(Path::Stored),
        _ => None,
    });
    let frames = CallFrames::load().expect("the captures hold a whole call");
    let store = tempfile::tempdir().expect("a directory for JetStream");
    let nats = Nats::start(&binary, store.path());
    let mut bench = Bench {
        nats_url: nats.url(),
        frames,
        calls,
        batch,
        runs: 0,
    };

    println!(
        "cluster_load: {NODES} nodes x {calls} calls ({} frames per call, from {}), one \
         application; paced batch {batch} per node; {} cores",
        FRAMES_PER_CALL,
        bench.frames.source(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let expected = (calls * NODES * EVENTS_AFTER_START) as u64;
    println!(
        "expected: {} calls taken, {expected} events delivered (6 per call after its StasisStart)\n",
        calls * NODES
    );
    let header = format!(
        "{:<6} {:<8} {:>6} {:>9} {:>6} {:>8} {:>7} {:>7} {:>7} {:>9} {:>9} {:>7} {:>6} {:>8}",
        "mode",
        "path",
        "taken",
        "delivered",
        "lost",
        "complete",
        "missed",
        "lagged",
        "p.lost",
        "p.publ",
        "ev/s",
        "wall s",
        "stalls",
        "outcome",
    );
    println!("{header}");
    println!("{}", "-".repeat(header.len()));
    let mut rates = Vec::new();
    for &mode in &modes {
        for &path in &paths {
            let r = bench.run(path, mode);
            println!(
                "{:<6} {:<8} {:>6} {:>9} {:>6} {:>8} {:>7} {:>7} {:>7} {:>9} {:>9.0} {:>7.2} {:>6} {:>8}{}",
                r.mode.name(),
                r.path.name(),
                r.taken,
                r.delivered,
                expected.saturating_sub(r.delivered),
                r.complete,
                r.missed,
                r.lag_missed,
                r.proxy_lost,
                r.proxy_published,
                r.rate,
                r.wall.as_secs_f64(),
                r.stalls,
                r.outcome,
                notes(&r),
            );
            rates.push((mode, path, r.rate));
        }
    }
    println!();
    let rate = |mode: Mode, path: Path| {
        rates
            .iter()
            .find(|(m, p, _)| *m == mode && *p == path)
            .map(|(_, _, r)| *r)
    };
    for &mode in &modes {
        let direct = rate(mode, Path::Direct);
        let cluster = rate(mode, Path::Cluster);
        let stored = rate(mode, Path::Stored);
        if let (Some(c), Some(d)) = (cluster, direct) {
            println!("{}: cluster / direct (ev/s): {:.3}", mode.name(), c / d);
        }
        if let (Some(s), Some(c)) = (stored, cluster) {
            println!(
                "{}: stored / cluster (ev/s): {:.3} (JetStream: +{:.1} µs per event)",
                mode.name(),
                s / c,
                (1.0 / s - 1.0 / c) * 1e6
            );
        }
    }
    println!(
        "\nlost: 6 x 3N - delivered; complete: calls whose task read exactly 6 events; missed: \
         NodeNotice::Missed counts; lagged: Lagged counts read by call tasks; p.lost / p.publ: \
         the proxies' events_lost / events_published; ev/s: (calls taken + events delivered) \
         from the first frame sent to the last event read"
    );
}

/// What a row says beyond its columns.
fn notes(r: &RunResult) -> String {
    let counts = [
        (r.missed_notices, "Missed notices"),
        (r.lag_notices, "Lagged at call tasks"),
        (r.stream_lagged, "lagged at the watcher"),
        (r.lost_nodes, "nodes lost"),
        (r.disconnects, "disconnects"),
        (r.strangers as u64, "calls of unknown ids"),
    ];
    let notes: Vec<String> = counts
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, what)| format!("{count} {what}"))
        .collect();
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    }
}
