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
