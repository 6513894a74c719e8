//! Finding an event's `type` without decoding the event.
//!
//! Event decoding is on the hot path of every application. A version module's
//! `Event::from_json` reads the top-level `"type"` first and then decodes the
//! frame straight into the concrete struct; serde's internally tagged enums
//! would instead buffer the whole object into an intermediate tree first.
//!
//! [`event_type`] scans the top level of the object without building
//! anything, and stops at `"type"`. Asterisk writes `type` first (or after a
//! few short strings, as in `ChannelVarset`): the scan reads a few bytes.
//! When a key before `type` holds an object or an array, the scan reads the
//! entries backwards from the end of the object instead: a re-encoder that
//! sorts the keys puts `type` near the end (only keys after `t` follow it).
//! Strings and containers are skipped by jumping from quote to quote with
//! `memchr`. It does not validate what it skips; the decode that follows
//! does.

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
    /// The object has two top-level `type` keys. [`event_type`] stops at the
    /// first one and never reports this; decoding an event reads the whole
    /// frame and refuses it.
    #[error("the event has two top-level `type` keys")]
    Duplicate,
}

/// The top-level `type` of a JSON object.
///
/// Borrowed from the frame unless the value holds escapes. A frame with
/// two top-level `type` keys, which decoding refuses, gets one of them.
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
        let key_start = pos;
        let (key_end, key_escaped) = string_end(bytes, pos).ok_or(TagError::NotAnObject)?;
        let is_type = is_type_key(json, key_start, key_end, key_escaped);
        pos = skip_ws(bytes, key_end);
        if bytes.get(pos) != Some(&b':') {
            return Err(TagError::NotAnObject);
        }
        pos = skip_ws(bytes, pos + 1);
        if is_type {
            let end = match bytes.get(pos) {
                Some(b'"') => string_end(bytes, pos).ok_or(TagError::NotAnObject)?.0,
                _ => return Err(TagError::NotAString),
            };
            return type_value(json, pos, end);
        }
        if matches!(bytes.get(pos), Some(b'{' | b'[')) {
            // The rest of the keys are behind an object or an array: look
            // from the end instead, where `type` stands when a re-encoder
            // sorted the keys.
            return type_from_end(json, key_start);
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

/// Whether the frame is an object whose first key is `type` (unescaped),
/// as Asterisk writes its events.
pub(crate) fn type_is_first(json: &str) -> bool {
    let bytes = json.as_bytes();
    let pos = skip_ws(bytes, 0);
    if bytes.get(pos) != Some(&b'{') {
        return false;
    }
    let pos = skip_ws(bytes, pos + 1);
    bytes.get(pos..pos + 6) == Some(b"\"type\"")
        && bytes.get(skip_ws(bytes, pos + 6)) == Some(&b':')
}

/// Whether the key `json[start..end]` (quotes included) is `type`.
fn is_type_key(json: &str, start: usize, end: usize, escaped: bool) -> bool {
    if escaped {
        decode_string(&json[start..end]).as_deref() == Some("type")
    } else {
        &json.as_bytes()[start + 1..end - 1] == b"type"
    }
}

/// The string `json[start..end]` (quotes included) as the type.
fn type_value(json: &str, start: usize, end: usize) -> Result<Cow<'_, str>, TagError> {
    let inner = &json[start + 1..end - 1];
    if inner.as_bytes().contains(&b'\\') {
        decode_string(&json[start..end])
            .map(Cow::Owned)
            .ok_or(TagError::NotAString)
    } else {
        Ok(Cow::Borrowed(inner))
    }
}

/// Reads the top-level entries backwards from the end of the object, down
/// to the key that starts at `stop` (already read, not `type`).
fn type_from_end(json: &str, stop: usize) -> Result<Cow<'_, str>, TagError> {
    let bytes = json.as_bytes();
    let mut pos = skip_ws_back(bytes, bytes.len());
    if pos <= stop || bytes[pos - 1] != b'}' {
        return Err(TagError::NotAnObject);
    }
    pos -= 1;
    loop {
        // An entry `"key" : value` ends at `pos`.
        let value_end = skip_ws_back(bytes, pos);
        let value_start = value_start_back(bytes, value_end, stop).ok_or(TagError::NotAnObject)?;
        let colon = skip_ws_back(bytes, value_start);
        if colon <= stop || bytes[colon - 1] != b':' {
            return Err(TagError::NotAnObject);
        }
        let key_end = skip_ws_back(bytes, colon - 1);
        if key_end <= stop || bytes[key_end - 1] != b'"' {
            return Err(TagError::NotAnObject);
        }
        let key_start = string_start_back(bytes, key_end, stop).ok_or(TagError::NotAnObject)?;
        if key_start == stop {
            // The key the forward read stopped at.
            return Err(TagError::Missing);
        }
        let key_escaped = bytes[key_start + 1..key_end - 1].contains(&b'\\');
        if is_type_key(json, key_start, key_end, key_escaped) {
            return match bytes[value_start] {
                b'"' => type_value(json, value_start, value_end),
                _ => Err(TagError::NotAString),
            };
        }
        let before = skip_ws_back(bytes, key_start);
        if before <= stop || bytes[before - 1] != b',' {
            return Err(TagError::NotAnObject);
        }
        pos = before - 1;
    }
}

fn skip_ws_back(bytes: &[u8], mut end: usize) -> usize {
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t' | b'\n' | b'\r') {
        end -= 1;
    }
    end
}

