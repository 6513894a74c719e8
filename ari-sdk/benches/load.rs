//! Load through the handles: N calls into one Stasis application, the way an
//! application takes them (`ari.stasis_app()`, `calls()`, a `tokio::spawn`ed
//! task per call reading `call.events()` until the call ends), against a
//! loopback server that plays Asterisk (`ari_sdk_tests::frame_server`) with
//! real Asterisk 20 frames from `../shared/ari-captures`, re-templated per
//! call.
//!
//! ```text
//! cargo bench -p ari-sdk --bench load --features asterisk-20
//! LOAD_CALLS=2500,10000 LOAD_MODES=burst cargo bench -p ari-sdk --bench load --features asterisk-20
//! ```
//!
//! Each call is 7 frames: `StasisStart`, 4 mid-call events
//! (`ChannelDtmfReceived`, `ChannelVarset`, `ChannelStateChange`,
//! `ChannelDialplan`), `StasisEnd`, `ChannelDestroyed`. The server sends
//! every `StasisStart`, then the mid-call events (4 rounds over all calls),
//! then the ends call by call:
//!
//! - **paced**: `LOAD_BATCH` frames (default 200) at a time, the next batch
//!   once the application acknowledged every frame sent so far (a call
//!   taken from `calls()`, an event read by its task); a frame never
//!   acknowledged holds the server at most 2 s (a *stall*), then it goes on;
//! - **burst**: everything as fast as the socket takes it.
//!
//! What each row reports:
//!
//! - **taken**: calls the application got from `calls()`, of N;
//! - **delivered / expected**: events read by the call tasks (items
//!   `StreamItem::Event` of `call.events()`), against 6 per call (the 4
//!   mid-call events, `StasisEnd`, `ChannelDestroyed`; the `StasisStart`
//!   is the call itself, not one of its events): expected = 6 N, counting
//!   the calls never taken; **lost** = expected - delivered;
//! - **lag notices / lag missed**: `StreamItem::Lagged` items the call tasks
//!   read, and the sum of their `missed` (each notice counts what *its*
//!   stream missed, so a lag announced to every live call is summed once
//!   per call);
//! - **heap/call**: bytes allocated and not freed (a counting global
//!   allocator around `System`) once every call is live and its mid-call
//!   events were read, minus the bytes live before the first `StasisStart`,
//!   over N. Paced only (the server holds before the ends); in a burst the
//!   ends follow at once, so the row has **peak/call** instead: the highest
//!   live heap during the run, minus the same baseline, over N (both columns
//!   are filled in paced runs). The server shares the process; it holds one
//!   frame at a time;
//! - **mid ev/s, end ev/s, end/mid**: the events the call tasks read in a
//!   phase over that phase's span at the tasks (first to last receipt of a
//!   mid-call event; first to last `StasisEnd`/`ChannelDestroyed`), and the
//!   ratio of the two rates. 1.0 means ending calls costs what mid-call
//!   events cost; far below 1 means the end phase slows with the number of
//!   live calls;
//! - **wall**: from the first frame sent to the run's end.
//!
//! A run ends when every call task finished, or when nothing happened for
//! 3 s after the server sent its last frame (lost events never come), or at
//! a deadline (60 s + 0.4 ms per call). Call tasks end on their
//! `ChannelDestroyed`, or 2 s after `ended()` resolved.
//!
//! The application runs on a multi-thread Tokio runtime with the default
//! worker count; the server on a runtime of its own with one worker.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ari_sdk::stream::{ConnectionState, StreamItem};
use ari_sdk::v20::Call;
use ari_sdk_tests::frame_server::{
    call_of, CallFrames, CallPlan, Delivery, FrameServer, Pacer, Phase, EVENTS_AFTER_START,
};
use futures::StreamExt as _;

// ---------------------------------------------------------------------------
// Heap accounting

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn grew(bytes: usize) {
    let now = LIVE.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    LIVE.fetch_sub(bytes as isize, Ordering::Relaxed);
}

// SAFETY: every call goes to `System` unchanged; only the sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_heap() -> isize {
    LIVE.load(Ordering::Relaxed)
}

// ---------------------------------------------------------------------------
// The application

