//! Comparing a JSON body from the fake (or any server) with one Asterisk
//! sent: same keys, same value types, recursively; the same values where
//! they are deterministic, after normalising what legitimately differs
//! between two runs (ids, timestamps, Local channel sequence numbers,
//! machine-specific strings).

use serde_json::Value;

/// How to normalise before comparing.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    /// `(captured id, id on the system under test)`, applied to captured strings.
    pub ids: Vec<(String, String)>,
    /// Arrays whose length depends on the machine (the sounds installed,
    /// log channels, modules): compare each element's shape with the first
    /// captured element instead of element by element.
    pub lenient_arrays: bool,
}

/// Keys whose string values describe the machine rather than ARI.
const MACHINE_KEYS: &[&str] = &[
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
    walk(expected, actual, norm, "$", "", &mut diffs, false);
    diffs
}

/// Differences in shape only: keys and value types, recursively.
pub fn compare_shape(expected: &Value, actual: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    walk(
        expected,
        actual,
        &Normalizer::default(),
        "$",
        "",
        &mut diffs,
        true,
    );
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
    shape_only: bool,
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
                    walk(ev, av, norm, &format!("{path}.{k}"), k, diffs, shape_only);
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if shape_only || (norm.lenient_arrays && e.len() != a.len()) {
                if e.is_empty() != a.is_empty() {
                    diffs.push(format!(
                        "{path}: {} elements, expected {}",
                        a.len(),
                        e.len()
                    ));
                }
                if let Some(first) = e.first() {
                    for (i, item) in a.iter().enumerate() {
                        walk(first, item, norm, &format!("{path}[{i}]"), key, diffs, true);
                    }
                }
                return;
            }
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
                        walk(ev, &a[*j], norm, path, key, &mut d, false);
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
                            walk(ev, av, norm, &format!("{path}[{i}]"), key, diffs, false);
                            used[j] = true;
                        }
                    }
                }
            }
        }
        (Value::String(e), Value::String(a)) => {
            if shape_only {
                return;
            }
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
            if !shape_only && e != a {
                diffs.push(format!("{path}: {a}, expected {e}"));
            }
        }
        (Value::Bool(e), Value::Bool(a)) => {
            if !shape_only && e != a {
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
            lenient_arrays: false,
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
        assert!(compare_shape(&json!({"a": [1]}), &json!({"a": [2, 3]})).is_empty());
        assert!(!compare_shape(&json!({"a": [1]}), &json!({"a": ["2"]})).is_empty());
        assert_eq!(
            normalize_channel_name("PJSIP/alice-0000001f"),
            "PJSIP/alice-N"
        );
        assert_eq!(normalize_channel_name("cap-ring-1"), "cap-ring-1");
    }
}
