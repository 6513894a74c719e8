//! Load through the handles, counted exactly (not timed): a burst of calls
//! must reach every call task whole, and a call task that stalls must be
//! told exactly what it lost.
//!
//! The frames are real Asterisk 20 frames from the captures, re-templated
//! per call by `ari_sdk_tests::frame_server`. Every wait is bounded: a run
//! that loses events fails with its counts instead of hanging.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ari_sdk::handles::Calls as CallsOf;
use ari_sdk::handles::ResourceKind;
use ari_sdk::stream::StreamItem;
use ari_sdk::v20::{Ari, Call, Event};

type Calls = CallsOf<Ari>;
use ari_sdk_tests::frame_server::{
    call_of, channel_id, read_call_events, CallFrames, CallPlan, Delivery, FrameServer,
    EVENTS_AFTER_START, MID_TYPES,
};
use futures::StreamExt as _;

const APP: &str = "load-test";

/// The longest any single step may take.
const PATIENCE: Duration = Duration::from_secs(10);

/// How long a call task waits for its last events once its call ended.
const GRACE: Duration = Duration::from_secs(2);

/// A run is over when nothing happened for this long after the last frame
/// was sent.
const QUIET: Duration = Duration::from_secs(3);

/// The events a call task must read, in order.
fn expected_types() -> Vec<&'static str> {
    MID_TYPES
        .iter()
        .copied()
        .chain(["StasisEnd", "ChannelDestroyed"])
        .collect()
}

/// What the call tasks saw.
struct Tally {
    /// Events read, per call.
    events: Vec<AtomicU32>,
    taken: AtomicUsize,
    finished: AtomicUsize,
    lag_notices: AtomicU64,
    lag_missed: AtomicU64,
    /// Events of another channel, of an unexpected type or out of order.
    misplaced: AtomicU64,
    /// Items other than events and lag notices (errors, disconnections).
    other_items: AtomicU64,
    /// Bumped on every call and item: the run is alive while it moves.
    progress: AtomicU64,
}

impl Tally {
    fn new(calls: usize) -> Tally {
        Tally {
            events: (0..calls).map(|_| AtomicU32::new(0)).collect(),
            taken: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            lag_notices: AtomicU64::new(0),
            lag_missed: AtomicU64::new(0),
            misplaced: AtomicU64::new(0),
            other_items: AtomicU64::new(0),
            progress: AtomicU64::new(0),
        }
    }

    fn delivered(&self) -> u64 {
        self.events
            .iter()
            .map(|n| u64::from(n.load(Ordering::Relaxed)))
            .sum()
    }

    fn report(&self, calls: usize) -> String {
        let short: Vec<String> = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, n)| n.load(Ordering::Relaxed) as usize != EVENTS_AFTER_START)
            .take(5)
            .map(|(call, n)| format!("call {call}: {}", n.load(Ordering::Relaxed)))
            .collect();
        let incomplete = self
            .events
            .iter()
            .filter(|n| n.load(Ordering::Relaxed) as usize != EVENTS_AFTER_START)
            .count();
        format!(
            "calls taken {} of {calls}; events delivered to call tasks {} of {} \
             (lost {}); calls without exactly {EVENTS_AFTER_START} events: {incomplete} \
             (e.g. {short:?}); Lagged notices {} (missed {}); misplaced events {}; \
             other items {}; call tasks finished {}",
            self.taken.load(Ordering::Relaxed),
            self.delivered(),
            calls * EVENTS_AFTER_START,
            (calls * EVENTS_AFTER_START) as u64 - self.delivered(),
            self.lag_notices.load(Ordering::Relaxed),
            self.lag_missed.load(Ordering::Relaxed),
            self.misplaced.load(Ordering::Relaxed),
            self.other_items.load(Ordering::Relaxed),
            self.finished.load(Ordering::Relaxed),
        )
    }
}

/// The channel id an event names.
fn names_channel(event: &Event, id: &str) -> bool {
    let mut found = false;
    event.for_each_resource(&mut |kind, named| {
        found |= kind == ResourceKind::Channel && named == id;
    });
    found
}

