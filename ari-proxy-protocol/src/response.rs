//! A proxy's answer to a request, and the typed error it may carry.

use serde::{Deserialize, Serialize};

use crate::key::Key;

/// A resource's data: Asterisk's JSON of it as the node's release wrote it,
/// plus the resource's cluster [`Key`] (as Go's entity structs encode
/// them).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Entity {
    /// Where the resource lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Key>,
    /// Asterisk's fields (`id`, `name`, `state`, ...).
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl Entity {
    /// An entity from Asterisk's JSON of a resource (an object; anything
    /// else is kept under `value`) and its key.
    pub fn from_asterisk(json: serde_json::Value, key: Key) -> Entity {
        let fields = match json {
            serde_json::Value::Object(map) => map,
            other => {
                let mut map = serde_json::Map::new();
                map.insert("value".into(), other);
                map
            }
        };
        Entity {
            key: Some(key),
            fields,
        }
    }

    /// A string field (`id`, `state`, ...).
    pub fn str(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(serde_json::Value::as_str)
    }
}

/// The data of a `data` response: one field set, named for the resource's
/// kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntityData {
    /// An application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Entity>,
    /// `/asterisk/info`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asterisk: Option<Entity>,
    /// A bridge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge: Option<Entity>,
    /// A channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Entity>,
    /// A configuration object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Entity>,
    /// A device state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_state: Option<Entity>,
    /// An endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Entity>,
    /// A live recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_recording: Option<Entity>,
    /// A logging channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<Entity>,
    /// A mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<Entity>,
    /// A module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<Entity>,
    /// A playback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playback: Option<Entity>,
    /// A sound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<Entity>,
    /// A stored recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_recording: Option<Entity>,
    /// A text message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_message: Option<Entity>,
    /// A variable's value (global or channel).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variable: String,
}

impl EntityData {
    /// Data holding one channel.
    pub fn channel(entity: Entity) -> EntityData {
        EntityData {
            channel: Some(entity),
            ..EntityData::default()
        }
    }

    /// Data holding one variable's value.
    pub fn variable(value: impl Into<String>) -> EntityData {
        EntityData {
            variable: value.into(),
            ..EntityData::default()
        }
    }

    /// A mutable slot for the field named `name` (`channel`, `bridge`, ...).
    pub fn slot_mut(&mut self, name: &str) -> Option<&mut Option<Entity>> {
        Some(match name {
            "application" => &mut self.application,
            "asterisk" => &mut self.asterisk,
            "bridge" => &mut self.bridge,
            "channel" => &mut self.channel,
            "config" => &mut self.config,
            "device_state" => &mut self.device_state,
            "endpoint" => &mut self.endpoint,
            "live_recording" => &mut self.live_recording,
            "log" => &mut self.log,
            "mailbox" => &mut self.mailbox,
            "module" => &mut self.module,
            "playback" => &mut self.playback,
            "sound" => &mut self.sound,
            "stored_recording" => &mut self.stored_recording,
            "text_message" => &mut self.text_message,
            _ => return None,
        })
    }
}

/// What went wrong, in classes an application can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The resource does not exist on the node (HTTP 404).
    NotFound,
    /// Asterisk refused the request's parameters (HTTP 400).
    BadRequest,
    /// The channel is not in a Stasis application (HTTP 409 on channels).
    Conflict,
    /// A precondition failed (HTTP 412), such as a channel not answered.
    PreconditionFailed,
    /// Asterisk rejected the proxy's credentials (HTTP 401/403).
    Unauthorized,
    /// Any other HTTP error status.
    Http,
    /// The proxy's ARI connection is down.
    Unavailable,
    /// The request kind is not served.
    NotImplemented,
    /// The request is malformed: not JSON, or parameters of its kind
    /// missing.
    InvalidRequest,
    /// Asterisk did not answer in time, or the connection failed.
    Transport,
    /// Anything else.
    Other,
}

/// The typed part of an error response (an extension of the Go protocol:
/// Go clients read only `error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The class.
    pub class: ErrorClass,
    /// The HTTP status Asterisk answered, when it answered one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What Asterisk said (its `message`), when it said something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A failed request, as an application sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProxyError {
    /// The class.
    pub class: ErrorClass,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    /// The `error` string of the response.
    pub message: String,
}

