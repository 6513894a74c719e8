//! Captures of real Asterisk traffic (`shared/ari-captures/*.jsonl`):
//! loading them, and comparing bodies and events by value the way the
//! captures replay does ([`compare`], [`events`]).
//!
//! The captures are data outside the repository; they are read from
//! `ARI_CAPTURES_DIR`, or `../shared/ari-captures` beside the workspace.
//!
//! ```no_run
//! let dir = ari_sdk_tests::captures::captures_dir();
//! for capture in ari_sdk_tests::captures::load_dir(&dir).expect("captures") {
//!     println!("{}: {} lines", capture.name, capture.entries.len());
//! }
//! ```

pub mod compare;
pub mod events;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use fake_asterisk::OrderedJson;

/// Why captures could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// What was being read.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not the JSON the captures README describes.
    #[error("{path}:{line}: {message}")]
    Format {
        /// The capture file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// One scenario: a capture file.
#[derive(Debug, Clone)]
pub struct Capture {
    /// File stem, e.g. `channels_play_basic`.
    pub name: String,
    /// Lines in order.
    pub entries: Vec<Entry>,
}

/// One line of a capture.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A websocket frame, as Asterisk sent it.
    Event(Value),
    /// A REST exchange.
    Rest(Box<Exchange>),
}

/// A REST request and Asterisk's response.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// HTTP method.
    pub method: String,
    /// Path, starting with `/ari/`, as sent (percent-encoded).
    pub path: String,
    /// Query parameters in order (repeated names kept).
    pub query: Vec<(String, String)>,
    /// JSON request body, key order kept.
    pub body: Option<OrderedJson>,
    /// Response status code.
    pub status: u16,
    /// Response reason phrase (Asterisk has its own, e.g. `Variable Not Found`).
    pub reason: String,
    /// Response headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// Parsed response body; `Null` when empty.
    pub response: Value,
}

/// Where the captures are: `$ARI_CAPTURES_DIR`, else `../shared/ari-captures`
/// relative to the workspace root.
pub fn captures_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ARI_CAPTURES_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/ari-captures")
}

/// Loads every `*.jsonl` in `dir`, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<Capture>, CaptureError> {
    let io = |source| CaptureError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load_file(p)).collect()
}

/// Loads one capture file.
pub fn load_file(path: &Path) -> Result<Capture, CaptureError> {
    let text = fs::read_to_string(path).map_err(|source| CaptureError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |message: String| CaptureError::Format {
            path: path.to_path_buf(),
            line: index + 1,
            message,
        };
        entries.push(parse_line(line).map_err(fail)?);
    }
    Ok(Capture { name, entries })
}

fn parse_line(line: &str) -> Result<Entry, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    match value.get("kind").and_then(Value::as_str) {
        Some("event") => value
            .get("data")
            .cloned()
            .map(Entry::Event)
            .ok_or_else(|| "event without data".to_string()),
        Some("rest") => {
            let ordered: OrderedJson = serde_json::from_str(line).map_err(|e| e.to_string())?;
            let body = ordered
                .get("request")
                .and_then(|r| r.get("body"))
                .filter(|b| !matches!(b, OrderedJson::Null))
                .cloned();
            let request = value.get("request").ok_or("rest without request")?;
            let response = value.get("response").ok_or("rest without response")?;
            let text =
                |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
            let query = match request.get("query") {
                Some(Value::Object(map)) => {
                    map.iter().map(|(k, v)| (k.clone(), scalar(v))).collect()
                }
                Some(Value::Array(pairs)) => pairs
                    .iter()
                    .filter_map(|pair| {
                        let pair = pair.as_array()?;
                        Some((pair.first()?.as_str()?.to_string(), scalar(pair.get(1)?)))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let headers = response
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.to_ascii_lowercase(), scalar(v)))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Entry::Rest(Box::new(Exchange {
                method: text(request.get("method")),
                path: text(request.get("path")),
                query,
                body,
                status: response
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .ok_or("response without status")?,
                reason: text(response.get("reason")),
                headers,
                response: response.get("body").cloned().unwrap_or(Value::Null),
            })))
        }
        other => Err(format!("unknown kind {other:?}")),
    }
}

/// A query value as it went on the wire.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
