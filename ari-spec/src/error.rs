//! The one error type of loading a spec.
//!
//! Messages say what failed and where; the underlying error (the OS's, serde's,
//! the HTTP client's) is the [`std::error::Error::source`], not repeated in the
//! message, so that printing the chain shows each once.

use std::path::PathBuf;

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A file or folder could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A document is not JSON, or not the JSON Swagger 1.1 expects.
    #[error("{origin}: malformed api-docs at line {line}, column {column}")]
    Json {
        /// The file or URL.
        origin: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// serde_json's description.
        #[source]
        source: serde_json::Error,
    },
    /// The server could not be reached (refused, DNS, TLS, timeout).
    #[error("cannot reach {url}")]
    Unreachable {
        /// The URL asked for.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The server wants other credentials (ari.conf user and password).
    #[error("{url}: 401 Unauthorized (check the ARI username and password)")]
    Unauthorized {
        /// The URL asked for.
        url: String,
    },
    /// The server answered with a status other than 200.
    #[error("{url}: HTTP {status}")]
    HttpStatus {
        /// The URL asked for.
        url: String,
        /// The status it answered.
        status: u16,
    },
    /// A folder holds no `resources.json` (nor `rest-api/resources.json`).
    #[error("{path} holds no ARI api-docs (no resources.json, nor rest-api/resources.json)")]
    NotASpec {
        /// The folder.
        path: PathBuf,
    },
    /// `releases.tsv` is not as expected.
    #[error("{path}:{line}: {message}")]
    ReleaseTable {
        /// The table's path.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A release or major that the spec folder does not hold.
    #[error("unknown release or major `{0}`")]
    UnknownRelease(String),
}

impl SpecError {
    pub(crate) fn json(origin: impl Into<String>, source: serde_json::Error) -> Self {
        SpecError::Json {
            origin: origin.into(),
            line: source.line(),
            column: source.column(),
            source,
        }
    }
}
