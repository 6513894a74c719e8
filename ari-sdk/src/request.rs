//! A REST request before it is sent: the plumbing every generated endpoint
//! method builds on.
//!
//! Generated code stays thin: an endpoint method builds a [`Request`] from its
//! [`OperationMeta`] and arguments, and [`crate::Client`] sends it. The same
//! types let an application call an operation the generated API does not
//! know (a newer Asterisk, a module's own resource).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::{Error, HttpErrorKind};

/// An HTTP method ARI uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One error status an operation documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedError {
    /// The status (`404`).
    pub status: u16,
    /// The api-docs' reason (`Channel not found`), or the HTTP reason phrase
    /// (`Conflict`) where the api-docs' reason is a sentence of their prose.
    pub reason: &'static str,
    /// What it means, classified when the code was generated.
    pub kind: HttpErrorKind,
}

/// What the api-docs say about one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationMeta {
    /// `channels.originate`: resource and nickname, for errors and logs.
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path below ARI's base URL, with `{param}` placeholders
    /// (`/channels/{channelId}/play`).
    pub path: &'static str,
    /// The documented error statuses.
    pub errors: &'static [DocumentedError],
    /// The release of each major line that got the operation after the
    /// line's first release, ascending (`["20.20.0", "22.10.0", "23.4.0"]`):
    /// an older server of that line answers it with a bare 404. A line not
    /// listed has it from its first release (or not at all).
    pub since: &'static [&'static str],
    /// The parameters that arrived after the operation, each with its
    /// releases as in [`since`](OperationMeta::since): a request that sets
    /// one is refused by an older server's release the same way.
    pub params_since: &'static [(&'static str, &'static [&'static str])],
}

impl OperationMeta {
    /// The documented error for a status, if any.
    pub fn documented_error(&self, status: u16) -> Option<&'static DocumentedError> {
        self.errors.iter().find(|e| e.status == status)
    }
}

/// Characters escaped in a path segment: everything but RFC 3986's unreserved
/// characters, so `/ ? # %` and friends can never leave their segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Request {
    op: &'static OperationMeta,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<serde_json::Value>,
    invalid: Option<(&'static str, &'static str)>,
    /// A 404 answer counts as success.
    ok_if_gone: bool,
}

impl Request {
    /// A request for `op`, with its path parameters in the order the path
    /// names them, as `(wire name, value)` pairs.
    ///
    /// Each value is percent-encoded into exactly one path segment. A value
    /// that cannot be one (empty, `.` or `..`, which URL normalisation would
    /// resolve) makes the request fail with [`Error::InvalidArgument`] when it
    /// is sent; nothing is sent.
    pub fn new(op: &'static OperationMeta, path_params: &[(&'static str, &str)]) -> Request {
        let mut invalid = None;
        let mut path = String::with_capacity(op.path.len() + 32);
        let mut rest = op.path;
        let mut params = path_params.iter();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            path.push_str(&rest[..open]);
            match params.next() {
                Some((name, value)) => {
                    if let Some(problem) = segment_problem(value) {
                        invalid.get_or_insert((*name, problem));
                    }
                    path.extend(utf8_percent_encode(value, PATH_SEGMENT));
                }
                None => {
                    invalid.get_or_insert(("path", "missing path parameter"));
                }
            }
            rest = &rest[open + close + 1..];
        }
        path.push_str(rest);
        Request {
            op,
            path,
            query: Vec::new(),
            body: None,
            invalid,
            ok_if_gone: false,
        }
    }

    /// Counts a 404 answer (the object is already gone) as success, for a
    /// request without a result that ends its object.
    pub fn ok_if_gone(&mut self) {
        self.ok_if_gone = true;
    }

    /// Whether a 404 answer counts as success.
    pub fn is_ok_if_gone(&self) -> bool {
        self.ok_if_gone
    }

    /// Sets a query parameter (replacing an earlier value of the same name).
    pub fn query(&mut self, name: &'static str, value: String) {
        match self.query.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.query.push((name, value)),
        }
    }

    /// Sets an `allowMultiple` query parameter: the values comma-separated,
    /// as Asterisk reads them.
    pub fn query_list(&mut self, name: &'static str, values: Vec<String>) {
        self.query(name, values.join(","));
    }

    /// Sets a key of the JSON body object (`{"variables": {...}}`).
    pub fn body_field(&mut self, name: &'static str, value: serde_json::Value) {
        match &mut self.body {
            Some(serde_json::Value::Object(map)) => {
                map.insert(name.to_string(), value);
            }
            _ => {
                let mut map = serde_json::Map::new();
                map.insert(name.to_string(), value);
                self.body = Some(serde_json::Value::Object(map));
            }
        }
    }

    /// Sets a key of the JSON body object to `value` serialized. A value
    /// that cannot be serialized makes the request fail when it is sent.
    pub fn body_field_json<T: serde::Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        match serde_json::to_value(value) {
            Ok(json) => self.body_field(name, json),
            Err(_) => {
                self.invalid
                    .get_or_insert((name, "cannot be serialized as JSON"));
            }
        }
    }

    /// Sets the whole JSON body.
    pub fn body(&mut self, value: serde_json::Value) {
        self.body = Some(value);
    }

    /// The operation.
    pub fn operation(&self) -> &'static OperationMeta {
        self.op
    }

    /// The encoded path below ARI's base URL (`/channels/abc/answer`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the request sets the parameter `wire` (in its query or its
    /// JSON body; path parameters are always set).
    pub fn sets(&self, wire: &str) -> bool {
        self.query.iter().any(|(name, _)| *name == wire)
            || matches!(&self.body, Some(serde_json::Value::Object(map)) if map.contains_key(wire))
            || self.op.path.contains(&format!("{{{wire}}}"))
    }

    /// The query parameters.
    pub fn query_pairs(&self) -> &[(&'static str, String)] {
        &self.query
    }

    /// The JSON body.
    pub fn json_body(&self) -> Option<&serde_json::Value> {
        self.body.as_ref()
    }

    /// The wire name of the parameter with the longest value (`path` when
    /// the path is longer than every query value), for an error about the
    /// request's size.
    pub(crate) fn longest_parameter(&self) -> &'static str {
        self.query
            .iter()
            .max_by_key(|(_, value)| value.len())
            .filter(|(_, value)| value.len() > self.path.len())
            .map_or("path", |(name, _)| name)
    }

    /// An argument that makes the request impossible, as the error to report.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match self.invalid {
            Some((parameter, problem)) => Err(Error::InvalidArgument {
                operation: self.op.name,
                parameter,
                problem,
            }),
            None => Ok(()),
        }
    }
}

