//! What the stream needs from an event type.

use serde::de::Error as _;

/// An event type the [`EventStream`](super::EventStream) can carry.
///
/// Each version module's generated `Event` enum implements it, so one
/// transport serves every Asterisk major. The stream calls
/// [`decode`](StreamEvent::decode) exactly once per frame, on the connection
/// task; subscribers share the result.
pub trait StreamEvent: Send + Sync + 'static + Sized {
    /// Decodes one websocket text frame. An error becomes a
    /// [`StreamItem::Error`](super::StreamItem::Error) and the stream goes
    /// on; an event type the implementation does not know should decode to
    /// an "unknown" value rather than fail, so newer Asterisks keep working.
    fn decode(frame: &str) -> Result<Self, serde_json::Error>;

    /// The event's `type` (`StasisStart`), for logs and type filters.
    fn type_name(&self) -> &str;
}

/// Untyped events: any JSON object with a string `type`, as every ARI
/// message has.
impl StreamEvent for serde_json::Value {
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
