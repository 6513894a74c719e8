//! Verbatim REST and the event sequence headers: the two additions an
//! application needs to reach every operation of every Asterisk release
//! through a proxy, and to count exactly what it missed.

use serde::{Deserialize, Serialize};

/// The NATS header naming the proxy process that published an event: its
/// [`Announcement::instance`](crate::Announcement::instance).
pub const INSTANCE_HEADER: &str = "Ari-Proxy-Instance";

/// The NATS header numbering the events a proxy process published for one
/// application: 1 for the first, then one more for each next. Events the
/// proxy lost before publishing still take their numbers, so a receiver
/// counts every gap as `seq - last_seq - 1`.
pub const SEQUENCE_HEADER: &str = "Ari-Proxy-Seq";

/// An ARI request sent verbatim to a node's Asterisk: the `ari_rest` field
/// of an `AriRest` [`Request`](crate::Request).
///
/// ```
/// use ari_proxy_protocol::AriRest;
///
/// let mut rest = AriRest::new("POST", "/channels");
/// rest.query.push(("endpoint".into(), "PJSIP/100".into()));
/// rest.body = Some(serde_json::json!({"variables": {"A": "1"}}));
/// assert_eq!(
///     serde_json::to_string(&rest)?,
///     r#"{"method":"POST","path":"/channels","query":[["endpoint","PJSIP/100"]],"body":{"variables":{"A":"1"}}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AriRest {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The path below ARI's base URL, percent-encoded, starting with `/`
    /// (`/channels/c1/answer`).
    pub path: String,
    /// The query parameters, in order (JSON: an array of pairs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// The JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl AriRest {
    /// A request for `method` on `path`, without query or body.
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> AriRest {
        AriRest {
            method: method.into(),
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds a query parameter (kept in order, repeated names included).
    ///
    /// ```
    /// use ari_proxy_protocol::AriRest;
    ///
    /// let rest = AriRest::new("GET", "/channels/c1/variable").with_query("variable", "CALLERID(num)");
    /// assert_eq!(rest.query, [("variable".to_string(), "CALLERID(num)".to_string())]);
    /// ```
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> AriRest {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn with_body(mut self, body: serde_json::Value) -> AriRest {
        self.body = Some(body);
        self
    }
}

/// Asterisk's answer to an [`AriRest`] request: the `ari_rest` field of the
/// [`Response`](crate::Response). An HTTP error status is an answer like
/// any other, not a protocol error: the application reads it as it would
/// read Asterisk's own.
///
/// ```
/// use ari_proxy_protocol::AriRestAnswer;
///
/// let answer: AriRestAnswer =
///     serde_json::from_str(r#"{"status":404,"body":"{\"message\":\"Channel not found\"}"}"#)?;
/// assert_eq!(answer.status, 404);
/// assert_eq!(answer.body_bytes().as_deref(), Some(&br#"{"message":"Channel not found"}"#[..]));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AriRestAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body as Asterisk sent it, when it is UTF-8 (empty when none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// The body in standard base64, when it is not UTF-8 (a recording's
    /// file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
}

impl AriRestAnswer {
    /// An answer with a UTF-8 `body`.
    pub fn new(status: u16, body: impl Into<String>) -> AriRestAnswer {
        AriRestAnswer {
            status,
            body: body.into(),
            body_base64: None,
        }
    }

    /// The body's bytes; `None` when `body_base64` is not valid base64.
    pub fn body_bytes(&self) -> Option<Vec<u8>> {
        use base64::Engine as _;
        match &self.body_base64 {
            Some(encoded) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok(),
            None => Some(self.body.as_bytes().to_vec()),
        }
    }

    /// An answer for `body` bytes: verbatim when UTF-8, base64 otherwise.
    pub fn from_bytes(status: u16, body: &[u8]) -> AriRestAnswer {
        use base64::Engine as _;
        match std::str::from_utf8(body) {
            Ok(text) => AriRestAnswer::new(status, text),
            Err(_) => AriRestAnswer {
                status,
                body: String::new(),
                body_base64: Some(base64::engine::general_purpose::STANDARD.encode(body)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Key, Request, RequestKind, Response};

    #[test]
    fn a_request_is_exactly_this_json_and_back() {
        let request = Request::ari_rest(
            AriRest::new("POST", "/channels")
                .with_query("endpoint", "PJSIP/100")
                .with_query("app", "demo")
                .with_body(serde_json::json!({"variables": {"A": "1"}})),
            Key::node("demo", "pbx-1"),
        );
        let json = r#"{"kind":"AriRest","key":{"node":"pbx-1","app":"demo"},"ari_rest":{"method":"POST","path":"/channels","query":[["endpoint","PJSIP/100"],["app","demo"]],"body":{"variables":{"A":"1"}}}}"#;
        let written = serde_json::to_value(&request).unwrap();
        assert_eq!(
            written,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        let back: Request = serde_json::from_str(json).unwrap();
        assert_eq!(back, request);
        assert_eq!(back.kind, RequestKind::AriRest);

        // Without query and body, neither is written; both read as empty.
        let bare = AriRest::new("GET", "/channels/c1");
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            r#"{"method":"GET","path":"/channels/c1"}"#
        );
        let read: AriRest =
            serde_json::from_str(r#"{"method":"GET","path":"/channels/c1"}"#).unwrap();
        assert_eq!(read, bare);
    }

    #[test]
    fn a_response_is_exactly_this_json_and_back() {
        let response = Response::with_ari_rest(AriRestAnswer::new(200, r#"{"id":"c1"}"#));
        let json = r#"{"error":"","ari_rest":{"status":200,"body":"{\"id\":\"c1\"}"}}"#;
        assert_eq!(serde_json::to_string(&response).unwrap(), json);
        let back: Response = serde_json::from_str(json).unwrap();
        assert_eq!(back, response);
        // An HTTP error status is an answer, not a protocol error.
        let missing: Response = serde_json::from_str(
            r#"{"error":"","ari_rest":{"status":404,"body":"{\"message\":\"Channel not found\"}"}}"#,
        )
        .unwrap();
        let answer = missing.result().unwrap().ari_rest.clone().unwrap();
        assert_eq!(answer.status, 404);

        let binary = Response::with_ari_rest(AriRestAnswer::from_bytes(200, &[0xff, 0x00]));
        assert_eq!(
            serde_json::to_string(&binary).unwrap(),
            r#"{"error":"","ari_rest":{"status":200,"body_base64":"/wA="}}"#
        );
    }

    #[test]
    fn ari_rest_travels_as_a_command_but_any_class_serves_it() {
        assert_eq!(RequestKind::AriRest.class(), crate::RequestClass::Command);
        assert_eq!(RequestKind::from_wire("AriRest"), RequestKind::AriRest);
    }

    #[test]
    fn a_binary_body_round_trips_through_base64() {
        let body = [0u8, 159, 146, 150, 1];
        let answer = AriRestAnswer::from_bytes(200, &body);
        assert!(answer.body.is_empty());
        let json = serde_json::to_string(&answer).unwrap();
        let back: AriRestAnswer = serde_json::from_str(&json).unwrap();
        assert_eq!(back.body_bytes().unwrap(), body);
    }

    #[test]
    fn an_empty_answer_is_just_its_status() {
        let answer = AriRestAnswer::from_bytes(204, b"");
        assert_eq!(serde_json::to_string(&answer).unwrap(), r#"{"status":204}"#);
    }
}
