//! Comparing a JSON body or event from the fake (or any server) with one
//! Asterisk sent: same keys and the same values, recursively, after
//! normalising only what Asterisk makes up or what describes its machine:
//!
//! - ids Asterisk generated, rewritten through [`Normalizer::ids`];
//! - timestamps (`timestamp`, `creationtime`, ...): any value in
//!   Asterisk's format;
//! - Local channel sequence numbers (`Local/wait@test-0000001f;1`);
//! - build and host strings ([`MACHINE_KEYS`]) and the directories of
//!   file paths (the file name must match).
//!
//! Arrays are compared as multisets: Asterisk lists containers in hash
//! order (`formats`, `GET /channels`).

use std::collections::BTreeSet;

use serde_json::Value;

/// How to normalise before comparing.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    /// `(captured id, id on the system under test)`, applied to captured strings.
    pub ids: Vec<(String, String)>,
}

/// Keys whose string values describe the machine rather than ARI.
pub const MACHINE_KEYS: &[&str] = &[
    "os",
    "kernel",
    "machine",
    "date",
    "user",
    "entity_id",
    "asterisk_id",
    "version",
];

/// Whether `s` is an Asterisk timestamp: `2026-11-22T18:02:24.382+0000`.
pub fn is_asterisk_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 28 {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && (b[23] == b'+' || b[23] == b'-')
        && digits(24..28)
}