fn segment_problem(value: &str) -> Option<&'static str> {
    match value {
        "" => Some("must not be empty"),
        "." | ".." => Some("must not be `.` or `..`"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static PLAY: OperationMeta = OperationMeta {
        name: "channels.playWithId",
        method: Method::Post,
        path: "/channels/{channelId}/play/{playbackId}",
        errors: &[DocumentedError {
            status: 404,
            reason: "Channel not found",
            kind: HttpErrorKind::NotFound,
        }],
        since: &[],
        params_since: &[],
    };

    #[test]
    fn fills_and_encodes_path_segments() {
        let req = Request::new(&PLAY, &[("channelId", "a/b?c#d"), ("playbackId", "%2e%2e")]);
        assert_eq!(req.path(), "/channels/a%2Fb%3Fc%23d/play/%252e%252e");
        assert!(req.check().is_ok());
        let req = Request::new(
            &PLAY,
            &[("channelId", "../asterisk/modules"), ("playbackId", "x y")],
        );
        assert_eq!(req.path(), "/channels/..%2Fasterisk%2Fmodules/play/x%20y");
        assert!(req.check().is_ok());
    }

    #[test]
    fn dot_segments_and_empty_ids_are_refused() {
        for bad in ["", ".", ".."] {
            let req = Request::new(&PLAY, &[("channelId", bad), ("playbackId", "p")]);
            let err = req.check().unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidArgument {
                        parameter: "channelId",
                        ..
                    }
                ),
                "{bad:?}: {err}"
            );
        }
        let missing = Request::new(&PLAY, &[("channelId", "c")]);
        assert!(missing.check().is_err());
    }

    #[test]
    fn query_and_body() {
        let mut req = Request::new(&PLAY, &[("channelId", "c"), ("playbackId", "p")]);
        req.query("lang", "en".into());
        req.query("lang", "fr".into());
        req.query_list("media", vec!["sound:a".into(), "digits:12".into()]);
        req.body_field("variables", serde_json::json!({"A": "1"}));
        assert_eq!(
            req.query_pairs(),
            [
                ("lang", "fr".to_string()),
                ("media", "sound:a,digits:12".to_string())
            ]
        );
        assert_eq!(
            req.json_body(),
            Some(&serde_json::json!({"variables": {"A": "1"}}))
        );
        assert_eq!(
            PLAY.documented_error(404).map(|e| e.reason),
            Some("Channel not found")
        );
        assert!(PLAY.documented_error(409).is_none());
    }
}
