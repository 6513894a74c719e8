//! The SDK's error type.
//!
//! [`Error`] is the one error an application needs: every function of the
//! SDK returns it or an error that converts into it with `?`:
//!
//! - a REST request: [`Error`] itself. An HTTP error status keeps the
//!   operation, the status, the reason the api-docs document for that
//!   status on that operation, Asterisk's own `{"message": ...}` and the raw
//!   body, and classifies itself as an [`HttpErrorKind`] so callers can tell
//!   "not found" from "not in Stasis" without comparing strings;
//! - the event stream: [`StreamError`] (a refused websocket, bad settings,
//!   a malformed frame), which becomes [`Error::Stream`];
//! - a handle's operation or wait:
//!   [`HandleError`](crate::handles::HandleError), a REST error or the
//!   resource having ended, which becomes itself or [`Error::Ended`].
//!
//! ```
//! use ari_sdk::stream::StreamError;
//!
//! fn start() -> Result<(), ari_sdk::Error> {
//!     // A stream error, `?`-converted like any other.
//!     Err(StreamError::NoRuntime)?
//! }
//! let error = start().unwrap_err();
//! assert!(matches!(&error, ari_sdk::Error::Stream(e) if matches!(**e, StreamError::NoRuntime)));
//! ```

use std::fmt;
use std::sync::Arc;

use crate::resource::{HandleEnded, ResourceKind};
use crate::stream::StreamError;

