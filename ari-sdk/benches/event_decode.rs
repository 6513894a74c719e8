//! Event decoding, the hot path of every ARI application: every event frame
//! of `../shared/ari-captures` (real Asterisk 20.20.1 traffic), decoded into
//! `v20::Event` versus parsed into `serde_json::Value`, in the same run.
//!
//! `cargo bench -p ari-sdk --bench event_decode --features asterisk-20`
//!
//! Three versions of every frame: as Asterisk sends it (compact, `type`
//! first: the capture files keep Asterisk's key order but were written with
//! `", "` and `": "`, so the bench strips that whitespace), with its keys
//! sorted (compact, `type` late), as a proxy or a re-encoder writes them, and
//! as the capture files hold it (spaced).
//! Criterion measures each decoder; the closing summary times them all over
//! the same frames, interleaved, and prints events/s, MB/s and the ratios:
//! `Event::from_json` against the `Value` parse, `serde_json::from_str::<Event>`
//! (the `Deserialize` impl) against `from_json`, the `type` scan alone
//! (`event_tag::event_type`, what the runtime calls to skip a frame without
//! decoding it) as a fraction of a full decode, and serde_json's parser
//! building nothing (`IgnoredAny`): the floor of any decode through serde_json.
//!
//! `EVENT_DECODE_PROFILE=from_json:sorted` runs one decoder alone for 10 s,
//! for `perf record`. `EVENT_DECODE_STRING_FIELDS=1` measures instead what
//! the models' `String` fields cost against shared-frame and borrowed
//! strings (`decode_support/string_fields.rs`).

#[path = "decode_support/string_fields.rs"]
mod string_fields;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ari_sdk::v20::Event;
use criterion::{black_box, criterion_group, Criterion, Throughput};
use serde_json::Value;

/// One line of a capture; `data` is kept as the text Asterisk sent (key
/// order included: Asterisk writes `type` first).
#[derive(serde::Deserialize)]
struct Record<'a> {
    kind: &'a str,
    #[serde(borrow)]
    data: Option<&'a serde_json::value::RawValue>,
}

/// Every event frame of the captures, as the capture files hold them:
/// Asterisk's key order, with the capture tool's spacing.
fn captured_frames() -> Vec<String> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/ari-captures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut frames = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a capture file");
        for line in text.lines() {
            let record: Record<'_> = serde_json::from_str(line).expect("a capture record");
            if let ("event", Some(data)) = (record.kind, record.data) {
                frames.push(data.get().to_string());
            }
        }
    }
    assert!(!frames.is_empty(), "no event frames in {}", dir.display());
    frames
}

