//! What the models' string fields cost: the channel events of the captures
//! (the six most frequent types that carry a `Channel`) decoded three ways,
//! side by side, with `EVENT_DECODE_STRING_FIELDS=1`:
//!
//! - **owned**: `v20::Event::from_json`, the models as they are (`String`
//!   fields, one allocation and copy each);
//! - **shared frame**: the same fields as spans of one `Arc<str>` copy of the
//!   frame (an owned, `'static` alternative: one allocation per frame, a
//!   reference count per field), through serde_json's borrowed strings;
//! - **borrowed**: the same fields as `Cow<'a, str>` borrowing the frame (no
//!   allocation unless a string has escapes), the fastest possible with
//!   serde_json, at the price of models tied to the frame's lifetime.
//!
//! The mirrors below hold the fields of v20's `Channel`, `CallerID`,
//! `DialplanCEP` and of the six events; timestamps are parsed in all three.
//! Not product code: a measurement for a design decision (issue 9's decode
//! targets).

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ari_sdk::runtime::Timestamp;
use criterion::black_box;
use serde::Deserialize;
use serde_json::Value;

/// The event types measured: those of the captures that carry a channel.
const TYPES: [&str; 6] = [
    "ChannelVarset",
    "ChannelDialplan",
    "ChannelHangupRequest",
    "ChannelCreated",
    "ChannelDestroyed",
    "ChannelStateChange",
];

thread_local! {
    /// The frame being decoded: its address range and its shared copy.
    static FRAME: RefCell<Option<(usize, usize, Arc<str>)>> = const { RefCell::new(None) };
}

/// A string field as a span of the shared frame (or a copy of its own when
/// it had escapes).
#[allow(dead_code)]
struct SharedText {
    frame: Arc<str>,
    start: u32,
    len: u32,
}

impl SharedText {
    fn copied(text: &str) -> Self {
        SharedText {
            frame: Arc::from(text),
            start: 0,
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
        }
    }
}

impl<'de> Deserialize<'de> for SharedText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = SharedText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<SharedText, E> {
                let at = text.as_ptr() as usize;
                let span = FRAME.with(|frame| match &*frame.borrow() {
                    Some((start, end, shared)) if at >= *start && at + text.len() <= *end => {
                        Some(SharedText {
                            frame: Arc::clone(shared),
                            start: u32::try_from(at - start).unwrap_or(u32::MAX),
                            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
                        })
                    }
                    _ => None,
                });
                Ok(span.unwrap_or_else(|| SharedText::copied(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<SharedText, E> {
                Ok(SharedText::copied(text))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// A string field borrowing the frame unless it had escapes.
#[allow(dead_code)]
struct BorrowedText<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedText<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = BorrowedText<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<BorrowedText<'de>, E> {
                Ok(BorrowedText(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<BorrowedText<'de>, E> {
                Ok(BorrowedText(Cow::Owned(text.to_owned())))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// v20's `CallerID`, its strings of type `S`.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Caller<S> {
    name: S,
    number: S,
}

/// v20's `DialplanCEP`.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Dialplan<S> {
    context: S,
    exten: S,
    priority: i64,
    app_name: S,
    app_data: S,
}

/// v20's `Channel`; `channelvars` of type `V`.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Channel<S, V> {
    id: S,
    protocol_id: S,
    name: S,
    state: S,
    caller: Caller<S>,
    connected: Caller<S>,
    accountcode: S,
    dialplan: Dialplan<S>,
    creationtime: Timestamp,
    language: S,
    #[serde(default = "none")]
    channelvars: Option<V>,
}

/// The fields of the six channel events, together.
#[derive(Deserialize)]
#[allow(dead_code)]
struct ChannelEvent<S, V> {
    #[serde(default = "none")]
    asterisk_id: Option<S>,
    application: S,
    timestamp: Timestamp,
    channel: Box<Channel<S, V>>,
    #[serde(default = "none")]
    variable: Option<S>,
    #[serde(default = "none")]
    value: Option<S>,
    #[serde(default = "none")]
    dialplan_app: Option<S>,
    #[serde(default = "none")]
    dialplan_app_data: Option<S>,
    #[serde(default)]
    cause: Option<i64>,
    #[serde(default = "none")]
    cause_txt: Option<S>,
}

fn none<T>() -> Option<T> {
    None
}

type SharedEvent = ChannelEvent<SharedText, Value>;
type BorrowedEvent<'a> = ChannelEvent<BorrowedText<'a>, &'a serde_json::value::RawValue>;

fn owned(frames: &[String]) {
    for frame in frames {
        black_box(ari_sdk::v20::Event::from_json(black_box(frame)).expect("a v20 event"));
    }
}

fn shared(frames: &[String]) {
    for frame in frames {
        let copy: Arc<str> = Arc::from(black_box(frame.as_str()));
        let start = copy.as_ptr() as usize;
        FRAME.with(|f| *f.borrow_mut() = Some((start, start + copy.len(), Arc::clone(&copy))));
        black_box(serde_json::from_str::<SharedEvent>(&copy).expect("a channel event"));
        FRAME.with(|f| *f.borrow_mut() = None);
    }
}

fn borrowed(frames: &[String]) {
    for frame in frames {
        black_box(
            serde_json::from_str::<BorrowedEvent<'_>>(black_box(frame)).expect("a channel event"),
        );
    }
}

fn value(frames: &[String]) {
    for frame in frames {
        black_box(serde_json::from_str::<Value>(black_box(frame)).expect("JSON"));
    }
}

/// The frames of `frames` whose type is one of [`TYPES`], with a channel.
fn channel_frames(frames: &[String]) -> Vec<String> {
    frames
        .iter()
        .filter(|frame| {
            // A `ChannelVarset` of a global variable has no channel.
            ari_sdk::event_tag::event_type(frame).is_ok_and(|name| TYPES.contains(&name.as_ref()))
                && serde_json::from_str::<Value>(frame).is_ok_and(|v| v["channel"].is_object())
        })
        .cloned()
        .collect()
}

/// Times the four decoders over the channel frames of each set, best of
/// interleaved rounds, and prints the ratios against `Value`.
pub fn report(sets: &[(&'static str, Vec<String>)]) {
    let decoders: [(&str, super::Decoder); 4] = [
        ("serde_json::Value", value),
        ("owned (from_json)", owned),
        ("shared frame", shared),
        ("borrowed", borrowed),
    ];
    for (order, frames) in sets {
        let frames = channel_frames(frames);
        let mut best = [Duration::MAX; 4];
        let deadline = Instant::now() + Duration::from_secs(6);
        let mut rounds = 0;
        while Instant::now() < deadline {
            for (i, (_, decode)) in decoders.iter().enumerate() {
                let start = Instant::now();
                decode(&frames);
                best[i] = best[i].min(start.elapsed());
            }
            rounds += 1;
        }
        println!(
            "\nstring fields, {order}: {} channel event frames, best of {rounds} rounds",
            frames.len()
        );
        for (i, (name, _)) in decoders.iter().enumerate() {
            println!(
                "{name:>20}: {:>10.0} events/s  {:.2}x Value",
                frames.len() as f64 / best[i].as_secs_f64(),
                best[0].as_secs_f64() / best[i].as_secs_f64()
            );
        }
    }
}
