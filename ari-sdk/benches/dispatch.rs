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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ari_sdk::handles::{ResourceEvent, ResourceKind};
use ari_sdk::stream::{EventFilter, TypeFilter};
use ari_sdk::v20::{Event, EventType};
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

fn by_resource(c: &mut Criterion, events: &[Arc<Event>]) {
    let channel = busiest_channel(events);
    let hits = events
        .iter()
        .filter(|e| e.concerns(ResourceKind::Channel, &channel))
        .count();
    println!(
        "dispatch: {} events; channel {channel} is named by {hits} of them",
        events.len()
    );
    assert!(hits > 0);

    let mut group = c.benchmark_group("dispatch_by_resource");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("concerns_one_channel", |b| {
        b.iter(|| {
            let id = black_box(channel.as_str());
            events
                .iter()
                .filter(|e| e.concerns(ResourceKind::Channel, id))
                .count()
        })
    });
    // What `subscribe().filter_events(|e| e.concerns(..))` runs per event.
    group.bench_function("filter_events_concerns", |b| {
        let id = channel.clone();
        let mut filter = move |e: &Event| e.concerns(ResourceKind::Channel, &id);
        b.iter(|| count_accepted(black_box(events), &mut filter))
    });
    // The walk the handles' dispatcher makes once per event (it then looks
    // each named resource up in its registry, which is not public).
    group.bench_function("for_each_resource_walk", |b| {
        b.iter(|| {
            let mut named = 0usize;
            for event in events {
                ResourceEvent::for_each_resource(&**event, &mut |kind, id| {
                    black_box((kind, id));
                    named += 1;
                });
            }
            named
        })
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
    let mut group = c.benchmark_group("dispatch_by_type");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("only_types_1", |b| {
        let mut filter = TypeFilter::new([EventType::StasisStart]);
        b.iter(|| count_accepted(black_box(events), &mut filter))
    });
    group.bench_function("only_types_5", |b| {
        let mut filter = TypeFilter::new(call_flow_types);
        b.iter(|| count_accepted(black_box(events), &mut filter))
    });
    group.bench_function("type_name_eq_5", |b| {
        b.iter(|| {
            let wanted = black_box(&call_flow);
            events
                .iter()
                .filter(|e| wanted.contains(&e.type_name()))
                .count()
        })
    });
    group.bench_function("event_type_match_5", |b| {
        b.iter(|| {
            black_box(events)
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
        })
    });
    group.finish();

    // The hand-written comparisons must select what the filter selects.
    let by_filter = count_accepted(events, &mut TypeFilter::new(call_flow_types));
    let by_name = events
        .iter()
        .filter(|e| call_flow.contains(&e.type_name()))
        .count();
    let by_enum = events
        .iter()
        .filter(|e| call_flow.contains(&e.event_type().as_str()))
        .count();
    assert_eq!((by_filter, by_name), (by_enum, by_enum));
    println!("dispatch: the 5-type filter passes {by_filter} events");
}

fn benches(c: &mut Criterion) {
    let events = events();
    by_resource(c, &events);
    by_type(c, &events);
}

criterion_group!(dispatch, benches);

fn main() {
    dispatch();
    Criterion::default().configure_from_args().final_summary();
}
