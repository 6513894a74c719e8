//! Request parameters the way Asterisk's generated `res_ari_*.c` reads
//! them: query string and form body merged (the last occurrence wins), then
//! top-level fields of a JSON body on top, path variables by name.

use std::collections::HashMap;

use serde_json::Value;

/// A parsed ARI request.
#[derive(Debug)]
pub(crate) struct AriRequest {
    /// Path variables (`channelId`, ...), percent-decoded.
    pub path: HashMap<&'static str, String>,
    /// Query and form parameters in order.
    pub params: Vec<(String, String)>,
    /// The JSON body, when one was sent.
    pub body: Option<Value>,
    /// The body's `variables` object in the order it was sent (Asterisk
    /// applies them in that order, which decides the order of events).
    pub ordered_variables: Option<Vec<(String, Value)>>,
    /// With a major emulated, the parameters its api-docs mark
    /// `allowMultiple`: only those are split on commas (Asterisk 13's
    /// `play` takes `media=a,b` as one URI). `None`: every list is split.
    pub lists: Option<Vec<String>>,
}

/// Just the `variables` of a JSON body, keeping their order.
#[derive(serde::Deserialize)]
struct OrderedVariables {
    variables: Option<indexmap::IndexMap<String, Value>>,
}

/// Reads the `variables` object of a raw JSON body in order.
pub(crate) fn ordered_variables(raw: &[u8]) -> Option<Vec<(String, Value)>> {
    let parsed: OrderedVariables = serde_json::from_slice(raw).ok()?;
    parsed.variables.map(|vars| vars.into_iter().collect())
}

/// `ast_uri_decode` with the `ast_uri_http_legacy` flavour, which res_ari
/// applies to each path segment and Asterisk's HTTP server to each query
/// and form value: `+` is a space, `%XX` the byte `XX` (so `%2B` is a
/// literal `+`). A `%` not followed by two hex digits stays as it is (the
/// `sscanf` Asterisk uses reads a few malformed forms its own way).
pub(crate) fn uri_decode_legacy(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'+', _, _) => out.push(b' '),
            (b'%', Some(high), Some(low)) => {
                // Two hex digits make at most 0xff.
                out.push((high * 16 + low) as u8);
                i += 2;
            }
            (byte, _, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `ast_true`.
pub(crate) fn ast_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "y" | "t" | "1" | "on"
    )
}

/// `atoi`: leading whitespace, sign, digits; anything else stops it.
pub(crate) fn atoi(value: &str) -> i64 {
    let value = value.trim_start();
    let (sign, digits) = match value.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, value.strip_prefix('+').unwrap_or(value)),
    };
    let digits: String = digits
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .take(18)
        .collect();
    digits.parse::<i64>().map(|n| sign * n).unwrap_or(0)
}

impl AriRequest {
    /// A path variable; the router guarantees the ones a route declares.
    pub(crate) fn path(&self, name: &str) -> &str {
        self.path.get(name).map(String::as_str).unwrap_or("")
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn body_field(&self, name: &str) -> Option<&Value> {
        self.body.as_ref()?.as_object()?.get(name)
    }

    /// A string parameter. A JSON body field wins; a non-string JSON value
    /// reads as unset, as `ast_json_string_get` does.
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        if let Some(field) = self.body_field(name) {
            return field.as_str().map(str::to_string);
        }
        self.query(name).map(str::to_string)
    }

    /// An integer parameter (`atoi` for query values; 0 when absent).
    pub(crate) fn int(&self, name: &str) -> i64 {
        if let Some(field) = self.body_field(name) {
            return field.as_i64().unwrap_or(0);
        }
        self.query(name).map(atoi).unwrap_or(0)
    }

    /// A boolean parameter (`ast_true` for query values).
    pub(crate) fn boolean(&self, name: &str) -> bool {
        if let Some(field) = self.body_field(name) {
            return field.as_bool().unwrap_or(false);
        }
        self.query(name).map(ast_true).unwrap_or(false)
    }

    /// An `allowMultiple` parameter: a comma-separated query value (the last
    /// occurrence), or a JSON array / string.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        let single = self
            .lists
            .as_ref()
            .is_some_and(|lists| !lists.iter().any(|l| l == name));
        if single {
            // One value, as `ast_json_string_get` or the query string has it.
            return self.string(name).into_iter().collect();
        }
        if let Some(field) = self.body_field(name) {
            return match field {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            };
        }
        match self.query(name) {
            Some(value) => value.split(',').map(|s| s.trim().to_string()).collect(),
            None => Vec::new(),
        }
    }

    /// A body field, if any.
    pub(crate) fn body_object(&self, name: &str) -> Option<&Value> {
        self.body_field(name)
    }

    /// The body's `variables` as ordered pairs, if it is an object.
    pub(crate) fn variables(&self) -> Option<Vec<(String, Value)>> {
        if let Some(ordered) = &self.ordered_variables {
            return Some(ordered.clone());
        }
        self.body_field("variables")?
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(params: &[(&str, &str)], body: Option<Value>) -> AriRequest {
        AriRequest {
            path: HashMap::new(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body,
            ordered_variables: None,
            lists: None,
        }
    }

    #[test]
    fn last_query_value_wins_and_body_overrides() {
        let r = req(
            &[("media", "a"), ("media", "b,c")],
            Some(json!({"app": "x", "timeout": 5})),
        );
        assert_eq!(r.list("media"), vec!["b", "c"]);
        assert_eq!(r.string("app").as_deref(), Some("x"));
        assert_eq!(r.int("timeout"), 5);
        let r = req(
            &[("timeout", "12abc"), ("beep", "yes")],
            Some(json!({"endpoint": 3})),
        );
        assert_eq!(r.int("timeout"), 12);
        assert!(r.boolean("beep"));
        assert_eq!(r.string("endpoint"), None);
        assert_eq!(atoi("-7"), -7);
        assert_eq!(atoi("x"), 0);
    }

    #[test]
    fn an_emulated_single_value_is_not_split() {
        let mut r = req(&[("media", "sound:a,sound:b")], None);
        r.lists = Some(vec!["other".into()]);
        assert_eq!(r.list("media"), vec!["sound:a,sound:b"]);
        r.lists = Some(vec!["media".into()]);
        assert_eq!(r.list("media"), vec!["sound:a", "sound:b"]);
    }

    #[test]
    fn legacy_decoding_reads_plus_as_space() {
        assert_eq!(uri_decode_legacy("peer+evt"), "peer evt");
        assert_eq!(uri_decode_legacy("a%2Bb%20c"), "a+b c");
        assert_eq!(uri_decode_legacy("%E2%98%83%"), "\u{2603}%");
        assert_eq!(uri_decode_legacy("%4z%"), "%4z%");
    }
}
