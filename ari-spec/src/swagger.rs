//! The raw Swagger 1.1 documents exactly as Asterisk writes them.
//!
//! Every struct keeps the keys it does not know in an `unknown` map instead of
//! dropping them: Asterisk adds keys over time (and has typos such as
//! `descriptioni` and `defalutValue` in its own files), and
//! [`crate::validate()`] reports each one with its place.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod raw;

/// Keys the model does not know, kept verbatim with their values.
pub type UnknownKeys = IndexMap<String, Value>;

/// `resources.json`: the listing of every API declaration of one release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceListing {
    /// ARI's own version (`8.0.0` for Asterisk 20.20.1), not Asterisk's.
    pub api_version: String,
    /// Always `1.1` for ARI.
    pub swagger_version: String,
    /// Where the server that wrote the file thought it lived.
    pub base_path: String,
    /// One entry per API declaration (`/api-docs/channels.{format}`).
    pub apis: Vec<ResourceRef>,
    /// Asterisk's file header keys (`_copyright`, `_author`, `_svn_revision`).
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

/// One entry of the resource listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// `/api-docs/channels.{format}`.
    pub path: String,
    /// Short description of the resource.
    #[serde(default)]
    pub description: Option<String>,
    /// Keys the model does not know.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

impl ResourceRef {
    /// The resource's name: `channels` for `/api-docs/channels.{format}`.
    pub fn name(&self) -> &str {
        let file = self.path.rsplit('/').next().unwrap_or(&self.path);
        file.split('.').next().unwrap_or(file)
    }

    /// The declaration's path relative to the listing, with `{format}` = json:
    /// `api-docs/channels.json`.
    pub fn relative_file(&self) -> String {
        self.path
            .trim_start_matches('/')
            .replace("{format}", "json")
    }
}

/// One API declaration (`api-docs/channels.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDeclaration {
    /// ARI's own version.
    pub api_version: String,
    /// Always `1.1` for ARI.
    pub swagger_version: String,
    /// Where the server that wrote the file thought it lived.
    pub base_path: String,
    /// `/api-docs/channels.{format}`.
    pub resource_path: String,
    /// Releases (one per major line) that introduced the resource, where
    /// Asterisk lists them (newer releases only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Vec<String>>,
    /// Asterisk modules the resource needs (`res_stasis_playback`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_modules: Option<Vec<String>>,
    /// The paths of the resource, each with its operations.
    pub apis: Vec<ApiPath>,
    /// The models the declaration defines, in file order.
    #[serde(default)]
    pub models: IndexMap<String, Model>,
    /// Asterisk's file header keys and anything new.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

/// One path of a resource (`/channels/{channelId}/answer`) and its operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiPath {
    /// The URL path below the base path, with `{param}` placeholders.
    pub path: String,
    /// What lives at this path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The operations (one per HTTP method).
    pub operations: Vec<Operation>,
    /// Keys the model does not know.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation: an HTTP method on a path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// The HTTP method.
    pub http_method: HttpMethod,
    /// Releases (one per major line) that introduced the operation, where
    /// Asterisk lists them (newer releases only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Vec<String>>,
    /// `websocket` on the `/events` upgrade, absent on REST operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<String>,
    /// The websocket subprotocol (`ari`) of the `/events` upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websocket_protocol: Option<String>,
    /// One-line summary.
    pub summary: String,
    /// Longer notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The operation's name, unique in its resource (`originate`).
    pub nickname: String,
    /// The response type: `void`, `binary`, a model or `List[...]`.
    pub response_class: String,
    /// The parameters, in file order.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// The documented error statuses and their reasons.
    #[serde(default)]
    pub error_responses: Vec<ErrorResponse>,
    /// Keys the model does not know.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