const APP: &str = "load-bench";
const STALL: Duration = Duration::from_secs(2);
const GRACE: Duration = Duration::from_secs(2);
const QUIET: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Paced,
    Burst,
}

/// What the call tasks saw. Allocated before the baseline.
struct Tally {
    t0: Instant,
    /// Events read, per call.
    per_call: Vec<AtomicU8>,
    taken: AtomicUsize,
    finished: AtomicUsize,
    events: AtomicU64,
    lag_notices: AtomicU64,
    lag_missed: AtomicU64,
    other_items: AtomicU64,
    progress: AtomicU64,
    /// Per phase (mid, end): count, first and last receipt (ns since t0).
    phases: [PhaseTimes; 2],
}

struct PhaseTimes {
    count: AtomicU64,
    first: AtomicU64,
    last: AtomicU64,
}

impl PhaseTimes {
    fn new() -> PhaseTimes {
        PhaseTimes {
            count: AtomicU64::new(0),
            first: AtomicU64::new(u64::MAX),
            last: AtomicU64::new(0),
        }
    }

    fn record(&self, at: u64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.first.fetch_min(at, Ordering::Relaxed);
        self.last.fetch_max(at, Ordering::Relaxed);
    }

    /// Events per second over the phase's span.
    fn rate(&self) -> Option<f64> {
        let count = self.count.load(Ordering::Relaxed);
        let first = self.first.load(Ordering::Relaxed);
        let last = self.last.load(Ordering::Relaxed);
        (count > 1 && last > first).then(|| count as f64 / ((last - first) as f64 / 1e9))
    }
}