/// Why a request, or setting up a client, failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable (a malformed URL, a missing application).
    #[error("invalid ARI configuration: {0}")]
    Config(String),

    /// An argument can never make a valid request (an empty path id, or one
    /// that is `.` or `..` and would leave its path segment).
    #[error("{operation}: invalid value for parameter `{parameter}`: {problem}")]
    InvalidArgument {
        /// `channels.hangup`.
        operation: &'static str,
        /// The parameter's wire name (`channelId`).
        parameter: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },

    /// The request could not be sent or its response not read (connection
    /// refused, reset, TLS, a body cut short).
    #[error("{operation}: transport error: {source}")]
    Transport {
        /// `channels.originate`.
        operation: &'static str,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },

    /// No complete response within the configured request timeout.
    #[error("{operation}: timed out")]
    Timeout {
        /// `channels.originate`.
        operation: &'static str,
    },

    /// Asterisk answered with an error status.
    #[error("{}", DisplayHttp { status: *status, operation, reason: *reason, message: message.as_deref() })]
    Http {
        /// The HTTP status.
        status: u16,
        /// `channels.hangup`.
        operation: &'static str,
        /// The reason the api-docs give for this status on this operation.
        reason: Option<&'static str>,
        /// What the status means for this operation, as classified from the
        /// status and the documented reason, unless Asterisk's message
        /// contradicts it (a 409 documented as "not in Stasis" whose message
        /// says something else is a plain [`HttpErrorKind::Conflict`]).
        kind: HttpErrorKind,
        /// Asterisk's explanation: the `message` (or `error`) of its JSON
        /// error body, else the first line of the body's text.
        message: Option<String>,
        /// The raw response body (its first 64 KiB).
        body: String,
    },

    /// A response body larger than the config's
    /// [`max_response_size`](crate::config::ConfigBuilder::max_response_size);
    /// the rest of it was not read.
    #[error("{operation}: the response body exceeds {limit} bytes (HTTP {status})")]
    ResponseTooLarge {
        /// `recordings.getStoredFile`.
        operation: &'static str,
        /// The response's status.
        status: u16,
        /// The limit.
        limit: usize,
    },

    /// A success response whose body is not the documented type. The raw body
    /// (its first 64 KiB) is kept so what Asterisk said is not lost.
    #[error("{operation}: cannot decode the response body: {source}")]
    Decode {
        /// `channels.get`.
        operation: &'static str,
        /// The raw response body (lossy UTF-8).
        body: String,
        /// serde_json's description.
        #[source]
        source: serde_json::Error,
    },

    /// The event stream failed: its settings, the websocket upgrade (refused
    /// credentials or request), or outside a tokio runtime. Shared, as the
    /// stream's items hold it
    /// ([`StreamItem::Error`](crate::stream::StreamItem::Error)).
    #[error(transparent)]
    Stream(Arc<StreamError>),

    /// A handle's resource ended before its operation or wait could
    /// complete: the channel hung up, the bridge was destroyed, the
    /// playback failed, ...
    #[error("{kind} {id}: {reason}")]
    Ended {
        /// The kind of the handle's resource.
        kind: ResourceKind,
        /// Its id.
        id: String,
        /// Why it ended.
        reason: HandleEnded,
    },

    /// The operation, or a parameter the request sets, first shipped in a
    /// later release of the major than the server runs; it was not sent
    /// (see [`release_check`](crate::config::ConfigBuilder::release_check)).
    #[error("{operation}{} needs Asterisk {needs}; this server runs {server}", parameter.map(|p| format!(" parameter `{p}`")).unwrap_or_default())]
    NotInRelease {
        /// `events.claimChannel`.
        operation: &'static str,
        /// The parameter, when the operation itself is older (`formats`).
        parameter: Option<&'static str>,
        /// The release that brought it (`22.10.0`).
        needs: &'static str,
        /// The server's release (`22.3.0`).
        server: String,
    },

    /// The request was to go over the event websocket
    /// ([`RestTransport::EventWebsocket`](crate::config::RestTransport)),
    /// which the server's release does not take (REST over the websocket
    /// came in 20.14.0, 21.9.0 and 22.4.0); it was not sent.
    #[error("{operation}: REST over the event websocket needs Asterisk {needs}; this server runs {server}")]
    RestTransportNotInRelease {
        /// `channels.answer`.
        operation: &'static str,
        /// The first release of the server's line that has it (`22.4.0`).
        needs: &'static str,
        /// The server's release (`22.3.0`).
        server: String,
    },

    /// The request was to go over the event websocket, and no websocket
    /// was connected within the request timeout (or the client's event
    /// stream was never connected); it was not sent.
    #[error("{operation}: no event websocket connected within {waited:?} to carry the request; it was not sent")]
    RestWebsocketUnavailable {
        /// `channels.answer`.
        operation: &'static str,
        /// How long it waited (the request timeout).
        waited: std::time::Duration,
    },

    /// The event websocket that carried the request closed before Asterisk
    /// answered: the request may or may not have been carried out.
    #[error("{operation}: the event websocket closed before Asterisk answered; the request may or may not have been carried out")]
    RestWebsocketClosed {
        /// `channels.answer`.
        operation: &'static str,
    },

    /// The client serves a websocket that Asterisk dialled
    /// ([`crate::outbound`]): it has no HTTP access to Asterisk, and this
    /// request cannot travel on the websocket (a recording's file: Asterisk
    /// cannot put a binary answer in a `RESTResponse`). It was not sent.
    #[error("{operation}: an outbound websocket session has no HTTP access to Asterisk, and this request cannot go over the websocket; it was not sent")]
    HttpUnavailable {
        /// `recordings.getStoredFile`.
        operation: &'static str,
    },

    /// A request of a `cluster` client (feature `cluster`) found no node to
    /// answer it, or the node's proxy could not carry it out
    /// ([`Unroutable::Proxy`]: it may have reached Asterisk or not).
    #[error("{operation}: {problem}")]
    Unroutable {
        /// `channels.answer`.
        operation: &'static str,
        /// Why.
        problem: Unroutable,
    },

    /// The server runs another Asterisk major than the module in use.
    #[error("version mismatch: this module is for Asterisk {expected}, the server runs Asterisk {found}")]
    VersionMismatch {
        /// The major of the module (`20` for `ari_sdk::v20`).
        expected: u32,
        /// The server's `system.version` (`21.3.0`).
        found: String,
    },
}