/// The three sets the bench times: as Asterisk sends the frames (compact,
/// its key order), with sorted keys (compact), and as captured (spaced).
fn frame_sets() -> [(&'static str, Vec<String>); 3] {
    let captured = captured_frames();
    let asterisk: Vec<String> = captured.iter().map(|f| compact(f)).collect();
    let sorted = sorted_frames(&captured);
    [
        ("Asterisk order", asterisk),
        ("sorted keys", sorted),
        ("as captured (spaced)", captured),
    ]
}

/// `frame` without the whitespace between its tokens, key order kept: the
/// captures were written by a tool that spaces `", "` and `": "`, while
/// Asterisk (`pretty = no`, its default) sends compact JSON.
fn compact(frame: &str) -> String {
    serde_json::from_str::<fake_asterisk::OrderedJson>(frame)
        .expect("JSON")
        .to_json_string()
}

/// `value` with the keys of every object in sorted order (whatever
/// serde_json's `preserve_order` feature says).
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// The frames re-encoded with sorted keys (compact), as a re-encoder writes them.
fn sorted_frames(frames: &[String]) -> Vec<String> {
    let sorted: Vec<String> = frames
        .iter()
        .map(|f| sort_keys(serde_json::from_str(f).expect("JSON")).to_string())
        .collect();
    let late = sorted
        .iter()
        .filter(|f| !f.starts_with(r#"{"type":"#))
        .count();
    assert!(
        late * 2 > sorted.len(),
        "`type` is not late in sorted frames"
    );
    sorted
}

fn decode_all_typed(frames: &[String]) {
    for frame in frames {
        black_box(Event::from_json(black_box(frame)).expect("a v20 event"));
    }
}

fn decode_all_serde(frames: &[String]) {
    for frame in frames {
        black_box(serde_json::from_str::<Event>(black_box(frame)).expect("a v20 event"));
    }
}

fn decode_all_value(frames: &[String]) {
    for frame in frames {
        black_box(serde_json::from_str::<Value>(black_box(frame)).expect("JSON"));
    }
}

/// serde_json's parser alone, building nothing: the floor of any decode
/// through serde_json.
fn parse_only_all(frames: &[String]) {
    for frame in frames {
        black_box(serde_json::from_str::<serde::de::IgnoredAny>(black_box(frame)).expect("JSON"));
    }
}

fn scan_all(frames: &[String]) {
    for frame in frames {
        black_box(ari_sdk::event_tag::event_type(black_box(frame)).expect("a type"));
    }
}

fn benches(c: &mut Criterion) {
    for (order, frames) in frame_sets() {
        let order = order.replace([' ', '(', ')'], "_");
        let frames = &frames;
        let bytes: usize = frames.iter().map(String::len).sum();
        let mut group = c.benchmark_group(format!("event_decode/{order}"));
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("from_json", |b| b.iter(|| decode_all_typed(frames)));
        group.bench_function("serde_from_str", |b| b.iter(|| decode_all_serde(frames)));
        group.bench_function("serde_json_value", |b| b.iter(|| decode_all_value(frames)));
        group.finish();

        let mut group = c.benchmark_group(format!("event_type_tag/{order}"));
        group.throughput(Throughput::Elements(frames.len() as u64));
        group.bench_function("scan", |b| b.iter(|| scan_all(frames)));
        group.bench_function("serde_borrowed_struct", |b| {
            b.iter(|| {
                for frame in frames {
                    black_box(
                        ari_sdk::event_tag::event_type_by_serde(black_box(frame)).expect("a type"),
                    );
                }
            })
        });
        group.finish();
    }
}

/// A decoder run over every frame.
type Decoder = fn(&[String]);

/// The decoders of the summary, in the order they run in each round.
const DECODERS: [(&str, Decoder); 5] = [
    ("serde_json::Value", decode_all_value),
    ("Event::from_json", decode_all_typed),
    ("from_str::<Event>", decode_all_serde),
    ("event_type scan", scan_all),
    ("IgnoredAny (floor)", parse_only_all),
];

/// Times every decoder over all the frames of both orders, alternating
/// rounds so drift hits all alike, and prints the figures BENCHMARKS.md
/// records. Each figure is the best round: on a shared 2-core machine the
/// best round is the one least disturbed by other processes, for every
/// decoder alike.
fn summary() {
    let sets = frame_sets();
    let mut best = [[Duration::MAX; DECODERS.len()]; 3];
    let mut rounds = 0u32;
    let deadline = Instant::now() + Duration::from_secs(12);
    while Instant::now() < deadline {
        for (set, (_, frames)) in sets.iter().enumerate() {
            for (i, (_, decode)) in DECODERS.iter().enumerate() {
                let start = Instant::now();
                decode(frames);
                best[set][i] = best[set][i].min(start.elapsed());
            }
        }
        rounds += 1;
    }
    println!(
        "\nsummary: {} event frames, best of {rounds} interleaved rounds each",
        sets[0].1.len()
    );
    for (set, (order, frames)) in sets.iter().enumerate() {
        let bytes: usize = frames.iter().map(String::len).sum();
        println!("\n{order} ({bytes} bytes):");
        for (i, (name, _)) in DECODERS.iter().enumerate() {
            let seconds = best[set][i].as_secs_f64();
            println!(
                "{name:>20}: {:>10.0} events/s {:>8.1} MB/s",
                frames.len() as f64 / seconds,
                bytes as f64 / seconds / 1e6
            );
        }
        let [value, typed, serde, scan, floor] = best[set].map(|d| d.as_secs_f64());
        println!(
            "  from_json vs Value:           {:.2}x the speed",
            value / typed
        );
        println!(
            "  from_str::<Event> vs Value:   {:.2}x the speed",
            value / serde
        );
        println!(
            "  from_str::<Event> / from_json: {:.2} of the speed",
            typed / serde
        );
        println!(
            "  event_type scan / from_json:   {:.3} of the time",
            scan / typed
        );
        println!(
            "  IgnoredAny vs Value:          {:.2}x the speed (serde_json's floor)",
            value / floor
        );
    }
}

criterion_group!(event_decode, benches);

/// Runs one decoder of the summary alone over the frames of one order for
/// `seconds`, for a profiler (`EVENT_DECODE_PROFILE=from_json:sorted`).
fn profile(spec: &str) {
    let (name, order) = spec.split_once(':').unwrap_or((spec, "asterisk"));
    let [asterisk, sorted, captured] = frame_sets();
    let frames = match order {
        "sorted" => sorted.1,
        "captured" => captured.1,
        _ => asterisk.1,
    };
    let decode = match name {
        "value" => decode_all_value,
        "serde" => decode_all_serde,
        "scan" => scan_all,
        "floor" => parse_only_all,
        _ => decode_all_typed,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        decode(&frames);
    }
}

fn main() {
    if let Ok(spec) = std::env::var("EVENT_DECODE_PROFILE") {
        profile(&spec);
        return;
    }
    if std::env::var_os("EVENT_DECODE_STRING_FIELDS").is_some() {
        string_fields::report(&frame_sets()[..2]);
        return;
    }
    if std::env::var_os("EVENT_DECODE_SUMMARY_ONLY").is_none() {
        event_decode();
        Criterion::default().configure_from_args().final_summary();
    }
    summary();
}