/// `bytes[end - 1]` is a closing quote; returns the index of the opening
/// one, at `floor` or above.
fn string_start_back(bytes: &[u8], end: usize, floor: usize) -> Option<usize> {
    let mut limit = end.checked_sub(1)?;
    loop {
        let quote = memchr::memrchr(b'"', bytes.get(floor..limit)?)? + floor;
        // Escaped when an odd number of backslashes precedes it.
        let backslashes = bytes[..quote]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 0 {
            return Some(quote);
        }
        limit = quote;
    }
}

/// The start of the value that ends at `end` (exclusive), at `floor` or
/// above.
fn value_start_back(bytes: &[u8], end: usize, floor: usize) -> Option<usize> {
    if end <= floor {
        return None;
    }
    match bytes[end - 1] {
        b'"' => string_start_back(bytes, end, floor),
        b'}' => container_start_back(bytes, end, floor, b'{', b'}'),
        b']' => container_start_back(bytes, end, floor, b'[', b']'),
        _ => {
            let mut p = end;
            while p > floor
                && !matches!(
                    bytes[p - 1],
                    b':' | b',' | b'{' | b'[' | b' ' | b'\t' | b'\n' | b'\r'
                )
            {
                p -= 1;
            }
            (p < end).then_some(p)
        }
    }
}

/// `bytes[end - 1]` is `close`; returns the index of its `open`, jumping
/// from one `"`, `open` or `close` to the previous one.
fn container_start_back(
    bytes: &[u8],
    end: usize,
    floor: usize,
    open: u8,
    close: u8,
) -> Option<usize> {
    let mut depth = 0usize;
    let mut limit = end;
    loop {
        let at = memchr::memrchr3(b'"', open, close, bytes.get(floor..limit)?)? + floor;
        let b = bytes[at];
        if b == b'"' {
            limit = string_start_back(bytes, at + 1, floor)?;
        } else if b == close {
            depth += 1;
            limit = at;
        } else {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(at);
            }
            limit = at;
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
/// and whether the string holds escapes. Jumps from one `"` or `\\` to the
/// next with `memchr`.
fn string_end(bytes: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut pos = start + 1;
    let mut escaped = false;
    loop {
        let at = pos + memchr::memchr2(b'"', b'\\', bytes.get(pos..)?)?;
        if bytes[at] == b'"' {
            return Some((at + 1, escaped));
        }
        escaped = true;
        pos = at + 2;
    }
}

fn decode_string(quoted: &str) -> Option<String> {
    serde_json::from_str::<String>(quoted).ok()
}

/// Skips one value starting at `pos`; returns the index after it.
fn skip_value(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes.get(pos)? {
        b'"' => string_end(bytes, pos).map(|(end, _)| end),
        b'{' => skip_container(bytes, pos, b'{', b'}'),
        b'[' => skip_container(bytes, pos, b'[', b']'),
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

/// Skips the object or array opening at `pos` (`open`), jumping from one
/// `"`, `open` or `close` to the next: in well-formed JSON the brackets of
/// the other kind are balanced inside, so counting one kind finds the end.
fn skip_container(bytes: &[u8], pos: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut p = pos;
    loop {
        let at = p + memchr::memchr3(b'"', open, close, bytes.get(p..)?)?;
        let b = bytes[at];
        if b == b'"' {
            p = string_end(bytes, at)?.0;
        } else if b == open {
            depth += 1;
            p = at + 1;
        } else {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(at + 1);
            }
            p = at + 1;
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
    fn reads_backwards_behind_a_container() {
        // `type` behind an object: found from the end, past later keys.
        let frame =
            r#"{"a":{"type":"no","s":"}\"{"},"type" : "T\u0041", "u":[{"type":"x"}],"v":"w\\"}"#;
        assert_eq!(event_type(frame).unwrap(), "TA");
        assert_eq!(event_type(r#"{"a":[1],"b":2}"#), Err(TagError::Missing));
        assert_eq!(
            event_type(r#"{"a":[1],"type":2}"#),
            Err(TagError::NotAString)
        );
        assert_eq!(
            event_type(r#"{"a":[1],"type":[]}"#),
            Err(TagError::NotAString)
        );
        assert_eq!(
            event_type(r#"{"a":[1],"type":"x""#),
            Err(TagError::NotAnObject)
        );
        // What it skips it does not validate (the decode does).
        assert_eq!(event_type(r#"{"a":[1] "type":"x"}"#).unwrap(), "x");
        assert_eq!(event_type(r#"{"a":[1],"typ\u0065":"E"}"#).unwrap(), "E");
    }

    #[test]
    fn never_panics_on_mutations_and_agrees_with_serde() {
        let frames = [
            r#"{"type":"A","x":{"y":[1,"\\",{"z":"\""}]},"n":-1.5e3,"b":true}"#,
            r#"{"v":"1","x":{"y":[1,"\\",{"z":"\""}]},"n":null,"type":"B","w":[{}]}"#,
            r#" { "x" : [ { "type" : "no" } ] , "type" : "C" , "z" : { } } "#,
        ];
        let specials = b"{}[]\":,\\ x0";
        for frame in frames {
            let bytes = frame.as_bytes();
            for end in 0..=bytes.len() {
                let _ = event_type(&frame[..end]);
            }
            for i in 0..bytes.len() {
                for &b in specials {
                    let mut mutated = bytes.to_vec();
                    mutated[i] = b;
                    let Ok(text) = std::str::from_utf8(&mutated) else {
                        continue;
                    };
                    let scanned = event_type(text);
                    // On JSON serde_json reads, the scan agrees (frames
                    // with two top-level `type` keys aside).
                    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
                        let types = text.matches("\"type\"").count();
                        if let (Some(t), 1) = (value.get("type").and_then(|t| t.as_str()), types) {
                            assert_eq!(scanned.as_deref(), Ok(t), "{text}");
                        }
                    }
                }
            }
        }
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
