//! ARI responses: status, reason phrase (Asterisk uses its own, such as
//! `404 Variable Not Found`), headers and a JSON or binary body.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

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
    Binary {
        content_type: String,
        bytes: Vec<u8>,
    },
}

/// An ARI error: status, reason phrase and the `{"message": ...}` body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub reason: String,
    pub body: Value,
}

impl ApiError {
    /// `ast_ari_response_error(response, status, reason, message)`.
    pub(crate) fn new(status: u16, reason: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            reason: reason.to_string(),
            body: json!({"message": message.into()}),
        }
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "Bad Request", message)
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(404, "Not Found", message)
    }
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(409, "Conflict", message)
    }
    pub(crate) fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::new(422, "Unprocessable Entity", message)
    }
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        ApiError::new(500, "Internal Server Error", message)
    }
    /// `ast_ari_response_alloc_failed`: Asterisk's catch-all, with `error`
    /// rather than `message` as the key.
    pub(crate) fn alloc_failed() -> Self {
        ApiError {
            status: 500,
            reason: "Internal Server Error".into(),
            body: json!({"error": "Allocation failed"}),
        }
    }
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

    /// Renders the HTTP response with Asterisk's headers.
    pub(crate) fn into_http(self, server: &str) -> Response<Body> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (content_type, body) = match self.body {
            AriBody::Empty => (None, Vec::new()),
            AriBody::Json(value) => (
                Some("application/json".to_string()),
                value.to_string().into_bytes(),
            ),
            AriBody::Binary {
                content_type,
                bytes,
            } => (Some(content_type), bytes),
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let Some(content_type) = content_type {
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache, no-store"),
        );
        if let Ok(value) = HeaderValue::from_str(server) {
            headers.insert(header::SERVER, value);
        }
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        // Asterisk's own reason phrases ("Variable Not Found") go on the status line.
        let canonical = status.canonical_reason().unwrap_or("");
        if self.reason != canonical && !self.reason.is_empty() {
            if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(self.reason.into_bytes()) {
                response.extensions_mut().insert(reason);
            }
        }
        response
    }
}
