//! Errors: [`FakeError`], of the fake Asterisk's own API, and
//! [`ApiError`], the ARI error answers it serves. `ApiError` lives here,
//! below everything, rather than with the REST responses because the
//! engine returns it too: originate, recording and playback control check
//! their arguments where Asterisk's core does, with its messages.

use std::io;
use std::path::PathBuf;

use serde_json::{json, Value};

/// What can go wrong when starting, controlling or inspecting the fake.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    /// The listening socket could not be bound.
    #[error("cannot bind the fake Asterisk to {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: String,
        /// Why binding failed.
        source: io::Error,
    },
    /// A test control named a channel that does not exist (any more).
    #[error("no channel {0}")]
    NoSuchChannel(String),
    /// An endpoint name is not `Tech/resource`.
    #[error("invalid endpoint name {0:?}: expected Tech/resource, e.g. PJSIP/alice")]
    InvalidEndpoint(String),
    /// A call could not be placed because the dialplan has no such extension.
    #[error("no extension {exten} in context {context}")]
    NoSuchExtension {
        /// The dialplan context searched.
        context: String,
        /// The extension dialled.
        exten: String,
    },
    /// Waiting for something the test expected timed out.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// [`major`](crate::FakeAsteriskBuilder::major) named a major the fake
    /// cannot emulate.
    #[error("cannot emulate Asterisk {0}: the fake emulates majors 13 to 23")]
    UnsupportedMajor(u32),
    /// The api-docs of the major to emulate could not be read.
    #[error(
        "cannot emulate Asterisk {major}: no usable api-docs in {folder} (the fake reads \
         Asterisk's api-docs at run time: point ARI_SPEC_DIR, FakeAsteriskBuilder::spec_dir \
         or --spec-dir at the spec folder, the one holding {major}/resources.json and \
         {major}/api-docs/)"
    )]
    SpecUnavailable {
        /// The major asked for.
        major: u32,
        /// The folder looked in (`<spec folder>/<major>`).
        folder: PathBuf,
        /// Why loading failed.
        source: ari_spec::SpecError,
    },
    /// The fake has been shut down.
    #[error("the fake Asterisk is shut down")]
    Shutdown,
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
