//! Event dispatch, the hot path after decoding: every event frame of
//! `../shared/ari-captures` (real Asterisk 20.20.1 traffic), decoded once
//! into `Arc<v20::Event>` outside the timed loop, then routed the ways the
//! SDK routes it:
//!
//! - by resource: `Event::concerns` for one channel id (what a handle's or a
//!   `filter_events` consumer's selection costs), and the
//!   `ResourceEvent::for_each_resource` walk the handles' dispatcher does once
//!   per event before its hash lookups;
//! - by type: the `TypeFilter` behind `Subscription::only_types`, next to
//!   comparing `type_name()` strings and `event_type()` enum values by hand.
//!
//! `cargo bench -p ari-sdk --features asterisk-20 --bench dispatch`
//!
//! Every figure is for all frames at once; criterion's `thrpt` is events/s.
//! Each timed route is first run once and what it selects asserted. The
//! bench also prints the sizes of `v20::Event` and of an optional model
//! field, boxed and inline (quoted in BENCHMARKS.md).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ari_sdk::handles::{ResourceEvent, ResourceKind};
use ari_sdk::stream::{EventFilter, TypeFilter};
use ari_sdk::v20::{Channel, Event, EventType};
use criterion::{black_box, criterion_group, Criterion, Throughput};

/// One line of a capture; `data` is kept as the text Asterisk sent.
#[derive(serde::Deserialize)]
struct Record<'a> {
    kind: &'a str,
    #[serde(borrow)]
    data: Option<&'a serde_json::value::RawValue>,
}

/// Every event frame of the captures, decoded once, as the stream hands
/// them to its subscribers.
fn events() -> Vec<Arc<Event>> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/ari-captures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut events = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a capture file");
        for line in text.lines() {
            let record: Record<'_> = serde_json::from_str(line).expect("a capture record");
            if let ("event", Some(data)) = (record.kind, record.data) {
                events.push(Arc::new(Event::from_json(data.get()).expect("a v20 event")));
            }
        }
    }
    assert!(!events.is_empty(), "no event frames in {}", dir.display());
    events
}

/// The channel id the most events name: the busiest handle, so the filter's
/// hits and misses both weigh in.
fn busiest_channel(events: &[Arc<Event>]) -> String {
    let mut named: HashMap<String, usize> = HashMap::new();
    for event in events {
        event.for_each_resource(&mut |kind, id| {
            if kind == ResourceKind::Channel {
                *named.entry(id.to_string()).or_default() += 1;
            }
        });
    }
    named
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(id, _)| id)
        .expect("the captures name a channel")
}

fn count_accepted(events: &[Arc<Event>], filter: &mut impl EventFilter<Event>) -> usize {
    events.iter().filter(|event| filter.accept(event)).count()
}

// Each timed route is one function (or one filter value) that the checks
// below call too, so what is checked is what is timed.

fn concerns_one_channel(events: &[Arc<Event>], id: &str) -> usize {
    events
        .iter()
        .filter(|e| e.concerns(ResourceKind::Channel, id))
        .count()
}

/// What `subscribe().filter_events(|e| e.concerns(..))` runs per event.
fn filter_events_concerns(id: String) -> impl FnMut(&Event) -> bool {
    move |e: &Event| e.concerns(ResourceKind::Channel, &id)
}

/// The walk the handles' dispatcher makes once per event (it then looks each
/// named resource up in its registry, which is not public); returns how many
/// `(kind, id)` pairs it was given.
fn for_each_resource_walk(events: &[Arc<Event>]) -> usize {
    let mut named = 0usize;
    for event in events {
        ResourceEvent::for_each_resource(&**event, &mut |kind, id| {
            black_box((kind, id));
            named += 1;
        });
    }
    named
}

fn type_name_eq_5(events: &[Arc<Event>], wanted: &[&str; 5]) -> usize {
    events
        .iter()
        .filter(|e| wanted.contains(&e.type_name()))
        .count()
}

fn event_type_match_5(events: &[Arc<Event>]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.event_type(),
                EventType::StasisStart
                    | EventType::StasisEnd
                    | EventType::ChannelDtmfReceived
                    | EventType::PlaybackFinished
                    | EventType::ChannelDestroyed
            )
        })
        .count()
}

