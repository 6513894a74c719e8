//! Any ARI request, sent as given and answered verbatim: the escape hatch
//! under the typed API.
//!
//! [`Client::send_raw`] sends a method, an already-encoded path, query pairs
//! and a JSON body, and returns Asterisk's status and body unchanged: an
//! error status is an answer like any other, not an [`Error`]. Only a
//! request that could not be sent or answered (transport failure, timeout,
//! a body over the config's
//! [`max_response_size`](crate::config::ConfigBuilder::max_response_size))
//! is an `Error`.
//!
//! It always goes over HTTP, whatever the config's
//! [`RestTransport`](crate::RestTransport): the `ari-proxy` forwards
//! requests it does not know with it, and a binary body (a recording's
//! file) cannot travel in a websocket `RESTResponse`. For the same reason
//! an outbound websocket session's client, which has no HTTP access,
//! answers it [`Error::HttpUnavailable`].
//!
//! Nothing the typed requests do on the side is done here: no release
//! check, no 404-as-success, and an `applications.subscribe` sent raw is
//! not restored after a reconnection.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::client::{Client, ResponseFuture, MAX_URL_LEN};
use crate::error::Error;
use crate::error_body;
use crate::request::Method;

/// The operation name raw requests carry in errors and spans.
const RAW: &str = "raw";

/// A request for [`Client::send_raw`]: a method, a path below ARI's base
/// URL, query pairs and an optional JSON body.
///
/// ```
/// use ari_sdk::raw::RawRequest;
/// use ari_sdk::request::Method;
///
/// let request = RawRequest::new(Method::Post, "/channels")
///     .query("endpoint", "PJSIP/100")
///     .query("app", "demo")
///     .json_body(serde_json::json!({"variables": {"CALLERID(name)": "Alice"}}));
/// assert_eq!(request.path(), "/channels");
/// assert_eq!(request.query_pairs().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RawRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

impl RawRequest {
    /// A request for `method` on `path`: below the base URL
    /// (`/channels/abc/answer`), starting with `/`, each segment already
    /// percent-encoded by the caller (nothing is encoded here).
    pub fn new(method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds a query parameter (encoded when sent). Parameters are sent in
    /// the order added, repeated names included.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> RawRequest {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn json_body(mut self, body: serde_json::Value) -> RawRequest {
        self.body = Some(body);
        self
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The path below the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters, in order.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The JSON body.
    pub fn body(&self) -> Option<&serde_json::Value> {
        self.body.as_ref()
    }

    /// Why the path cannot be sent as given, if it cannot: it must start
    /// with `/`, and hold no `?` or `#` (the query goes in
    /// [`query`](Self::query)) and no `.` or `..` segment, which URL
    /// normalisation would resolve to a path outside ARI's.
    fn path_problem(&self) -> Option<&'static str> {
        if !self.path.starts_with('/') {
            return Some("must start with `/`");
        }
        if self.path.contains(['?', '#']) {
            return Some("must not contain `?` or `#`");
        }
        let dot_segment = self.path.split('/').any(|segment| {
            let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
            decoded == "." || decoded == ".."
        });
        dot_segment.then_some("must not have a `.` or `..` segment")
    }
}

/// Asterisk's answer to a [`RawRequest`]: the HTTP status and the body as
/// sent.
///
/// ```
/// use ari_sdk::raw::RawResponse;
///
/// let response = RawResponse {
///     status: 404,
///     body: r#"{"message":"Channel not found"}"#.into(),
/// };
/// assert!(!response.is_success());
/// let error: serde_json::Value = response.json()?;
/// assert_eq!(error["message"], "Channel not found");
/// # Ok::<(), ari_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body, verbatim (empty when there was none).
    pub body: Bytes,
}

impl RawResponse {
    /// Whether the status is a success (2xx).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body decoded as JSON of type `T` (whatever the status).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|source| Error::Decode {
            operation: RAW,
            body: error_body::kept(&self.body),
            source,
        })
    }
}

impl Client {
    /// Sends any ARI request over HTTP and returns Asterisk's status and
    /// body verbatim; an error status is not mapped to an [`Error`] (see
    /// [`crate::raw`]).
    ///
    /// ```no_run
    /// use ari_sdk::raw::RawRequest;
    /// use ari_sdk::request::Method;
    ///
    /// # async fn run() -> Result<(), ari_sdk::Error> {
    /// let client = ari_sdk::Client::from_env()?;
    /// let answer = client
    ///     .send_raw(RawRequest::new(Method::Get, "/channels/1700000000.1"))
    ///     .await?;
    /// if answer.is_success() {
    ///     let channel: serde_json::Value = answer.json()?;
    ///     println!("{}", channel["state"]);
    /// } else {
    ///     println!("Asterisk answered {}", answer.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn send_raw(&self, request: RawRequest) -> ResponseFuture<RawResponse> {
        let client = self.clone();
        Box::pin(async move {
            if let Some(problem) = request.path_problem() {
                return Err(Error::InvalidArgument {
                    operation: RAW,
                    parameter: "path",
                    problem,
                });
            }
            let built = client.build_http(
                RAW,
                request.method,
                &request.path,
                &request.query,
                request.body.as_ref(),
            )?;
            if built.url().as_str().len() > MAX_URL_LEN {
                return Err(Error::InvalidArgument {
                    operation: RAW,
                    parameter: "path",
                    problem: "makes the request's URL longer than 65,534 bytes",
                });
            }
            let span = tracing::debug_span!(
                "ari_request",
                operation = RAW,
                method = request.method.as_str(),
                path = %request.path,
                transport = "Http",
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let started = std::time::Instant::now();
            let result = client
                .send_built(RAW, built, true)
                .instrument(span.clone())
                .await;
            span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
            let _entered = span.enter();
            match result {
                Ok((status, body)) => {
                    span.record("status", status);
                    tracing::debug!(status, "ARI raw response");
                    Ok(RawResponse { status, body })
                }
                Err(error) => {
                    tracing::debug!(%error, "ARI raw request failed");
                    Err(error)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_would_leave_their_place_are_refused() {
        let problem = |path: &str| RawRequest::new(Method::Get, path).path_problem();
        assert_eq!(problem("/channels/a%2Fb"), None);
        assert_eq!(problem("/channels/..x"), None);
        assert!(problem("channels").is_some());
        assert!(problem("/channels?x=1").is_some());
        assert!(problem("/channels#x").is_some());
        assert!(problem("/channels/../../httpstatus").is_some());
        assert!(problem("/channels/%2E%2e/x").is_some());
        assert!(problem("/./channels").is_some());
    }
}
