//! A request that failed, as the error response it becomes.

use ari_proxy_protocol::{ErrorClass, Response, NOT_FOUND_TEXT, NOT_IMPLEMENTED_TEXT};
use ari_sdk::HttpErrorKind;

/// Why a request could not be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    class: ErrorClass,
    status: Option<u16>,
    text: String,
    message: Option<String>,
}

impl Failure {
    /// The request is malformed (parameters of its kind missing, an empty
    /// id).
    pub(crate) fn invalid(text: impl Into<String>) -> Failure {
        Failure {
            class: ErrorClass::InvalidRequest,
            status: None,
            text: text.into(),
            message: None,
        }
    }

    /// The kind is not served.
    pub(crate) fn not_implemented() -> Failure {
        Failure {
            class: ErrorClass::NotImplemented,
            status: None,
            text: NOT_IMPLEMENTED_TEXT.into(),
            message: None,
        }
    }

    /// The ARI connection is down.
    pub(crate) fn unavailable() -> Failure {
        Failure {
            class: ErrorClass::Unavailable,
            status: None,
            text: "ARI connection is down".into(),
            message: None,
        }
    }

    /// The error response.
    pub(crate) fn into_response(self) -> Response {
        Response::error(self.class, self.status, self.text, self.message)
    }
}

impl From<ari_sdk::Error> for Failure {
    fn from(error: ari_sdk::Error) -> Failure {
        let status = error.status();
        let class = match (error.http_kind(), &error) {
            (Some(HttpErrorKind::NotFound), _) => ErrorClass::NotFound,
            (Some(HttpErrorKind::BadRequest | HttpErrorKind::Unprocessable), _) => {
                ErrorClass::BadRequest
            }
            (Some(HttpErrorKind::Conflict | HttpErrorKind::NotInStasis), _) => ErrorClass::Conflict,
            (Some(HttpErrorKind::PreconditionFailed), _) => ErrorClass::PreconditionFailed,
            (Some(HttpErrorKind::Unauthorized | HttpErrorKind::Forbidden), _) => {
                ErrorClass::Unauthorized
            }
            (Some(_), _) => ErrorClass::Http,
            (None, ari_sdk::Error::Transport { .. } | ari_sdk::Error::Timeout { .. }) => {
                ErrorClass::Transport
            }
            (None, ari_sdk::Error::InvalidArgument { .. }) => ErrorClass::InvalidRequest,
            (None, _) => ErrorClass::Other,
        };
        // Go's client recognises a missing resource by this exact text.
        let text = if class == ErrorClass::NotFound {
            NOT_FOUND_TEXT.to_string()
        } else {
            error.to_string()
        };
        Failure {
            class,
            status,
            text,
            message: error.message().map(str::to_string),
        }
    }
}