/// Replaces the 8-hex-digit sequence numbers in channel names
/// (`Local/wait@test-0000001f;1` becomes `Local/wait@test-N;1`).
pub fn normalize_channel_name(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'-'
            && i + 9 <= bytes.len()
            && bytes[i + 1..i + 9].iter().all(u8::is_ascii_hexdigit)
            && (i + 9 == bytes.len() || bytes[i + 9] == b';')
        {
            out.push_str("-N");
            i += 9;
        } else {
            let ch = s[i..].chars().next().unwrap_or('\u{FFFD}');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

impl Normalizer {
    /// Applies the id mapping to a captured string.
    pub fn map_ids(&self, s: &str) -> String {
        let mut ids: Vec<&(String, String)> = self
            .ids
            .iter()
            .filter(|(from, _)| !from.is_empty())
            .collect();
        ids.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        let mut out = s.to_string();
        for (from, to) in ids {
            if from != to && out.contains(from.as_str()) {
                out = out.replace(from.as_str(), to);
            }
        }
        out
    }
}

/// Differences between `expected` (captured) and `actual`, each prefixed
/// with a JSON path; empty when they match.
pub fn compare(expected: &Value, actual: &Value, norm: &Normalizer) -> Vec<String> {
    let mut diffs = Vec::new();
    walk(expected, actual, norm, "$", "", &mut diffs);
    diffs
}

fn sound_id(sound: &Value) -> &str {
    sound["id"].as_str().unwrap_or("")
}

/// Differences between a `GET /sounds` listing Asterisk sent (`expected`)
/// and the server's (`actual`), for the query's `lang` and `format`.
///
/// The fake models a subset of the sounds a real Asterisk has installed
/// (its `library`: the ids of its unfiltered listing), so the listings
/// are compared on that subset: every listed sound honours the query
/// (each of its formats has the queried language and format), the ids
/// listed are exactly the captured ones the library has (so the library
/// has no sound the captured Asterisk lacked), and each listed sound has
/// the captured sound's values (its formats as a set).
pub fn compare_sound_listing(
    expected: &Value,
    actual: &Value,
    library: &BTreeSet<String>,
    lang: Option<&str>,
    format: Option<&str>,
) -> Vec<String> {
    let (Some(expected), Some(actual)) = (expected.as_array(), actual.as_array()) else {
        return compare(expected, actual, &Normalizer::default());
    };
    let mut diffs = Vec::new();
    for sound in actual {
        let formats = sound["formats"].as_array().map_or(&[][..], Vec::as_slice);
        for f in formats {
            let honours =
                |key: &str, wanted: Option<&str>| wanted.is_none_or(|w| f[key].as_str() == Some(w));
            if !honours("language", lang) || !honours("format", format) {
                diffs.push(format!(
                    "sound {:?}: {f} does not match lang={lang:?} format={format:?}",
                    sound_id(sound)
                ));
            }
        }
    }
    let want: BTreeSet<&str> = expected
        .iter()
        .map(sound_id)
        .filter(|id| library.contains(*id))
        .collect();
    let got: BTreeSet<&str> = actual.iter().map(sound_id).collect();
    let unlisted: Vec<&&str> = want.difference(&got).collect();
    if !unlisted.is_empty() {
        diffs.push(format!(
            "sounds the capture lists and the fake has, not listed: {unlisted:?}"
        ));
    }
    let extra: Vec<&&str> = got.difference(&want).collect();
    if !extra.is_empty() {
        diffs.push(format!(
            "sounds listed that the capture does not list: {extra:?}"
        ));
    }
    for sound in actual {
        if let Some(captured) = expected.iter().find(|e| sound_id(e) == sound_id(sound)) {
            for diff in compare(captured, sound, &Normalizer::default()) {
                diffs.push(format!("sound {:?}: {diff}", sound_id(sound)));
            }
        }
    }
    diffs
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn walk(
    expected: &Value,
    actual: &Value,
    norm: &Normalizer,
    path: &str,
    key: &str,
    diffs: &mut Vec<String>,
) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let missing: Vec<&String> = e.keys().filter(|k| !a.contains_key(*k)).collect();
            let extra: Vec<&String> = a.keys().filter(|k| !e.contains_key(*k)).collect();
            if !missing.is_empty() {
                diffs.push(format!("{path}: missing keys {missing:?}"));
            }
            if !extra.is_empty() {
                diffs.push(format!("{path}: unexpected keys {extra:?}"));
            }
            for (k, ev) in e {
                if let Some(av) = a.get(k) {
                    walk(ev, av, norm, &format!("{path}.{k}"), k, diffs);
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                diffs.push(format!(
                    "{path}: {} elements, expected {}",
                    a.len(),
                    e.len()
                ));
                return;
            }
            // Order-insensitive: each expected element needs a distinct match.
            let mut used = vec![false; a.len()];
            for (i, ev) in e.iter().enumerate() {
                let found = (0..a.len()).find(|j| {
                    !used[*j] && {
                        let mut d = Vec::new();
                        walk(ev, &a[*j], norm, path, key, &mut d);
                        d.is_empty()
                    }
                });
                match found {
                    Some(j) => used[j] = true,
                    None => {
                        let j = if used.get(i) == Some(&false) {
                            i
                        } else {
                            used.iter().position(|u| !u).unwrap_or(0)
                        };
                        if let Some(av) = a.get(j) {
                            walk(ev, av, norm, &format!("{path}[{i}]"), key, diffs);
                            used[j] = true;
                        }
                    }
                }
            }
        }
        (Value::String(e), Value::String(a)) => {
            if is_asterisk_timestamp(e) {
                if !is_asterisk_timestamp(a) {
                    diffs.push(format!("{path}: {a:?} is not an Asterisk timestamp"));
                }
                return;
            }
            if MACHINE_KEYS.contains(&key) {
                return;
            }
            if e.starts_with('/') && a.starts_with('/') {
                // File paths differ per machine; the file name must not.
                if e.rsplit('/').next() != a.rsplit('/').next() {
                    diffs.push(format!("{path}: {a:?}, expected a path ending like {e:?}"));
                }
                return;
            }
            let expected = normalize_channel_name(&norm.map_ids(e));
            let actual = normalize_channel_name(a);
            if expected != actual {
                diffs.push(format!("{path}: {a:?}, expected {expected:?}"));
            }
        }
        (Value::Number(e), Value::Number(a)) => {
            if e != a {
                diffs.push(format!("{path}: {a}, expected {e}"));
            }
        }
        (Value::Bool(e), Value::Bool(a)) => {
            if e != a {
                diffs.push(format!("{path}: {a}, expected {e}"));
            }
        }
        (Value::Null, Value::Null) => {}
        (e, a) => diffs.push(format!(
            "{path}: {} {a}, expected {} {e}",
            type_name(a),
            type_name(e)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalises_what_differs_between_runs() {
        let norm = Normalizer {
            ids: vec![("1795370473.2".into(), "1700000000.0".into())],
        };
        let expected = json!({
            "id": "1795370473.2",
            "name": "Local/wait@test-00000001;1",
            "creationtime": "2026-11-22T18:01:13.614+0000",
            "target_uri": "channel:1795370473.2",
            "formats": [{"format": "gsm"}, {"format": "slin"}],
        });
        let actual = json!({
            "id": "1700000000.0",
            "name": "Local/wait@test-0000000a;1",
            "creationtime": "2030-01-01T00:00:00.000+0000",
            "target_uri": "channel:1700000000.0",
            "formats": [{"format": "slin"}, {"format": "gsm"}],
        });
        assert_eq!(compare(&expected, &actual, &norm), Vec::<String>::new());
    }

    #[test]
    fn reports_real_differences() {
        let norm = Normalizer::default();
        let diffs = compare(
            &json!({"state": "Up", "n": 1, "t": "2026-11-22T18:01:13.614+0000", "k": "x"}),
            &json!({"state": "Down", "n": "1", "t": "2026-11-22 18:01", "extra": 1}),
            &norm,
        );
        assert_eq!(diffs.len(), 5, "{diffs:?}");
        assert_eq!(
            normalize_channel_name("PJSIP/alice-0000001f"),
            "PJSIP/alice-N"
        );
        assert_eq!(normalize_channel_name("cap-ring-1"), "cap-ring-1");
    }

    /// The captured `GET /sounds` responses: unfiltered, and
    /// `lang=en&format=gsm`.
    fn captured_listings() -> (Value, Value) {
        let path = crate::captures::captures_dir().join("sounds.jsonl");
        let capture = crate::captures::load_file(&path).expect("sounds capture loads");
        let mut listings = capture.entries.iter().filter_map(|entry| match entry {
            crate::captures::Entry::Rest(x) if x.path == "/ari/sounds" && x.status == 200 => {
                Some((x.query.clone(), x.response.clone()))
            }
            _ => None,
        });
        let (Some((q1, all)), Some((q2, gsm))) = (listings.next(), listings.next()) else {
            panic!("the sounds capture lists twice");
        };
        assert!(q1.is_empty());
        let mut q2 = q2;
        q2.sort();
        assert_eq!(
            q2,
            [
                ("format".into(), "gsm".into()),
                ("lang".into(), "en".into())
            ]
        );
        (all, gsm)
    }

    fn only(listing: &Value, library: &BTreeSet<String>) -> Value {
        let items = listing.as_array().expect("a listing is an array");
        Value::Array(
            items
                .iter()
                .filter(|s| library.contains(sound_id(s)))
                .cloned()
                .collect(),
        )
    }

    #[test]
    fn sound_listings_compare_on_the_modelled_sounds() {
        let (all, gsm) = captured_listings();
        let library: BTreeSet<String> = ["hello-world", "digits/1", "queue-minutes"]
            .map(String::from)
            .into();
        let filter = (Some("en"), Some("gsm"));
        let none = (None, None);
        let check =
            |expected: &Value, actual: &Value, (lang, format): (Option<&str>, Option<&str>)| {
                compare_sound_listing(expected, actual, &library, lang, format)
            };
        assert_eq!(
            check(&all, &only(&all, &library), none),
            Vec::<String>::new()
        );
        assert_eq!(
            check(&gsm, &only(&gsm, &library), filter),
            Vec::<String>::new()
        );

        // Planted fault: the `format` filter ignored (every format listed).
        let diffs = check(&gsm, &only(&all, &library), filter);
        let violations = diffs
            .iter()
            .filter(|d| d.contains("does not match"))
            .count();
        assert_eq!(violations, 3, "one slin format per sound: {diffs:#?}");
        let values = diffs
            .iter()
            .filter(|d| d.contains("elements, expected"))
            .count();
        assert_eq!(values, 3, "each sound has one format too many: {diffs:#?}");

        // A sound dropped, and one the captured Asterisk did not have.
        let mut listed = only(&all, &library);
        if let Some(items) = listed.as_array_mut() {
            items.pop();
            items.push(
                json!({"id": "not-in-asterisk", "formats": [{"language": "en", "format": "gsm"}]}),
            );
        }
        let diffs = check(&all, &listed, none);
        assert_eq!(diffs.len(), 2, "{diffs:#?}");
    }
}