/// Why a `cluster` request found no node to answer it
/// ([`Error::Unroutable`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unroutable {
    /// No node of the cluster is up.
    #[error("no node of the cluster is up")]
    NoNode,
    /// The node the request is for is not up.
    #[error("node {node} is not up")]
    NodeDown {
        /// Its name.
        node: String,
    },
    /// The node's proxy answered that it cannot reach its Asterisk, or
    /// answered nothing the protocol allows.
    #[error("node {node}: {message}")]
    Proxy {
        /// The node's name (empty when not known).
        node: String,
        /// The proxy's message.
        message: String,
    },
    /// Two nodes have a resource of this id (Asterisks without a unique
    /// `systemname` can give two channels one id): which one is meant is
    /// not known; pin the request to a node.
    #[error("{kind} {id} exists on nodes {nodes:?}; pin the request to one")]
    Ambiguous {
        /// `channel`.
        kind: &'static str,
        /// The id.
        id: String,
        /// The nodes that have it.
        nodes: Vec<String>,
    },
    /// A listing over every node lacks the answer of some: it would show
    /// only part of the cluster.
    #[error("only {answered} of {expected} nodes answered the listing")]
    Incomplete {
        /// Nodes that answered.
        answered: usize,
        /// Nodes up when it was sent.
        expected: usize,
    },
}

impl From<StreamError> for Error {
    fn from(error: StreamError) -> Error {
        Error::Stream(Arc::new(error))
    }
}

impl From<Arc<StreamError>> for Error {
    /// A stream item's error ([`StreamItem::Error`](crate::stream::StreamItem::Error)).
    fn from(error: Arc<StreamError>) -> Error {
        Error::Stream(error)
    }
}

struct DisplayHttp<'a> {
    status: u16,
    operation: &'a str,
    reason: Option<&'a str>,
    message: Option<&'a str>,
}

impl fmt::Display for DisplayHttp<'_> {
    // Asterisk's own message when it gave one: the documented reason for a
    // status can be another than what happened (see `Error::Http::kind`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.operation, self.status)?;
        match (self.message, self.reason) {
            (Some(message), _) => write!(f, ": {message}"),
            (None, Some(reason)) => write!(f, " ({reason})"),
            (None, None) => Ok(()),
        }
    }
}

/// What an error status means, classified from the status and the reason the
/// api-docs document for it on the operation that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// 400: a parameter is missing or invalid.
    BadRequest,
    /// 401: wrong ARI username or password.
    Unauthorized,
    /// 403: Asterisk refuses the operation (a file it cannot open, an object it
    /// cannot change).
    Forbidden,
    /// 404: the channel, bridge, recording, ... does not exist.
    NotFound,
    /// 409 (or 422) documented as "not in a Stasis application": the channel
    /// or bridge exists but is not controlled by an ARI application.
    NotInStasis,
    /// 409: the object is in a state that forbids the operation (an id that is
    /// taken, a recording in progress, ...).
    Conflict,
    /// 412: the channel is in a state that forbids the operation.
    PreconditionFailed,
    /// 422: a referenced object (event source, channel in a bridge, format)
    /// does not fit.
    Unprocessable,
    /// 5xx: Asterisk failed.
    ServerError,
    /// Any other status.
    Other,
}

impl HttpErrorKind {
    /// The kind of a status that the api-docs do not document for the operation.
    pub fn from_status(status: u16) -> HttpErrorKind {
        match status {
            400 => HttpErrorKind::BadRequest,
            401 => HttpErrorKind::Unauthorized,
            403 => HttpErrorKind::Forbidden,
            404 => HttpErrorKind::NotFound,
            409 => HttpErrorKind::Conflict,
            412 => HttpErrorKind::PreconditionFailed,
            422 => HttpErrorKind::Unprocessable,
            500..=599 => HttpErrorKind::ServerError,
            _ => HttpErrorKind::Other,
        }
    }
}