impl ProxyError {
    /// Whether the resource was not found.
    pub fn is_not_found(&self) -> bool {
        self.class == ErrorClass::NotFound
    }
}

/// A response: `error` empty on success, and then `data`, `key` or `keys`
/// as the request's class gives.
///
/// ```
/// use ari_proxy_protocol::{ErrorClass, Response};
///
/// // As the Go proxy writes a failure: only the string.
/// let go: Response = serde_json::from_str(r#"{"error":"Not found"}"#)?;
/// assert_eq!(go.result().unwrap_err().class, ErrorClass::NotFound);
/// // As this proxy writes it: the same string and the details.
/// let ours = Response::error(ErrorClass::NotFound, Some(404), "Not found", Some("Channel not found".into()));
/// let back: Response = serde_json::from_str(&serde_json::to_string(&ours)?)?;
/// assert_eq!(back.result().unwrap_err().status, Some(404));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Response {
    /// The error, empty on success (always written, as Go does).
    #[serde(default)]
    pub error: String,
    /// Typed details of the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_detail: Option<ErrorDetail>,
    /// A `data` request's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<EntityData>,
    /// A `get` or `create` request's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Key>,
    /// A list request's keys (Go leaves an empty list out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<Key>,
    /// An `AriRest` request's answer (an addition: see
    /// [`AriRestAnswer`](crate::AriRestAnswer)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ari_rest: Option<crate::AriRestAnswer>,
}

/// The `error` string of a 404, which Go's `Response.IsNotFound` looks for.
pub const NOT_FOUND_TEXT: &str = "Not found";

/// The `error` string of an unserved kind, as the Go proxy writes it.
pub const NOT_IMPLEMENTED_TEXT: &str = "Not implemented";

impl Response {
    /// A success without a result (a command's answer).
    pub fn ok() -> Response {
        Response::default()
    }

    /// A success carrying `key`.
    pub fn with_key(key: Key) -> Response {
        Response {
            key: Some(key),
            ..Response::default()
        }
    }

    /// A success carrying `keys`.
    pub fn with_keys(keys: Vec<Key>) -> Response {
        Response {
            keys,
            ..Response::default()
        }
    }

    /// A success carrying `data`.
    pub fn with_data(data: EntityData) -> Response {
        Response {
            data: Some(data),
            ..Response::default()
        }
    }

    /// A success carrying an `AriRest` answer (whatever its HTTP status).
    ///
    /// ```
    /// use ari_proxy_protocol::{AriRestAnswer, Response};
    ///
    /// let response = Response::with_ari_rest(AriRestAnswer::new(404, r#"{"message":"Channel not found"}"#));
    /// assert_eq!(
    ///     serde_json::to_string(&response)?,
    ///     r#"{"error":"","ari_rest":{"status":404,"body":"{\"message\":\"Channel not found\"}"}}"#
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn with_ari_rest(answer: crate::AriRestAnswer) -> Response {
        Response {
            ari_rest: Some(answer),
            ..Response::default()
        }
    }

    /// A failure.
    pub fn error(
        class: ErrorClass,
        status: Option<u16>,
        text: impl Into<String>,
        message: Option<String>,
    ) -> Response {
        Response {
            error: text.into(),
            error_detail: Some(ErrorDetail {
                class,
                status,
                message,
            }),
            ..Response::default()
        }
    }

    /// Whether the response is a failure.
    pub fn is_error(&self) -> bool {
        !self.error.is_empty()
    }

    /// The response as a result: itself on success, its typed error
    /// otherwise. A Go proxy's error, which has only the string, is
    /// classified from it (`Not found`, `Not implemented`, else
    /// [`ErrorClass::Other`]).
    pub fn result(&self) -> Result<&Response, ProxyError> {
        if self.error.is_empty() {
            return Ok(self);
        }
        let (class, status) = match &self.error_detail {
            Some(detail) => (detail.class, detail.status),
            None => (
                match self.error.as_str() {
                    NOT_FOUND_TEXT => ErrorClass::NotFound,
                    NOT_IMPLEMENTED_TEXT => ErrorClass::NotImplemented,
                    _ => ErrorClass::Other,
                },
                None,
            ),
        };
        Err(ProxyError {
            class,
            status,
            message: self.error.clone(),
        })
    }
}
