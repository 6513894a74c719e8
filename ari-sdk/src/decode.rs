//! Decoding an event frame into a version module's `Event` in one pass.
//!
//! The generated code of a version module only supplies a dispatch table
//! ([`DecodeEvent`]: a `type` name to its variant, a variant to its struct's
//! `Deserialize`); the machinery is here, shared by every module.
//!
//! Two entry points:
//!
//! - [`decode_event_json`], behind `Event::from_json` (the stream's path).
//!   When `type` is the first key, as Asterisk writes it, the map visitor
//!   below reads it and goes on straight into the concrete struct. When it
//!   comes later, the frame is a `&str`, so the top-level `type` is found
//!   first by the byte scan of [`event_type`](crate::event_tag::event_type)
//!   (a few jumps through the text), then the frame is decoded once,
//!   straight into the concrete struct, which never sees `type`.
//! - [`deserialize_event`], behind `impl Deserialize for Event` (any serde
//!   deserializer: `serde_json::from_str`, `from_slice`, `from_value`, an
//!   event inside a larger document): a map visitor that reads the first
//!   key; when it is `type` the rest of the map goes straight into the
//!   concrete struct. When `type` comes later, the entries before it are
//!   buffered (as their JSON text, borrowed from the input, with serde_json's
//!   deserializers; as [`serde_json::Value`]s with others) and replayed ahead
//!   of the rest: the buffered entries are read twice. That is the slow path,
//!   for frames whose keys a proxy reordered.
//!
//! Both refuse a frame with two top-level `type` keys ([`TagError::Duplicate`])
//! rather than pick one of them; `type` keys inside nested objects are data.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::event_tag::{self, TagError};
use crate::unknown_event::UnknownEvent;

/// What a version module's `Event` supplies to be decoded: its dispatch
/// table. Implemented by generated code.
pub trait DecodeEvent: Sized {
    /// A known event type, without data.
    type Kind: Copy;

    /// The known type named `name`, or `None`.
    fn kind(name: &str) -> Option<Self::Kind>;

    /// Decodes the struct of `kind` from `deserializer` (a map without its
    /// `type`, or whose `type` the struct ignores).
    fn decode<'de, D: Deserializer<'de>>(
        kind: Self::Kind,
        deserializer: D,
    ) -> Result<Self, D::Error>;

    /// An event of a type the module does not know.
    fn unknown(event: UnknownEvent) -> Self;
}

/// Decodes one frame; `Event::from_json`.
pub fn decode_event_json<E: DecodeEvent>(json: &str) -> Result<E, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    if event_tag::type_is_first(json) {
        // Asterisk's order: the map visitor reads `type` and goes on into
        // the struct, without a scan.
        let event = de::Deserializer::deserialize_map(
            &mut deserializer,
            EventVisitor::<E> {
                frame: Some(json),
                marker: PhantomData,
            },
        )?;
        deserializer.end()?;
        return Ok(event);
    }
    let type_name = event_tag::event_type(json).map_err(tag_error)?;
    let event = match E::kind(&type_name) {
        Some(kind) => {
            let event = de::Deserializer::deserialize_map(
                &mut deserializer,
                KnownTypeVisitor::<E> {
                    kind,
                    marker: PhantomData,
                },
            )?;
            deserializer.end()?;
            event
        }
        None => {
            let common = de::Deserializer::deserialize_map(&mut deserializer, CommonVisitor)?;
            deserializer.end()?;
            E::unknown(UnknownEvent::from_common(
                type_name.into_owned(),
                common,
                json,
            )?)
        }
    };
    Ok(event)
}

/// `impl Deserialize for Event`: works with any deserializer (see the
/// module's documentation for its slow path).
pub fn deserialize_event<'de, D, E>(deserializer: D) -> Result<E, D::Error>
where
    D: Deserializer<'de>,
    E: DecodeEvent,
{
    deserializer.deserialize_map(EventVisitor::<E> {
        frame: None,
        marker: PhantomData,
    })
}

/// The error of a frame without a readable `type`, as serde_json's error.
pub fn tag_error(error: TagError) -> serde_json::Error {
    de::Error::custom(error)
}

/// The rest of an event's map, as the concrete struct sees it: the entries
/// buffered before `type` (if any), then the live map, with `type` hidden
/// and a second top-level `type` refused.
struct Rest<'de, A> {
    buffered: std::vec::IntoIter<(Cow<'de, str>, Buffered<'de>)>,
    pending: Option<Buffered<'de>>,
    map: A,
    /// Whether the frame's `type` has gone by.
    type_seen: bool,
}