impl Operation {
    /// True for the `/events` websocket upgrade, which is not a REST call.
    pub fn is_websocket(&self) -> bool {
        self.upgrade.as_deref() == Some("websocket")
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamType {
    /// A `{name}` segment of the path.
    Path,
    /// A query-string parameter.
    Query,
    /// A key of the JSON request body.
    Body,
}

impl ParamType {
    /// The name Swagger uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Path => "path",
            ParamType::Query => "query",
            ParamType::Body => "body",
        }
    }
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    try_from = "raw::ParameterRepr",
    into = "raw::ParameterRepr",
    rename_all = "camelCase"
)]
pub struct Parameter {
    /// The wire name (`channelId`, `appArgs`).
    pub name: String,
    /// What it means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Path, query or body.
    pub param_type: ParamType,
    /// Absent means not required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Whether several values may be given (sent comma-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_multiple: Option<bool>,
    /// `string`, `int`, `long`, `boolean`, `object`, `containers`, ...
    pub data_type: String,
    /// The server's default when the parameter is omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<serde_json::Value>,
    /// The values or the range the server accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowable_values: Option<AllowableValues>,
    /// Keys the model does not know (Asterisk's `__note`, `descriptioni`,
    /// `defalutValue` among them). Unknown keys inside `allowableValues` are
    /// kept here too, as `allowableValues.KEY`.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

impl Parameter {
    /// `required`, absent meaning false.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }

    /// `allowMultiple`, absent meaning false.
    pub fn is_multiple(&self) -> bool {
        self.allow_multiple.unwrap_or(false)
    }
}

/// `allowableValues` of a parameter or a property.
///
/// Keys other than `valueType` and the variant's own end up in the owner's
/// `unknown` map as `allowableValues.KEY`, so that they are reported rather
/// than dropped; a `valueType` other than `LIST` and `RANGE` is a load error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "valueType")]
pub enum AllowableValues {
    /// One of a list of strings.
    #[serde(rename = "LIST")]
    List {
        /// The values, in file order.
        values: Vec<String>,
    },
    /// A number in a range; either bound may be absent.
    #[serde(rename = "RANGE")]
    Range {
        /// Inclusive lower bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Inclusive upper bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
}

/// One documented error status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The HTTP status, as the file writes it.
    pub code: StatusCode,
    /// Asterisk's reason (`Channel not found`).
    pub reason: String,
    /// Keys the model does not know.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

/// An error response's status. Asterisk writes most as numbers and a few as
/// strings (`"404"`); both load, and [`crate::validate()`] warns on the strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusCode {
    /// `404`
    Number(u16),
    /// `"404"`
    Text(String),
}

impl StatusCode {
    /// The status as a number, if it is one.
    pub fn as_u16(&self) -> Option<u16> {
        match self {
            StatusCode::Number(n) => Some(*n),
            StatusCode::Text(s) => s.trim().parse().ok(),
        }
    }
}

impl std::fmt::Display for StatusCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusCode::Number(n) => write!(f, "{n}"),
            StatusCode::Text(s) => f.write_str(s),
        }
    }
}

/// One model (a JSON object type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// The model's name, the same as its key in `models`.
    pub id: String,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The property that names the concrete subtype (`type` on `Message`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discriminator: Option<String>,
    /// The models that extend this one (`Event`'s subtypes are the events).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_types: Vec<String>,
    /// The parent model, where a declaration names it this way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// The properties, in file order.
    #[serde(default)]
    pub properties: IndexMap<String, Property>,
    /// Keys the model does not know.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

/// One property of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "raw::PropertyRepr", into = "raw::PropertyRepr")]
pub struct Property {
    /// `string`, `int`, `Date`, a model, `List[...]`, `object`, ...
    #[serde(rename = "type")]
    pub data_type: String,
    /// Absent means not required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// What it means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The values the server sends.
    #[serde(
        default,
        rename = "allowableValues",
        skip_serializing_if = "Option::is_none"
    )]
    pub allowable_values: Option<AllowableValues>,
    /// Keys the model does not know; unknown keys inside `allowableValues` are
    /// kept here too, as `allowableValues.KEY`.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

impl Property {
    /// `required`, absent meaning false.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }
}

/// The prefix under which an owner's `unknown` map keeps the unknown keys of
/// its `allowableValues` (`allowableValues.descriptions`).
pub const ALLOWABLE_VALUES_KEY_PREFIX: &str = "allowableValues.";

/// The header keys Asterisk puts on every file; known, not reported.
pub const FILE_HEADER_KEYS: &[&str] = &["_copyright", "_author", "_svn_revision"];
