//! Event decoding, the hot path of every ARI application: every event frame
//! of `../shared/ari-captures` (real Asterisk 20.20.1 traffic), decoded into
//! `v20::Event` versus parsed into `serde_json::Value`, in the same run.
//!
//! `cargo bench -p ari-sdk --bench event_decode --features asterisk-20`
//!
//! Criterion measures each decoder; the closing summary times both over the
//! same frames, interleaved, and prints events/s, MB/s and the ratio.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ari_sdk::v20::Event;
use criterion::{black_box, criterion_group, Criterion, Throughput};

/// One line of a capture; `data` is kept as the text Asterisk sent (key
/// order included: Asterisk writes `type` first).
#[derive(serde::Deserialize)]
struct Record<'a> {
    kind: &'a str,
    #[serde(borrow)]
    data: Option<&'a serde_json::value::RawValue>,
}

/// Every event frame of the captures, as Asterisk sent it.
fn frames() -> Vec<String> {
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

fn decode_all_typed(frames: &[String]) {
    for frame in frames {
        black_box(Event::from_json(black_box(frame)).expect("a v20 event"));
    }
}

fn decode_all_value(frames: &[String]) {
    for frame in frames {
        black_box(serde_json::from_str::<serde_json::Value>(black_box(frame)).expect("JSON"));
    }
}

fn benches(c: &mut Criterion) {
    let frames = frames();
    let bytes: usize = frames.iter().map(String::len).sum();
    let mut group = c.benchmark_group("event_decode");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("typed_v20_event", |b| b.iter(|| decode_all_typed(&frames)));
    group.bench_function("serde_json_value", |b| b.iter(|| decode_all_value(&frames)));
    group.finish();

    let mut group = c.benchmark_group("event_type_tag");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("scan", |b| {
        b.iter(|| {
            for frame in &frames {
                black_box(ari_sdk::event_tag::event_type(black_box(frame)).expect("a type"));
            }
        })
    });
    group.bench_function("serde_borrowed_struct", |b| {
        b.iter(|| {
            for frame in &frames {
                black_box(
                    ari_sdk::event_tag::event_type_by_serde(black_box(frame)).expect("a type"),
                );
            }
        })
    });
    group.finish();
}

/// Times both decoders over all the frames, alternating rounds so drift
/// hits both alike, and prints the figures BENCHMARKS.md records. Each figure
/// is the best round: on a shared 2-core machine the best round is the one
/// least disturbed by other processes, for both decoders alike.
fn summary() {
    let frames = frames();
    let bytes: usize = frames.iter().map(String::len).sum();
    let mut typed = Duration::MAX;
    let mut value = Duration::MAX;
    let mut rounds = 0u32;
    let deadline = Instant::now() + Duration::from_secs(6);
    while Instant::now() < deadline {
        let start = Instant::now();
        decode_all_typed(&frames);
        typed = typed.min(start.elapsed());
        let start = Instant::now();
        decode_all_value(&frames);
        value = value.min(start.elapsed());
        rounds += 1;
    }
    let report = |name: &str, best: Duration| {
        let seconds = best.as_secs_f64();
        println!(
            "{name:>18}: {:>9.0} events/s {:>7.1} MB/s",
            frames.len() as f64 / seconds,
            bytes as f64 / seconds / 1e6
        );
    };
    println!(
        "\nsummary: {} event frames, {} bytes, best of {rounds} rounds each",
        frames.len(),
        bytes
    );
    report("v20::Event", typed);
    report("serde_json::Value", value);
    println!(
        "typed decode is {:.2}x the speed of the Value parse",
        value.as_secs_f64() / typed.as_secs_f64()
    );
}

criterion_group!(event_decode, benches);

fn main() {
    event_decode();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