impl<'de, A: MapAccess<'de>> Rest<'de, A> {
    fn new(map: A, buffered: Vec<(Cow<'de, str>, Buffered<'de>)>, type_seen: bool) -> Self {
        Rest {
            buffered: buffered.into_iter(),
            pending: None,
            map,
            type_seen,
        }
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Rest<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        mut seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.buffered.next() {
            self.pending = Some(value);
            return match key {
                Cow::Borrowed(key) => seed.deserialize(BorrowedStrDeserializer::new(key)),
                Cow::Owned(key) => seed.deserialize(StrDeserializer::new(&key)),
            }
            .map(Some);
        }
        loop {
            match self.map.next_key_seed(FieldSeed(seed))? {
                None => return Ok(None),
                Some(Field::Other(value)) => return Ok(Some(value)),
                Some(Field::Type(back)) => {
                    if self.type_seen {
                        return Err(de::Error::custom(TagError::Duplicate));
                    }
                    self.type_seen = true;
                    self.map.next_value::<IgnoredAny>()?;
                    seed = back;
                }
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => value.replay(seed).map_err(de::Error::custom),
            None => self.map.next_value_seed(seed),
        }
    }
}

/// A key of the live map: `type`, or any other key handed to the struct's
/// own key seed (which `Type` gives back unused).
enum Field<S, T> {
    Type(S),
    Other(T),
}

struct FieldSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for FieldSeed<S> {
    type Value = Field<S, S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for FieldSeed<S> {
    type Value = Field<S, S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        if key == "type" {
            Ok(Field::Type(self.0))
        } else {
            self.0
                .deserialize(BorrowedStrDeserializer::new(key))
                .map(Field::Other)
        }
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        if key == "type" {
            Ok(Field::Type(self.0))
        } else {
            self.0
                .deserialize(StrDeserializer::new(key))
                .map(Field::Other)
        }
    }
}

/// `from_json`'s visitor: the type is known from the scan.
struct KnownTypeVisitor<E: DecodeEvent> {
    kind: E::Kind,
    marker: PhantomData<E>,
}

impl<'de, E: DecodeEvent> Visitor<'de> for KnownTypeVisitor<E> {
    type Value = E;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<E, A::Error> {
        E::decode(
            self.kind,
            MapAccessDeserializer::new(Rest::new(map, Vec::new(), false)),
        )
    }
}

/// The common fields of an unknown event's frame (its `type` hidden, a
/// second `type` refused).
pub(crate) fn read_common_json(json: &str) -> Result<Common, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let common = de::Deserializer::deserialize_map(&mut deserializer, CommonVisitor)?;
    deserializer.end()?;
    Ok(common)
}

/// The fields every event has, read from an unknown event.
#[derive(Default)]
pub(crate) struct Common {
    pub(crate) application: Option<String>,
    pub(crate) timestamp: Option<String>,
    pub(crate) asterisk_id: Option<String>,
}

struct CommonVisitor;

impl<'de> Visitor<'de> for CommonVisitor {
    type Value = Common;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Common, A::Error> {
        read_common(Rest::new(map, Vec::new(), false))
    }
}

