//! Finding an event's `type` without decoding the event.
//!
//! Event decoding is on the hot path of every application. A version module's
//! `Event::from_json` reads the top-level `"type"` first and then decodes the
//! frame straight into the concrete struct; serde's internally tagged enums
//! would instead buffer the whole object into an intermediate tree first.
//!
//! [`event_type`] scans the top level of the object: it skips the values of
//! other keys (strings with their escapes, nested objects and arrays) without
//! building anything, and stops at `"type"`, which Asterisk writes first. It
//! does not validate what it skips; the decode that follows does.

use std::borrow::Cow;

/// Why a frame has no readable `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TagError {
    /// The frame is not a JSON object (or is cut short).
    #[error("an event must be a JSON object")]
    NotAnObject,
    /// The object has no top-level `type` key.
    #[error("the event has no `type`")]
    Missing,
    /// `type` is not a string.
    #[error("the event's `type` is not a string")]
    NotAString,
}

/// The top-level `type` of a JSON object.
///
/// Borrowed from the frame unless the value holds escapes.
///
/// ```
/// use ari_sdk::event_tag::event_type;
///
/// let frame = r#"{"channel":{"type":"nested"},"type":"StasisStart"}"#;
/// assert_eq!(event_type(frame).unwrap(), "StasisStart");
/// ```
pub fn event_type(json: &str) -> Result<Cow<'_, str>, TagError> {
    let bytes = json.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if bytes.get(pos) != Some(&b'{') {
        return Err(TagError::NotAnObject);
    }
    pos += 1;
    loop {
        pos = skip_ws(bytes, pos);
        match bytes.get(pos) {
            Some(b'"') => {}
            Some(b'}') => return Err(TagError::Missing),
            _ => return Err(TagError::NotAnObject),
        }
        let (key_end, key_escaped) = string_end(bytes, pos).ok_or(TagError::NotAnObject)?;
        let is_type = if key_escaped {
            decode_string(&json[pos..key_end]).as_deref() == Some("type")
        } else {
            &bytes[pos + 1..key_end - 1] == b"type"
        };
        pos = skip_ws(bytes, key_end);
        if bytes.get(pos) != Some(&b':') {
            return Err(TagError::NotAnObject);
        }
        pos = skip_ws(bytes, pos + 1);
        if is_type {
            if bytes.get(pos) != Some(&b'"') {
                return Err(TagError::NotAString);
            }
            let (end, escaped) = string_end(bytes, pos).ok_or(TagError::NotAnObject)?;
            return if escaped {
                decode_string(&json[pos..end])
                    .map(Cow::Owned)
                    .ok_or(TagError::NotAString)
            } else {
                Ok(Cow::Borrowed(&json[pos + 1..end - 1]))
            };
        }
        pos = skip_value(bytes, pos).ok_or(TagError::NotAnObject)?;
        pos = skip_ws(bytes, pos);
        match bytes.get(pos) {
            Some(b',') => pos += 1,
            Some(b'}') => return Err(TagError::Missing),
            _ => return Err(TagError::NotAnObject),
        }
    }
}

/// The same answer as [`event_type`], by serde_json: a struct that borrows
/// `type` and ignores the rest. Kept to measure the scan against it
/// (`benches/event_decode.rs`); it reads the whole object.
#[doc(hidden)]
pub fn event_type_by_serde(json: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Tag<'a> {
        #[serde(borrow, rename = "type")]
        type_name: Cow<'a, str>,
    }
    serde_json::from_str::<Tag<'_>>(json).map(|t| t.type_name)
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// `start` is at an opening quote; returns the index after the closing quote
/// and whether the string holds escapes.
fn string_end(bytes: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut pos = start + 1;
    let mut escaped = false;
    loop {
        match bytes.get(pos)? {
            b'"' => return Some((pos + 1, escaped)),
            b'\\' => {
                escaped = true;
                pos += 2;
            }
            _ => pos += 1,
        }
    }
}

fn decode_string(quoted: &str) -> Option<String> {
    serde_json::from_str::<String>(quoted).ok()
}

/// Skips one value starting at `pos`; returns the index after it.
fn skip_value(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes.get(pos)? {
        b'"' => string_end(bytes, pos).map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut p = pos;
            loop {
                match bytes.get(p)? {
                    b'"' => {
                        p = string_end(bytes, p)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(p + 1);
                        }
                    }
                    _ => {}
                }
                p += 1;
            }
        }
        _ => {
            // A number or a literal: up to the next delimiter.
            let mut p = pos;
            while let Some(&b) = bytes.get(p) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                p += 1;
            }
            (p > pos).then_some(p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_type_first_or_later() {
        assert_eq!(event_type(r#"{"type":"A"}"#).unwrap(), "A");
        assert_eq!(
            event_type(
                r#" { "x" : 1.5e3 , "y":[1,{"type":"no"}], "s":"a\"b}", "n":null, "type" : "B" } "#
            )
            .unwrap(),
            "B"
        );
    }

    #[test]
    fn ignores_nested_type_keys() {
        let frame = r#"{"channel":{"type":"Channel","x":"}"},"list":[{"type":"C"}],"type":"Real"}"#;
        assert_eq!(event_type(frame).unwrap(), "Real");
    }

    #[test]
    fn handles_escapes_in_keys_and_values() {
        assert_eq!(event_type(r#"{"typ\u0065":"Esc"}"#).unwrap(), "Esc");
        let owned = event_type(r#"{"type":"A\u0042"}"#).unwrap();
        assert_eq!(owned, "AB");
        assert!(matches!(owned, Cow::Owned(_)));
        assert!(matches!(
            event_type(r#"{"type":"AB"}"#).unwrap(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn reports_what_is_wrong() {
        assert_eq!(event_type("[]"), Err(TagError::NotAnObject));
        assert_eq!(event_type(""), Err(TagError::NotAnObject));
        assert_eq!(event_type("{}"), Err(TagError::Missing));
        assert_eq!(event_type(r#"{"a":1}"#), Err(TagError::Missing));
        assert_eq!(event_type(r#"{"type":1}"#), Err(TagError::NotAString));
        assert_eq!(event_type(r#"{"type":"x"#), Err(TagError::NotAnObject));
        assert_eq!(event_type(r#"{"a":"#), Err(TagError::NotAnObject));
        assert_eq!(event_type(r#"{"a":{"#), Err(TagError::NotAnObject));
        assert_eq!(event_type(r#"{"a" 1}"#), Err(TagError::NotAnObject));
        assert_eq!(
            event_type(r#"{"a":1 "type":"x"}"#),
            Err(TagError::NotAnObject)
        );
        assert_eq!(
            event_type(r#"{"type":"\ud800"}"#),
            Err(TagError::NotAString)
        );
    }

    #[test]
    fn never_panics_on_truncations() {
        let frame = r#"{"a":{"b":[1,2,"\\\"",{"c":null}]},"d":"e\"f","type":"G\u0048"}"#;
        for end in 0..frame.len() {
            let _ = event_type(&frame[..end]);
        }
        assert_eq!(event_type(frame).unwrap(), "GH");
    }

    #[test]
    fn agrees_with_serde() {
        let frame = r#"{"x":{"type":"no"},"type":"StasisStart","y":[]}"#;
        assert_eq!(
            event_type(frame).unwrap(),
            event_type_by_serde(frame).unwrap()
        );
    }
}
