//! What a REST handler answers: status, reason phrase (Asterisk uses its
//! own, such as `404 Variable Not Found`), headers and a JSON or binary
//! body. `http::response` writes it on the wire.

use serde_json::Value;

use crate::error::ApiError;

/// What a handler answers.
#[derive(Debug)]
pub(crate) struct AriResponse {
    pub status: u16,
    pub reason: String,
    pub body: AriBody,
    pub headers: Vec<(&'static str, String)>,
}

/// The body of an answer.
#[derive(Debug)]
pub(crate) enum AriBody {
    Empty,
    Json(Value),
    /// JSON written as it is, keys in the order the document has them.
    JsonText(String),
    Binary {
        content_type: String,
        bytes: Vec<u8>,
    },
}

impl From<ApiError> for AriResponse {
    fn from(err: ApiError) -> Self {
        AriResponse {
            status: err.status,
            reason: err.reason,
            body: AriBody::Json(err.body),
            headers: Vec::new(),
        }
    }
}

impl AriResponse {
    pub(crate) fn ok(body: Value) -> Self {
        AriResponse {
            status: 200,
            reason: "OK".into(),
            body: AriBody::Json(body),
            headers: Vec::new(),
        }
    }
    pub(crate) fn no_content() -> Self {
        AriResponse {
            status: 204,
            reason: "No Content".into(),
            body: AriBody::Empty,
            headers: Vec::new(),
        }
    }
    /// 201 with `Location: /ari<path>`.
    pub(crate) fn created(path: &str, body: Value) -> Self {
        AriResponse {
            status: 201,
            reason: "Created".into(),
            body: AriBody::Json(body),
            headers: vec![("location", format!("/ari{path}"))],
        }
    }
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}