impl fmt::Display for HttpErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HttpErrorKind::BadRequest => "bad request",
            HttpErrorKind::Unauthorized => "unauthorized",
            HttpErrorKind::Forbidden => "forbidden",
            HttpErrorKind::NotFound => "not found",
            HttpErrorKind::NotInStasis => "not in a Stasis application",
            HttpErrorKind::Conflict => "conflict",
            HttpErrorKind::PreconditionFailed => "precondition failed",
            HttpErrorKind::Unprocessable => "unprocessable",
            HttpErrorKind::ServerError => "server error",
            HttpErrorKind::Other => "other",
        })
    }
}

impl Error {
    /// The HTTP status, for an error response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The classified kind, for an error response.
    pub fn http_kind(&self) -> Option<HttpErrorKind> {
        match self {
            Error::Http { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Why the resource ended, for [`Error::Ended`].
    pub fn ended(&self) -> Option<&HandleEnded> {
        match self {
            Error::Ended { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// True for a 404: the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True for a 409: the object's state forbids the operation (this
    /// includes [`HttpErrorKind::NotInStasis`] where Asterisk answers 409).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// True when the channel or bridge is not in a Stasis application.
    pub fn is_not_in_stasis(&self) -> bool {
        self.http_kind() == Some(HttpErrorKind::NotInStasis)
    }

    /// Asterisk's `message`, for an error response that has one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Http { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The raw response body, for an error status or an undecodable body.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Http { body, .. } | Error::Decode { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The operation that failed (`channels.originate`), where there is one.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::InvalidArgument { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Timeout { operation }
            | Error::Http { operation, .. }
            | Error::ResponseTooLarge { operation, .. }
            | Error::Decode { operation, .. }
            | Error::NotInRelease { operation, .. }
            | Error::RestTransportNotInRelease { operation, .. }
            | Error::RestWebsocketUnavailable { operation, .. }
            | Error::RestWebsocketClosed { operation }
            | Error::HttpUnavailable { operation }
            | Error::Unroutable { operation, .. } => Some(operation),
            Error::Config(_)
            | Error::VersionMismatch { .. }
            | Error::Stream(_)
            | Error::Ended { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_static<T: Send + Sync + 'static>() {}

    #[test]
    fn error_is_send_sync_static() {
        assert_send_sync_static::<Error>();
    }

    fn decode_error() -> serde_json::Error {
        serde_json::from_str::<u8>("x").unwrap_err()
    }

    #[test]
    fn every_display() {
        assert_eq!(
            Error::Config("missing application".into()).to_string(),
            "invalid ARI configuration: missing application"
        );
        assert_eq!(
            Error::InvalidArgument {
                operation: "channels.hangup",
                parameter: "channelId",
                problem: "must not be `..`",
            }
            .to_string(),
            "channels.hangup: invalid value for parameter `channelId`: must not be `..`"
        );
        assert_eq!(
            Error::Timeout {
                operation: "channels.list"
            }
            .to_string(),
            "channels.list: timed out"
        );
        let full = Error::Http {
            status: 404,
            operation: "channels.hangup",
            reason: Some("Channel not found"),
            kind: HttpErrorKind::NotFound,
            message: Some("Channel not found".into()),
            body: r#"{"message":"Channel not found"}"#.into(),
        };
        assert_eq!(
            full.to_string(),
            "channels.hangup: HTTP 404: Channel not found"
        );
        let unexplained = Error::Http {
            status: 409,
            operation: "channels.answer",
            reason: Some("Channel not in a Stasis application"),
            kind: HttpErrorKind::NotInStasis,
            message: None,
            body: String::new(),
        };
        assert_eq!(
            unexplained.to_string(),
            "channels.answer: HTTP 409 (Channel not in a Stasis application)"
        );
        let bare = Error::Http {
            status: 502,
            operation: "channels.list",
            reason: None,
            kind: HttpErrorKind::ServerError,
            message: None,
            body: String::new(),
        };
        assert_eq!(bare.to_string(), "channels.list: HTTP 502");
        let decode = Error::Decode {
            operation: "channels.get",
            body: "x".into(),
            source: decode_error(),
        };
        assert!(decode
            .to_string()
            .starts_with("channels.get: cannot decode the response body: "));
        assert_eq!(
            Error::VersionMismatch {
                expected: 20,
                found: "21.3.0".into()
            }
            .to_string(),
            "version mismatch: this module is for Asterisk 20, the server runs Asterisk 21.3.0"
        );
        assert_eq!(
            Error::from(StreamError::Refused {
                status: 400,
                message: "HTTP request is missing param: [app]".into()
            })
            .to_string(),
            "Asterisk refused the event stream (HTTP 400): HTTP request is missing param: [app]"
        );
        let ended = Error::Ended {
            kind: ResourceKind::Channel,
            id: "c1".into(),
            reason: HandleEnded::LeftApplication,
        };
        assert_eq!(
            ended.to_string(),
            "channel c1: the channel left the application"
        );
        assert_eq!(ended.ended(), Some(&HandleEnded::LeftApplication));
        assert_eq!(
            Error::RestTransportNotInRelease {
                operation: "channels.answer",
                needs: "22.4.0",
                server: "22.3.0".into()
            }
            .to_string(),
            "channels.answer: REST over the event websocket needs Asterisk 22.4.0; this server runs 22.3.0"
        );
        let closed = Error::RestWebsocketClosed {
            operation: "channels.answer",
        };
        assert_eq!(closed.operation(), Some("channels.answer"));
        assert!(closed
            .to_string()
            .contains("closed before Asterisk answered"));
        assert_eq!(
            Error::RestWebsocketUnavailable {
                operation: "channels.list",
                waited: std::time::Duration::from_secs(2),
            }
            .to_string(),
            "channels.list: no event websocket connected within 2s to carry the request; it was not sent"
        );
        assert_eq!(ended.operation(), None);
    }

    #[test]
    fn kind_display_and_status_mapping() {
        let all = [
            (400, HttpErrorKind::BadRequest, "bad request"),
            (401, HttpErrorKind::Unauthorized, "unauthorized"),
            (403, HttpErrorKind::Forbidden, "forbidden"),
            (404, HttpErrorKind::NotFound, "not found"),
            (409, HttpErrorKind::Conflict, "conflict"),
            (
                412,
                HttpErrorKind::PreconditionFailed,
                "precondition failed",
            ),
            (422, HttpErrorKind::Unprocessable, "unprocessable"),
            (503, HttpErrorKind::ServerError, "server error"),
            (418, HttpErrorKind::Other, "other"),
        ];
        for (status, kind, text) in all {
            assert_eq!(HttpErrorKind::from_status(status), kind);
            assert_eq!(kind.to_string(), text);
        }
        assert_eq!(
            HttpErrorKind::NotInStasis.to_string(),
            "not in a Stasis application"
        );
    }

    #[test]
    fn helpers() {
        let err = Error::Http {
            status: 409,
            operation: "channels.answer",
            reason: Some("Channel not in a Stasis application"),
            kind: HttpErrorKind::NotInStasis,
            message: Some("Channel not in Stasis application".into()),
            body: "{}".into(),
        };
        assert!(err.is_conflict());
        assert!(err.is_not_in_stasis());
        assert!(!err.is_not_found());
        assert_eq!(err.status(), Some(409));
        assert_eq!(err.message(), Some("Channel not in Stasis application"));
        assert_eq!(err.body(), Some("{}"));
        assert_eq!(err.operation(), Some("channels.answer"));
        assert_eq!(Error::Config("x".into()).operation(), None);
        assert_eq!(Error::Config("x".into()).status(), None);
    }
}
