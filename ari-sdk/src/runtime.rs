//! What the generated version modules are built on, in one place.
//!
//! Generated code refers to the runtime only through this module
//! (`crate::runtime::...`), so the generator's snapshot tests can compile
//! their output against `ari_sdk::runtime` from outside the crate.

use std::fmt;

use serde::{de, Deserializer, Serialize, Serializer};

pub use bytes::Bytes;

pub use crate::client::{Client, ResponseFuture};
pub use crate::config::Config;
pub use crate::decode::{decode_event_json, deserialize_event, tag_error, DecodeEvent};
pub use crate::error::{Error, HttpErrorKind};
pub use crate::event_tag::{event_type, TagError};
pub use crate::handles::{
    for_each_target, BridgeHandle, BridgeOps, Call, ChannelHandle, ChannelOps, LiveRecordingHandle,
    LiveRecordingOps, PlaybackHandle, PlaybackOps, RecordOptions, ResourceEvent, ResourceKind,
    Signal, StasisApp, VersionApi,
};
pub use crate::request::{DocumentedError, Method, OperationMeta, Request};
pub use crate::stream::{EventKind, EventStream, StreamError, StreamEvent};
pub use crate::timestamp::Timestamp;
pub use crate::unknown_event::UnknownEvent;

/// Deserializes a string enum: `parse` maps every string (known values to
/// their variants, anything else to the catch-all), so no string fails.
pub fn deserialize_string_enum<'de, D, T>(
    deserializer: D,
    parse: fn(&str) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct Visitor<T>(fn(&str) -> T);
    impl<T> de::Visitor<'_> for Visitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.0)(v))
        }
    }
    deserializer.deserialize_str(Visitor(parse))
}

/// Serializes an event struct with its `type` first, as Asterisk writes it.
pub fn serialize_tagged<S, T>(serializer: S, type_name: &str, event: &T) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
{
    #[derive(Serialize)]
    struct Tagged<'a, T> {
        #[serde(rename = "type")]
        type_name: &'a str,
        #[serde(flatten)]
        event: &'a T,
    }
    Tagged { type_name, event }.serialize(serializer)
}

/// The body of a `variables` parameter: `{"NAME": "value", ...}` (newer
/// releases also take `{"value": ..., "report_events": true}` objects).
pub fn string_map(pairs: Vec<(String, serde_json::Value)>) -> serde_json::Value {
    serde_json::Value::Object(pairs.into_iter().collect())
}
