//! An event whose `type` the version module does not know.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::timestamp::Timestamp;

/// An event of a type the module does not know (a newer Asterisk, a module's
/// own event), or a frame that is not an event (`MissingParams`). Nothing is
/// lost: the raw JSON is kept, and the common fields are read when present.
#[derive(Debug, Clone)]
pub struct UnknownEvent {
    /// The frame's `type`.
    pub type_name: String,
    /// The application that receives it, when the frame has one.
    pub application: Option<String>,
    /// When Asterisk created it, when the frame has a readable one.
    pub timestamp: Option<Timestamp>,
    /// The Asterisk instance that raised it, when the frame says.
    pub asterisk_id: Option<String>,
    /// The whole frame.
    pub raw: Box<RawValue>,
}

impl PartialEq for UnknownEvent {
    fn eq(&self, other: &Self) -> bool {
        self.type_name == other.type_name
            && self.application == other.application
            && self.timestamp == other.timestamp
            && self.asterisk_id == other.asterisk_id
            && self.raw.get() == other.raw.get()
    }
}

impl UnknownEvent {
    /// Reads the common fields of `json`, whose `type` is `type_name`.
    ///
    /// Fails when `json` is not a JSON object, when it has two top-level
    /// `type` keys, or when `application` or `asterisk_id` is not a string.
    pub fn from_json(type_name: String, json: &str) -> Result<UnknownEvent, serde_json::Error> {
        let common = crate::decode::read_common_json(json)?;
        UnknownEvent::from_common(type_name, common, json)
    }

    pub(crate) fn from_common(
        type_name: String,
        common: crate::decode::Common,
        json: &str,
    ) -> Result<UnknownEvent, serde_json::Error> {
        Ok(UnknownEvent {
            type_name,
            application: common.application,
            // Lenient: an unknown event is kept even with a strange timestamp.
            timestamp: common
                .timestamp
                .as_deref()
                .and_then(|s| Timestamp::parse(s).ok()),
            asterisk_id: common.asterisk_id,
            raw: RawValue::from_string(json.to_string())?,
        })
    }
}

impl Serialize for UnknownEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}