/// Reads the common fields off `map` (whose `type` it hides), leniently:
/// a `timestamp` that is not a string is ignored, as is one that does not
/// parse later; `application` and `asterisk_id` must be strings or null.
fn read_common<'de, A: MapAccess<'de>>(mut map: A) -> Result<Common, A::Error> {
    #[derive(serde::Deserialize)]
    #[serde(field_identifier, rename_all = "snake_case")]
    enum Key {
        Application,
        Timestamp,
        AsteriskId,
        #[serde(other)]
        Other,
    }
    let mut common = Common::default();
    while let Some(key) = map.next_key::<Key>()? {
        match key {
            Key::Application => common.application = map.next_value()?,
            Key::AsteriskId => common.asterisk_id = map.next_value()?,
            Key::Timestamp => {
                common.timestamp = match map.next_value::<Value>()? {
                    Value::String(s) => Some(s),
                    _ => None,
                }
            }
            Key::Other => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(common)
}

/// The generic visitor (`impl Deserialize for Event`).
struct EventVisitor<'f, E> {
    /// The whole frame, when decoding one from text (kept by an unknown event).
    frame: Option<&'f str>,
    marker: PhantomData<E>,
}

impl<'de, E: DecodeEvent> Visitor<'de> for EventVisitor<'_, E> {
    type Value = E;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ARI event: a JSON object with a string `type`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<E, A::Error> {
        // Asterisk writes `type` first: then nothing is buffered.
        let mut buffered: Vec<(Cow<'de, str>, Buffered<'de>)> = Vec::new();
        loop {
            match map.next_key_seed(KeySeed)? {
                None => return Err(de::Error::custom(TagError::Missing)),
                Some(Key::Type) => break,
                Some(Key::Other(key)) => {
                    let value = map.next_value_seed(BufferSeed)?;
                    buffered.push((key, value));
                }
            }
        }
        match map.next_value_seed(TypeSeed::<E>(PhantomData))? {
            TypeName::Known(kind) => E::decode(
                kind,
                MapAccessDeserializer::new(Rest::new(map, buffered, true)),
            ),
            TypeName::Unknown(type_name) => match self.frame {
                Some(frame) if buffered.is_empty() => {
                    let common = read_common(Rest::new(map, buffered, true))?;
                    UnknownEvent::from_common(type_name, common, frame)
                        .map(E::unknown)
                        .map_err(de::Error::custom)
                }
                _ => unknown_from_map(type_name, buffered, map).map(E::unknown),
            },
        }
    }
}

/// An unknown event read through a generic deserializer: the frame is
/// written back from its entries (top-level order kept, compact).
fn unknown_from_map<'de, A: MapAccess<'de>>(
    type_name: String,
    buffered: Vec<(Cow<'de, str>, Buffered<'de>)>,
    mut map: A,
) -> Result<UnknownEvent, A::Error> {
    let mut entries: Vec<(Cow<'de, str>, Value)> = Vec::with_capacity(buffered.len());
    for (key, value) in buffered {
        entries.push((key, value.into_value().map_err(de::Error::custom)?));
    }
    let type_at = entries.len();
    while let Some(key) = map.next_key_seed(KeySeed)? {
        match key {
            Key::Type => return Err(de::Error::custom(TagError::Duplicate)),
            Key::Other(key) => {
                let value = map.next_value::<Value>()?;
                entries.push((key, value));
            }
        }
    }
    let mut raw = String::from("{");
    let mut write = |key: &str, value: &Value| -> Result<(), serde_json::Error> {
        if raw.len() > 1 {
            raw.push(',');
        }
        raw.push_str(&serde_json::to_string(key)?);
        raw.push(':');
        raw.push_str(&serde_json::to_string(value)?);
        Ok(())
    };
    let type_value = Value::String(type_name.clone());
    let result = (|| {
        for (key, value) in &entries[..type_at] {
            write(key, value)?;
        }
        write("type", &type_value)?;
        for (key, value) in &entries[type_at..] {
            write(key, value)?;
        }
        Ok::<_, serde_json::Error>(())
    })();
    result.map_err(de::Error::custom)?;
    raw.push('}');
    let common = read_common(serde::de::value::MapDeserializer::new(
        entries
            .into_iter()
            .map(|(key, value)| (Value::String(key.into_owned()), value)),
    ))
    .map_err(|e: serde_json::Error| de::Error::custom(e))?;
    UnknownEvent::from_common(type_name, common, &raw).map_err(de::Error::custom)
}

/// serde_json's name for its raw values (`serde_json::value::RawValue`):
/// asked for a newtype struct of this name, its deserializers hand over the
/// value's text instead of the value. Should a release of serde_json change
/// the name, its deserializers see an ordinary newtype struct and
/// [`BufferSeed`] falls back to a `Value`: slower, as correct.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// An entry's value met before `type`, kept to be replayed: the JSON text
/// (borrowed from the input by `serde_json::from_str` and `from_slice`),
/// or a `Value` for other deserializers.
enum Buffered<'de> {
    Borrowed(&'de str),
    Owned(String),
    Value(Value),
}

impl<'de> Buffered<'de> {
    fn replay<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, serde_json::Error> {
        match self {
            Buffered::Borrowed(text) => {
                let mut deserializer = serde_json::Deserializer::from_str(text);
                let value = seed.deserialize(&mut deserializer)?;
                deserializer.end()?;
                Ok(value)
            }
            Buffered::Owned(text) => {
                let mut deserializer = serde_json::Deserializer::from_reader(text.as_bytes());
                let value = seed.deserialize(&mut deserializer)?;
                deserializer.end()?;
                Ok(value)
            }
            Buffered::Value(value) => seed.deserialize(value),
        }
    }

    fn into_value(self) -> Result<Value, serde_json::Error> {
        match self {
            Buffered::Borrowed(text) => serde_json::from_str(text),
            Buffered::Owned(text) => serde_json::from_str(&text),
            Buffered::Value(value) => Ok(value),
        }
    }
}

struct BufferSeed;

impl<'de> DeserializeSeed<'de> for BufferSeed {
    type Value = Buffered<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Buffered<'de>, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, self)
    }
}

