//! What the stream needs from an event type.

use std::fmt;
use std::hash::Hash;

use serde::de::Error as _;

use crate::resource::ResourceKind;

/// The type of an event without its data: each version module's generated
/// `EventType`. The stream reads it from a frame before decoding the frame,
/// so a frame of a type nobody asked for is never decoded.
pub trait EventKind: Copy + Eq + Hash + fmt::Debug + Send + Sync + 'static {
    /// How many kinds there are, the one for unknown types included; every
    /// [`index`](EventKind::index) is below it.
    const COUNT: usize;

    /// A dense number for the kind, below [`COUNT`](EventKind::COUNT).
    fn index(self) -> usize;

    /// The kind of a frame whose `type` is `name` (the unknown kind for a
    /// name the module does not know).
    fn from_type_name(name: &str) -> Self;
}

/// The one kind of untyped events: a [`serde_json::Value`] stream cannot be
/// filtered by type (filter it with a closure instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnyEventType;

impl EventKind for AnyEventType {
    const COUNT: usize = 1;

    fn index(self) -> usize {
        0
    }

    fn from_type_name(_name: &str) -> Self {
        AnyEventType
    }
}

/// An event type the [`EventStream`](super::EventStream) can carry.
///
/// Each version module's generated `Event` enum implements it, so one
/// transport serves every Asterisk major. The stream calls
/// [`decode`](StreamEvent::decode) at most once per frame (in the task of
/// the first subscriber that reaches it, or on the connection task for the
/// handles); subscribers share the result.
pub trait StreamEvent: Send + Sync + 'static + Sized {
    /// The event's type without its data (each module's `EventType`).
    type Kind: EventKind;

    /// Decodes one websocket text frame. An error becomes a
    /// [`StreamItem::Error`](super::StreamItem::Error) and the stream goes
    /// on; an event type the implementation does not know should decode to
    /// an "unknown" value rather than fail, so newer Asterisks keep working.
    fn decode(frame: &str) -> Result<Self, serde_json::Error>;

    /// The event's `type` (`StasisStart`), for logs.
    fn type_name(&self) -> &str;

    /// The event's type, for type filters.
    fn kind(&self) -> Self::Kind;

    /// Calls `f` with every resource the event names (its channels,
    /// bridges, playbacks and recordings), so a subscriber that lost events
    /// can be told which resources they concerned. Untyped events name none.
    fn for_each_resource(&self, f: &mut dyn FnMut(ResourceKind, &str)) {
        let _ = f;
    }
}

/// Untyped events: any JSON object with a string `type`, as every ARI
/// message has.
impl StreamEvent for serde_json::Value {
    type Kind = AnyEventType;

    fn kind(&self) -> AnyEventType {
        AnyEventType
    }

    fn decode(frame: &str) -> Result<Self, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_str(frame)?;
        match value.get("type") {
            Some(serde_json::Value::String(_)) => Ok(value),
            Some(_) => Err(serde_json::Error::custom(
                "the event's `type` is not a string",
            )),
            None => Err(serde_json::Error::missing_field("type")),
        }
    }

    fn type_name(&self) -> &str {
        self.get("type")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_events_need_a_string_type() {
        let event = serde_json::Value::decode(r#"{"type":"StasisStart","x":1}"#).unwrap();
        assert_eq!(event.type_name(), "StasisStart");

        let missing = serde_json::Value::decode(r#"{"x":1}"#).unwrap_err();
        assert!(missing.to_string().contains("missing field `type`"));
        let not_string = serde_json::Value::decode(r#"{"type":1}"#).unwrap_err();
        assert!(not_string.to_string().contains("not a string"));
        assert!(serde_json::Value::decode("not json").is_err());
        assert!(serde_json::Value::decode("[1]").is_err());
    }
}