async fn follow(call: Call, tally: Arc<Tally>, pacer: Pacer) {
    let index = call_of(call.id()).filter(|&i| i < tally.per_call.len());
    // Written out, not `frame_server::read_call_events`: this task's size
    // is part of the heap per live call measured here, and the generic
    // helper's future is about 270 bytes larger.
    let mut events = call.events();
    let ended = call.ended();
    tokio::pin!(ended);
    let mut call_ended = false;
    loop {
        let item = if call_ended {
            match tokio::time::timeout(GRACE, events.next()).await {
                Ok(item) => item,
                Err(_) => break,
            }
        } else {
            tokio::select! {
                biased;
                item = events.next() => item,
                _ = &mut ended => {
                    call_ended = true;
                    continue;
                }
            }
        };
        tally.progress.fetch_add(1, Ordering::Relaxed);
        match item {
            None => break,
            Some(StreamItem::Event(event)) => {
                let at = tally.t0.elapsed().as_nanos() as u64;
                let name = event.type_name();
                let destroyed = name == "ChannelDestroyed";
                let phase = if destroyed || name == "StasisEnd" {
                    1
                } else {
                    0
                };
                tally.phases[phase].record(at);
                tally.events.fetch_add(1, Ordering::Relaxed);
                if let Some(index) = index {
                    tally.per_call[index].fetch_add(1, Ordering::Relaxed);
                }
                pacer.ack(1);
                if destroyed {
                    break;
                }
            }
            Some(StreamItem::Lagged { missed, .. }) => {
                tally.lag_notices.fetch_add(1, Ordering::Relaxed);
                tally.lag_missed.fetch_add(missed, Ordering::Relaxed);
            }
            Some(_) => {
                tally.other_items.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    tally.finished.fetch_add(1, Ordering::Relaxed);
}

struct RunResult {
    mode: Mode,
    calls: usize,
    taken: usize,
    delivered: u64,
    complete_calls: usize,
    lag_notices: u64,
    lag_missed: u64,
    other_items: u64,
    heap_per_call: Option<f64>,
    peak_per_call: f64,
    mid_rate: Option<f64>,
    end_rate: Option<f64>,
    wall: Duration,
    stalls: usize,
    outcome: &'static str,
}

fn run(frames: &CallFrames, calls: usize, mode: Mode, batch: usize) -> RunResult {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("frame-server")
        .enable_all()
        .build()
        .expect("the server's runtime");
    let app_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the application's runtime");
    let result = app_rt.block_on(run_in(&server_rt, frames, calls, mode, batch));
    app_rt.shutdown_timeout(Duration::from_secs(2));
    server_rt.shutdown_timeout(Duration::from_secs(2));
    result
}

async fn run_in(
    server_rt: &tokio::runtime::Runtime,
    frames: &CallFrames,
    calls: usize,
    mode: Mode,
    batch: usize,
) -> RunResult {
    let mut server = server_rt
        .spawn(FrameServer::start(APP))
        .await
        .expect("the server task")
        .expect("the server starts");
    let app = server
        .ari()
        .expect("a client")
        .stasis_app()
        .expect("the application starts");
    let mut incoming = app.calls();
    let mut socket = server
        .next_socket(Duration::from_secs(10))
        .await
        .expect("the application connects");
    let mut state = app.event_stream().state_changes();
    tokio::time::timeout(
        Duration::from_secs(10),
        state.wait_for(|s| *s == ConnectionState::Connected),
    )
    .await
    .expect("connected in time")
    .expect("the stream runs");

    let plan = CallPlan::new(frames, calls, APP);
    let pacer = Pacer::new(STALL);
    let tally = Arc::new(Tally {
        t0: Instant::now(),
        per_call: (0..calls).map(|_| AtomicU8::new(0)).collect(),
        taken: AtomicUsize::new(0),
        finished: AtomicUsize::new(0),
        events: AtomicU64::new(0),
        lag_notices: AtomicU64::new(0),
        lag_missed: AtomicU64::new(0),
        other_items: AtomicU64::new(0),
        progress: AtomicU64::new(0),
        phases: [PhaseTimes::new(), PhaseTimes::new()],
    });
    let delivery = match mode {
        Mode::Burst => Delivery::Burst,
        Mode::Paced => Delivery::Paced {
            batch,
            pacer: pacer.clone(),
        },
    };
    let mid_done = plan.phase_start(Phase::End) as u64;
    if mode == Mode::Paced {
        pacer.hold_at(mid_done);
    }

    let taker = tokio::spawn({
        let tally = Arc::clone(&tally);
        let pacer = pacer.clone();
        async move {
            while let Some(call) = incoming.next().await {
                tally.taken.fetch_add(1, Ordering::Relaxed);
                tally.progress.fetch_add(1, Ordering::Relaxed);
                pacer.ack(1);
                tokio::spawn(follow(call, Arc::clone(&tally), pacer.clone()));
            }
        }
    });
    // Let the taker park before measuring.
    tokio::time::sleep(Duration::from_millis(50)).await;

    let baseline = live_heap();
    PEAK.store(baseline, Ordering::Relaxed);
    let started = Instant::now();
    let sender = server_rt.spawn(async move {
        let report = socket.send_plan(&plan, &delivery).await;
        (report, socket.keep_open())
    });
    let deadline = started + Duration::from_secs(60) + Duration::from_micros(400) * calls as u32;

    let mut heap_per_call = None;
    if mode == Mode::Paced {
        let wait = deadline.saturating_duration_since(Instant::now());
        let all_live = pacer.wait_seen(mid_done, wait).await;
        if all_live {
            heap_per_call = Some((live_heap() - baseline) as f64 / calls as f64);
        }
        pacer.release();
    }

    let mut sender = Some(sender);
    let mut sent = None;
    let mut last = (u64::MAX, Instant::now());
    let outcome = loop {
        if let Some(handle) = sender.as_mut().filter(|h| h.is_finished()) {
            sent = Some(handle.await.expect("the sender task"));
            sender = None;
            last = (u64::MAX, Instant::now());
        }
        if tally.taken.load(Ordering::Relaxed) == calls
            && tally.finished.load(Ordering::Relaxed) == calls
        {
            break "done";
        }
        let progress = tally.progress.load(Ordering::Relaxed);
        if progress != last.0 {
            last = (progress, Instant::now());
        } else if sent.is_some() && last.1.elapsed() > QUIET {
            break "quiet";
        }
        if Instant::now() > deadline {
            break "deadline";
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let wall = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed);
    taker.abort();
    let mut stalls = 0;
    if let Some((report, keep_open)) = sent {
        keep_open.abort();
        match report {
            Ok(report) => stalls = report.stalls,
            Err(error) => eprintln!("the server's send failed: {error}"),
        }
    } else if let Some(handle) = sender {
        handle.abort();
    }
    app.event_stream().close();
    drop(app);

    RunResult {
        mode,
        calls,
        taken: tally.taken.load(Ordering::Relaxed),
        delivered: tally.events.load(Ordering::Relaxed),
        complete_calls: tally
            .per_call
            .iter()
            .filter(|n| n.load(Ordering::Relaxed) as usize == EVENTS_AFTER_START)
            .count(),
        lag_notices: tally.lag_notices.load(Ordering::Relaxed),
        lag_missed: tally.lag_missed.load(Ordering::Relaxed),
        other_items: tally.other_items.load(Ordering::Relaxed),
        heap_per_call,
        peak_per_call: (peak - baseline) as f64 / calls as f64,
        mid_rate: tally.phases[0].rate(),
        end_rate: tally.phases[1].rate(),
        wall,
        stalls,
        outcome,
    }
}

// ---------------------------------------------------------------------------
// Report

fn parse_list(text: &str) -> Vec<usize> {
    text.split(',')
        .filter_map(|n| n.trim().replace('_', "").parse().ok())
        .collect()
}

fn rate(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.0}"))
}

fn main() {
    // `cargo bench` passes `--bench`; a bare argument is a list of call counts.
    let arg_calls = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| parse_list(&a));
    let calls = arg_calls
        .or_else(|| std::env::var("LOAD_CALLS").ok().map(|v| parse_list(&v)))
        .unwrap_or_else(|| vec![2_500, 10_000, 20_000, 100_000]);
    let modes: Vec<Mode> = std::env::var("LOAD_MODES")
        .unwrap_or_else(|_| "paced,burst".into())
        .split(',')
        .filter_map(|m| match m.trim() {
            "paced" => Some(Mode::Paced),
            "burst" => Some(Mode::Burst),
            _ => None,
        })
        .collect();
    let batch: usize = std::env::var("LOAD_BATCH")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(200);
    let frames = CallFrames::load().expect("the captures hold a whole call");

    println!(
        "load: calls into one Stasis app through the handles, a task per call \
         (frames from {}, {} workers, paced batch {batch})",
        frames.source(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    println!(
        "expected: 6 events per call (4 mid-call, StasisEnd, ChannelDestroyed); \
         heap in bytes per call; rates in events/s at the call tasks\n"
    );
    let header = format!(
        "{:<6} {:>7} {:>7} {:>9} {:>9} {:>8} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>6} {:>8}",
        "mode",
        "calls",
        "taken",
        "delivered",
        "expected",
        "lost",
        "complete",
        "lag#",
        "lag miss",
        "heap/call",
        "peak/call",
        "mid ev/s",
        "end ev/s",
        "end/mid",
        "wall s",
        "stalls",
        "outcome"
    );
    println!("{header}");
    println!("{}", "-".repeat(header.len()));
    for &n in &calls {
        for &mode in &modes {
            let r = run(&frames, n, mode, batch);
            let expected = (r.calls * EVENTS_AFTER_START) as u64;
            let ratio = match (r.mid_rate, r.end_rate) {
                (Some(mid), Some(end)) => format!("{:.3}", end / mid),
                _ => "-".into(),
            };
            println!(
                "{:<6} {:>7} {:>7} {:>9} {:>9} {:>8} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7.2} {:>6} {:>8}{}",
                match r.mode {
                    Mode::Paced => "paced",
                    Mode::Burst => "burst",
                },
                r.calls,
                r.taken,
                r.delivered,
                expected,
                expected.saturating_sub(r.delivered),
                r.complete_calls,
                r.lag_notices,
                r.lag_missed,
                r.heap_per_call.map_or("-".into(), |h| format!("{h:.0}")),
                format!("{:.0}", r.peak_per_call),
                rate(r.mid_rate),
                rate(r.end_rate),
                ratio,
                r.wall.as_secs_f64(),
                r.stalls,
                r.outcome,
                if r.other_items > 0 {
                    format!(" ({} other items)", r.other_items)
                } else {
                    String::new()
                },
            );
        }
    }
    println!(
        "\ncomplete: calls whose task read exactly 6 events; lag#: Lagged notices read by call \
         tasks; lag miss: sum of their `missed`; stalls: times the paced server gave up waiting \
         2 s for acknowledgements; outcome: done (every call task finished), quiet (nothing \
         for 3 s after the last frame), deadline"
    );
}