/// A call task: reads the call's events until its `ChannelDestroyed`, or
/// until [`GRACE`] after the call ended.
async fn follow(call: Call, tally: Arc<Tally>) {
    let expected = expected_types();
    let Some(index) = call_of(call.id()).filter(|&i| i < tally.events.len()) else {
        tally.misplaced.fetch_add(1, Ordering::Relaxed);
        tally.finished.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let mut read = 0usize;
    read_call_events(call.events(), call.ended(), GRACE, |item| {
        tally.progress.fetch_add(1, Ordering::Relaxed);
        match item {
            StreamItem::Event(event) => {
                let name = event.type_name();
                if expected.get(read) != Some(&name) || !names_channel(&event, call.id()) {
                    tally.misplaced.fetch_add(1, Ordering::Relaxed);
                }
                read += 1;
                tally.events[index].fetch_add(1, Ordering::Relaxed);
                if name == "ChannelDestroyed" {
                    return ControlFlow::Break(());
                }
            }
            StreamItem::Lagged { missed, .. } => {
                tally.lag_notices.fetch_add(1, Ordering::Relaxed);
                tally.lag_missed.fetch_add(missed, Ordering::Relaxed);
            }
            _ => {
                tally.other_items.fetch_add(1, Ordering::Relaxed);
            }
        }
        ControlFlow::Continue(())
    })
    .await;
    tally.finished.fetch_add(1, Ordering::Relaxed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_10000_calls_reaches_every_call_task_whole() {
    const CALLS: usize = 10_000;
    let frames = CallFrames::load().expect("the captures hold a whole call");
    let mut server = FrameServer::start(APP).await.expect("the server starts");
    let app = server
        .ari()
        .expect("a client")
        .stasis_app()
        .expect("the app starts");
    let mut calls = app.calls();
    let mut socket = server
        .next_socket(PATIENCE)
        .await
        .expect("the app connects its event stream");

    let tally = Arc::new(Tally::new(CALLS));
    let plan = CallPlan::new(&frames, CALLS, APP);
    let sender = tokio::spawn(async move {
        let sent = socket.send_plan(&plan, &Delivery::Burst).await;
        (sent, socket.keep_open())
    });
    let taker = tokio::spawn({
        let tally = Arc::clone(&tally);
        async move {
            while let Some(call) = calls.next().await {
                tally.taken.fetch_add(1, Ordering::Relaxed);
                tally.progress.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(follow(call, Arc::clone(&tally)));
            }
        }
    });

    // Settled: every call taken and finished, or nothing moving for QUIET
    // once the server sent everything, or the deadline.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut sender = Some(sender);
    let mut sent = None;
    let mut last = (u64::MAX, Instant::now());
    let outcome = loop {
        if let Some(handle) = sender.as_mut().filter(|h| h.is_finished()) {
            sent = Some(handle.await.expect("the sender task"));
            sender = None;
            last = (u64::MAX, Instant::now());
        }
        if tally.taken.load(Ordering::Relaxed) == CALLS
            && tally.finished.load(Ordering::Relaxed) == CALLS
        {
            break "every call task finished";
        }
        let progress = tally.progress.load(Ordering::Relaxed);
        if progress != last.0 {
            last = (progress, Instant::now());
        } else if sent.is_some() && last.1.elapsed() > QUIET {
            break "nothing moved for 3 s after the last frame";
        }
        if Instant::now() > deadline {
            break "deadline (60 s)";
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    taker.abort();
    let server = match sent {
        Some((Ok(report), keep_open)) => {
            keep_open.abort();
            format!(
                "server sent {} of {} frames",
                report.frames,
                plan_len(CALLS)
            )
        }
        Some((Err(error), keep_open)) => {
            keep_open.abort();
            format!("server failed: {error}")
        }
        None => {
            if let Some(handle) = sender {
                handle.abort();
            }
            "server still sending (the app stopped reading)".to_owned()
        }
    };

    let report = format!("{outcome}; {server}; {}", tally.report(CALLS));
    let whole = tally
        .events
        .iter()
        .all(|n| n.load(Ordering::Relaxed) as usize == EVENTS_AFTER_START);
    assert!(
        server.starts_with("server sent")
            && tally.taken.load(Ordering::Relaxed) == CALLS
            && whole
            && tally.delivered() == (CALLS * EVENTS_AFTER_START) as u64
            && tally.lag_notices.load(Ordering::Relaxed) == 0
            && tally.misplaced.load(Ordering::Relaxed) == 0
            && tally.other_items.load(Ordering::Relaxed) == 0,
        "{report}"
    );
}

fn plan_len(calls: usize) -> usize {
    calls * (EVENTS_AFTER_START + 1)
}

async fn next_call(calls: &mut Calls, what: &str) -> Call {
    tokio::time::timeout(PATIENCE, calls.next())
        .await
        .unwrap_or_else(|_| panic!("{what}: the call should come in time"))
        .expect("the calls stream goes on")
}

/// What the stalled reader saw, in order.
#[derive(Debug, PartialEq)]
enum Seen {
    Varset(u64),
    Lagged(u64),
    Event(String),
    Other(String),
}

/// A `ChannelVarset` of call 0 whose `value` is `seq-N`.
fn numbered_varset(frames: &CallFrames, seq: u64) -> String {
    let varset = frames.mid(0, 1, APP);
    assert!(
        varset.contains(r#""type":"ChannelVarset""#),
        "round 1 is a ChannelVarset"
    );
    let marked = varset.replacen(r#""value":"""#, &format!(r#""value":"seq-{seq}""#), 1);
    assert_ne!(
        marked, varset,
        "the captured ChannelVarset has an empty value"
    );
    marked
}

fn seen(item: StreamItem<Event>) -> Seen {
    match item {
        StreamItem::Event(event) => match &*event {
            Event::ChannelVarset(varset) => match varset.value.strip_prefix("seq-") {
                Some(seq) => Seen::Varset(seq.parse().expect("a sequence number")),
                None => Seen::Event(format!("ChannelVarset {}", varset.value)),
            },
            other => Seen::Event(other.type_name().to_owned()),
        },
        StreamItem::Lagged { missed, .. } => Seen::Lagged(missed),
        other => Seen::Other(format!("{other:?}")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_call_task_is_told_exactly_what_it_lost() {
    /// Far more than a handle's buffer (1,024 today) holds.
    const STALLED: u64 = 3_000;
    /// Sent once the reader drained what it held.
    const AFTER: u64 = 50;
    /// Frames between two markers: below the stream's own buffer, so only
    /// the stalled handle can fall behind.
    const CHUNK: u64 = 500;

    let frames = CallFrames::load().expect("the captures hold a whole call");
    let mut server = FrameServer::start(APP).await.expect("the server starts");
    let app = server
        .ari()
        .expect("a client")
        .stasis_app()
        .expect("the app starts");
    let mut calls = app.calls();
    let mut socket = server
        .next_socket(PATIENCE)
        .await
        .expect("the app connects its event stream");

    socket
        .send_frames([frames.start(0, APP)])
        .await
        .expect("send");
    let stalled = next_call(&mut calls, "the stalled call").await;
    assert_eq!(stalled.id(), channel_id(0));
    // Opened, never read while the events pile up.
    let mut events = stalled.events();

    // The events in chunks, each followed by a marker call whose arrival
    // proves the dispatcher handled everything before it.
    let mut markers = Vec::new();
    let mut seq = 0;
    while seq < STALLED {
        let end = (seq + CHUNK).min(STALLED);
        let marker = markers.len() + 1;
        let chunk: Vec<String> = (seq..end)
            .map(|n| numbered_varset(&frames, n))
            .chain([frames.start(marker, APP)])
            .collect();
        socket.send_frames(chunk).await.expect("send");
        let call = next_call(&mut calls, "a marker call").await;
        assert_eq!(call.id(), channel_id(marker));
        markers.push(call);
        seq = end;
    }

    // Now read: everything held, until the stream is quiet.
    let mut items = Vec::new();
    while let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(300), events.next()).await
    {
        items.push(seen(item));
    }
    let held = items.len();
    // Then more events and the end of the call, read as they come.
    let after: Vec<String> = (STALLED..STALLED + AFTER)
        .map(|n| numbered_varset(&frames, n))
        .chain([frames.stasis_end(0, APP), frames.destroyed(0, APP)])
        .collect();
    socket.send_frames(after).await.expect("send");
    loop {
        let item = tokio::time::timeout(PATIENCE, events.next())
            .await
            .unwrap_or_else(|_| panic!("the call's last events should come; saw {items:?}"))
            .expect("the call's stream goes on");
        let item = seen(item);
        let done = item == Seen::Event("ChannelDestroyed".into());
        items.push(item);
        if done {
            break;
        }
    }

    // Every gap in the numbers is announced, exactly, by the notices just
    // before it; no gap goes unannounced; the end comes last, in order.
    let mut next = 0u64;
    let mut announced = 0u64;
    let mut notices = 0;
    let mut received = 0u64;
    let mut tail = Vec::new();
    for item in &items {
        match item {
            Seen::Lagged(missed) => {
                notices += 1;
                announced += missed;
            }
            Seen::Varset(n) => {
                assert!(tail.is_empty(), "ChannelVarset {n} after the end: {tail:?}");
                assert!(
                    *n >= next,
                    "ChannelVarset {n} out of order (expected {next} or later)"
                );
                assert_eq!(
                    n - next,
                    announced,
                    "the events missed before ChannelVarset {n} (from {next}) should be exactly \
                     the Lagged count announced before it; {held} items were held, notices so far {notices}"
                );
                announced = 0;
                received += 1;
                next = n + 1;
            }
            Seen::Event(name) => tail.push(name.clone()),
            Seen::Other(other) => panic!("unexpected item {other}"),
        }
    }
    assert_eq!(announced, 0, "a Lagged notice with no gap after it");
    assert_eq!(next, STALLED + AFTER, "the last numbered event arrives");
    assert!(
        notices >= 1,
        "{STALLED} events cannot all be held: a Lagged notice was due"
    );
    let missed = STALLED + AFTER - received;
    assert!(
        missed > 0 && received > 0,
        "received {received}, missed {missed}"
    );
    // Everything sent after the reader drained its stream arrived.
    assert!(items
        .iter()
        .filter_map(|item| match item {
            Seen::Varset(n) => Some(*n),
            _ => None,
        })
        .filter(|n| *n >= STALLED)
        .eq(STALLED..STALLED + AFTER));
    assert_eq!(tail, ["StasisEnd", "ChannelDestroyed"]);
    drop(markers);
}