impl<'de> Visitor<'de> for BufferSeed {
    type Value = Buffered<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    /// serde_json's raw value: a map of one entry, the token and the text.
    /// Any other map is a value of a deserializer that does not know
    /// newtype structs.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Buffered<'de>, A::Error> {
        let mut object = serde_json::Map::new();
        match map.next_key::<String>()? {
            Some(key) if key == RAW_VALUE_TOKEN => return map.next_value_seed(RawText),
            Some(key) => {
                object.insert(key, map.next_value()?);
            }
            None => {}
        }
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            object.insert(key, value);
        }
        Ok(Buffered::Value(Value::Object(object)))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Buffered<'de>, D::Error> {
        serde::Deserialize::deserialize(deserializer).map(Buffered::Value)
    }
}

struct RawText;

impl<'de> DeserializeSeed<'de> for RawText {
    type Value = Buffered<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Buffered<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for RawText {
    type Value = Buffered<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON text")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Buffered<'de>, E> {
        Ok(Buffered::Borrowed(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Buffered<'de>, E> {
        Ok(Buffered::Owned(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Buffered<'de>, E> {
        Ok(Buffered::Owned(text))
    }
}

/// A top-level key: `type`, or another one kept for the replay.
enum Key<'de> {
    Type,
    Other(Cow<'de, str>),
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
        Ok(if key == "type" {
            Key::Type
        } else {
            Key::Other(Cow::Borrowed(key))
        })
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
        Ok(if key == "type" {
            Key::Type
        } else {
            Key::Other(Cow::Owned(key.to_owned()))
        })
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
        Ok(if key == "type" {
            Key::Type
        } else {
            Key::Other(Cow::Owned(key))
        })
    }
}

/// The value of `type`: a known kind, or the name of an unknown type.
enum TypeName<K> {
    Known(K),
    Unknown(String),
}

struct TypeSeed<E>(PhantomData<E>);

impl<'de, E: DecodeEvent> DeserializeSeed<'de> for TypeSeed<E> {
    type Value = TypeName<E::Kind>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, E: DecodeEvent> Visitor<'de> for TypeSeed<E> {
    type Value = TypeName<E::Kind>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the event's `type`, a string")
    }

    fn visit_str<Er: de::Error>(self, name: &str) -> Result<Self::Value, Er> {
        Ok(match E::kind(name) {
            Some(kind) => TypeName::Known(kind),
            None => TypeName::Unknown(name.to_owned()),
        })
    }

    fn visit_string<Er: de::Error>(self, name: String) -> Result<Self::Value, Er> {
        Ok(match E::kind(&name) {
            Some(kind) => TypeName::Known(kind),
            None => TypeName::Unknown(name),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json's str and slice deserializers hand over a buffered value
    /// as its borrowed text (the raw value token is still serde_json's);
    /// a `Value` deserializer as a value.
    #[test]
    fn buffers_borrowed_text_with_serde_json() {
        let text = r#"{"a":1,"b":[true]}"#;
        let mut deserializer = serde_json::Deserializer::from_str(text);
        match BufferSeed.deserialize(&mut deserializer).unwrap() {
            Buffered::Borrowed(raw) => assert_eq!(raw, text),
            _ => panic!("not borrowed: the raw value token changed"),
        }
        let mut deserializer = serde_json::Deserializer::from_slice(text.as_bytes());
        assert!(matches!(
            BufferSeed.deserialize(&mut deserializer).unwrap(),
            Buffered::Borrowed(_)
        ));
        let value: Value = serde_json::from_str(text).unwrap();
        let buffered = BufferSeed.deserialize(value.clone()).unwrap();
        assert_eq!(buffered.into_value().unwrap(), value);
        let buffered = BufferSeed
            .deserialize(
                serde::de::value::MapDeserializer::<_, serde_json::Error>::new(
                    [("a", 1)].into_iter(),
                ),
            )
            .unwrap();
        assert_eq!(buffered.into_value().unwrap(), serde_json::json!({"a": 1}));
    }
}