fn by_resource(c: &mut Criterion, events: &[Arc<Event>]) {
    let channel = busiest_channel(events);
    let mut filter = filter_events_concerns(channel.clone());

    // The two `concerns` routes must select the same events, and the walk
    // must visit every one of them (and give, event by event, what it gives
    // for all at once).
    let hits = concerns_one_channel(events, &channel);
    let by_filter = count_accepted(events, &mut filter);
    let named = for_each_resource_walk(events);
    let walked: Vec<usize> = events
        .iter()
        .map(|e| for_each_resource_walk(std::slice::from_ref(e)))
        .collect();
    println!(
        "dispatch: {} events; channel {channel} is named by {hits} of them; \
         the walk gives {named} (kind, id) pairs",
        events.len()
    );
    assert!(hits > 0);
    assert_eq!(by_filter, hits);
    assert_eq!(walked.iter().sum::<usize>(), named);
    for (event, walked) in events.iter().zip(&walked) {
        if event.concerns(ResourceKind::Channel, &channel) {
            assert!(*walked > 0, "the walk skips an event that names {channel}");
        }
    }

    let mut group = c.benchmark_group("dispatch_by_resource");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("concerns_one_channel", |b| {
        b.iter(|| concerns_one_channel(black_box(events), black_box(channel.as_str())))
    });
    group.bench_function("filter_events_concerns", |b| {
        b.iter(|| count_accepted(black_box(events), &mut filter))
    });
    group.bench_function("for_each_resource_walk", |b| {
        b.iter(|| for_each_resource_walk(black_box(events)))
    });
    group.finish();
}

fn by_type(c: &mut Criterion, events: &[Arc<Event>]) {
    // A call-flow consumer's set, and one naming a single type.
    let call_flow = [
        "StasisStart",
        "StasisEnd",
        "ChannelDtmfReceived",
        "PlaybackFinished",
        "ChannelDestroyed",
    ];
    let call_flow_types = call_flow.map(EventType::from_name);
    let mut only_types_1 = TypeFilter::new([EventType::StasisStart]);
    let mut only_types_5 = TypeFilter::new(call_flow_types);

    // The four timed routes must select what they claim: the filters what
    // the names select, the hand-written comparisons what the filter does.
    let starts = events
        .iter()
        .filter(|e| e.type_name() == "StasisStart")
        .count();
    let by_filter_1 = count_accepted(events, &mut only_types_1);
    let by_filter = count_accepted(events, &mut only_types_5);
    let by_name = type_name_eq_5(events, &call_flow);
    let by_enum = event_type_match_5(events);
    assert_eq!(by_filter_1, starts);
    assert_eq!((by_filter, by_name), (by_enum, by_enum));
    assert!(starts > 0 && by_filter > starts && by_filter < events.len());
    println!(
        "dispatch: the 1-type filter passes {by_filter_1} events, the 5-type filter {by_filter}"
    );

    let mut group = c.benchmark_group("dispatch_by_type");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("only_types_1", |b| {
        b.iter(|| count_accepted(black_box(events), &mut only_types_1))
    });
    group.bench_function("only_types_5", |b| {
        b.iter(|| count_accepted(black_box(events), &mut only_types_5))
    });
    group.bench_function("type_name_eq_5", |b| {
        b.iter(|| type_name_eq_5(black_box(events), black_box(&call_flow)))
    });
    group.bench_function("event_type_match_5", |b| {
        b.iter(|| event_type_match_5(black_box(events)))
    });
    group.finish();
}

/// What an event costs to move and to hold (printed, not timed): the enum's
/// size, and an optional model field boxed versus what it would be inline.
fn sizes() {
    use std::mem::size_of;
    println!(
        "dispatch: size_of v20::Event {} bytes; Option<Box<v20::Channel>> {} bytes, \
         Option<v20::Channel> {} bytes",
        size_of::<Event>(),
        size_of::<Option<Box<Channel>>>(),
        size_of::<Option<Channel>>(),
    );
}

fn benches(c: &mut Criterion) {
    sizes();
    let events = events();
    by_resource(c, &events);
    by_type(c, &events);
}

criterion_group!(dispatch, benches);

fn main() {
    dispatch();
    Criterion::default().configure_from_args().final_summary();
}
