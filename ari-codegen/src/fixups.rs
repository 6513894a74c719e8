//! Every correction of, and every addition to, what the api-docs say, in one
//! place.
//!
//! - [`apply`]: upstream typos whose meaning is plain (`descriptioni`,
//!   `defalutValue`), repaired before generation.
//! - [`body_shape`]: Swagger 1.1 cannot say what a body parameter's JSON looks
//!   like; Asterisk's handlers read `containers` parameters as a key of the body
//!   object (`{"variables": {...}}`) and `object` parameters as the whole body.
//! - [`classify_error`]: what a documented error status means, read from its
//!   status and reason, so callers match on a kind instead of a string.

use ari_spec::swagger::{ApiDeclaration, Parameter};
use ari_spec::Api;

/// Repairs upstream typos in every declaration of `api`.
pub fn apply(api: &mut Api) {
    for resource in &mut api.resources {
        repair_declaration(&mut resource.declaration);
    }
}

fn repair_declaration(declaration: &mut ApiDeclaration) {
    for path in &mut declaration.apis {
        for operation in &mut path.operations {
            for parameter in &mut operation.parameters {
                repair_parameter(parameter);
            }
        }
    }
}

fn repair_parameter(parameter: &mut Parameter) {
    // `descriptioni` (bridges.json, channels.json of several releases).
    if parameter.description.is_none() {
        if let Some(text) = parameter
            .unknown
            .get("descriptioni")
            .and_then(|v| v.as_str())
        {
            parameter.description = Some(text.to_string());
        }
    }
    // `defalutValue`.
    if parameter.default_value.is_none() {
        if let Some(value) = parameter.unknown.get("defalutValue") {
            parameter.default_value = Some(value.clone());
        }
    }
}

/// How a body parameter travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyShape {
    /// `{"variables": {"NAME": "value"}}`: channel, bridge and event variables.
    StringMap,
    /// `{"fields": [{"attribute": ..., "value": ...}]}`: a list of the named
    /// model (`ConfigTuple` for `asterisk.updateObject`).
    ModelList(String),
    /// `{"<name>": <any JSON>}`.
    Keyed,
    /// The parameter is the whole body (`applications.filter`).
    Whole,
}

/// The JSON shape of a body parameter.
pub fn body_shape(parameter: &Parameter, api: &Api) -> BodyShape {
    match (parameter.data_type.as_str(), parameter.name.as_str()) {
        ("containers", "variables") => BodyShape::StringMap,
        ("containers", "fields") if api.model("ConfigTuple").is_some() => {
            BodyShape::ModelList("ConfigTuple".into())
        }
        ("containers", _) => BodyShape::Keyed,
        _ => BodyShape::Whole,
    }
}

/// The `HttpErrorKind` variant (as its name) of a documented error.
///
/// A 409 or 422 whose reason is only "not in a Stasis application" is
/// `NotInStasis`; a reason that lists several causes keeps the status's kind,
/// and Asterisk's `message` tells which one it was.
pub fn classify_error(status: u16, reason: &str) -> &'static str {
    let lower = reason.to_ascii_lowercase();
    let single_cause = !reason.contains(';');
    let stasis = lower.contains("not in a stasis application")
        || lower.contains("not in stasis application");
    match status {
        409 | 422 if single_cause && stasis => "NotInStasis",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        412 => "PreconditionFailed",
        422 => "Unprocessable",
        500..=599 => "ServerError",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_documented_errors() {
        assert_eq!(classify_error(404, "Channel not found"), "NotFound");
        assert_eq!(
            classify_error(409, "Channel not in a Stasis application"),
            "NotInStasis"
        );
        assert_eq!(
            classify_error(422, "Channel not in Stasis application"),
            "NotInStasis"
        );
        assert_eq!(
            classify_error(
                409,
                "Channel is not in a Stasis application; Channel is already bridged"
            ),
            "Conflict"
        );
        assert_eq!(
            classify_error(409, "Channel with given unique ID already exists."),
            "Conflict"
        );
        assert_eq!(
            classify_error(412, "Channel in invalid state"),
            "PreconditionFailed"
        );
        assert_eq!(
            classify_error(422, "Event source not found."),
            "Unprocessable"
        );
        assert_eq!(classify_error(500, "x"), "ServerError");
        assert_eq!(classify_error(302, "x"), "Other");
    }
}
