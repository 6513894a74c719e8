//! Every correction of, and every addition to, what the api-docs say, in one
//! place.
//!
//! - [`apply`]: upstream typos whose meaning is plain (`defalutValue`),
//!   repaired before generation, and [`UPSTREAM_BUGS`]:
//!   what the api-docs say that Asterisk does not do, corrected from
//!   Asterisk's source. Each bug checks that the api-docs still have it, and
//!   generation fails once they do not (the fix is then to be removed or
//!   narrowed), so no correction outlives the error it corrects.
//! - [`body_shape`]: Swagger 1.1 cannot say what a body parameter's JSON looks
//!   like; Asterisk's handlers read `containers` parameters as a key of the body
//!   object (`{"variables": {...}}`) and `object` parameters as the whole body.
//! - [`classify_error`]: what a documented error status means, read from its
//!   status and reason, so callers match on a kind instead of a string.

use ari_spec::swagger::{AllowableValues, ApiDeclaration, Parameter};
use ari_spec::Api;

use crate::CodegenError;

/// Repairs upstream typos in every declaration of `api`, then corrects the
/// [`UPSTREAM_BUGS`].
pub fn apply(api: &mut Api) -> Result<(), CodegenError> {
    for resource in &mut api.resources {
        repair_declaration(&mut resource.declaration);
    }
    for bug in UPSTREAM_BUGS {
        (bug.fix)(api).map_err(|problem| CodegenError::StaleFixup {
            fixup: bug.name,
            problem,
        })?;
    }
    Ok(())
}

/// An error of the api-docs, and its correction.
pub struct UpstreamBug {
    /// A short name, for errors.
    pub name: &'static str,
    /// Where Asterisk's source shows what it really does.
    pub truth: &'static str,
    /// Corrects `api`; `Err` when the api-docs no longer have the error.
    fix: fn(&mut Api) -> Result<(), String>,
}

/// Every correction of what Asterisk's api-docs claim, with where its source
/// shows the truth.
pub const UPSTREAM_BUGS: &[UpstreamBug] = &[
    UpstreamBug {
        name: "mute-direction-required",
        truth: "res/ari/resource_channels.c, ast_ari_channels_mute and \
                ast_ari_channels_unmute: an empty direction is answered 400 \
                \"Direction is required\"; the generated glue \
                (res/res_ari_channels.c) applies no default",
        fix: mute_direction_required,
    },
    UpstreamBug {
        name: "playback-state-paused",
        truth: "res/res_stasis_playback.c, state_to_string: a paused playback \
                reports \"paused\"",
        fix: playback_state_paused,
    },
];

/// `channels.mute`/`unmute`: `direction` is documented as optional with the
/// default `both`, but Asterisk refuses a request without it.
fn mute_direction_required(api: &mut Api) -> Result<(), String> {
    for resource in api.resources.iter_mut().filter(|r| r.name == "channels") {
        for path in &mut resource.declaration.apis {
            for operation in &mut path.operations {
                if !matches!(operation.nickname.as_str(), "mute" | "unmute") {
                    continue;
                }
                let nickname = operation.nickname.clone();
                let direction = operation
                    .parameters
                    .iter_mut()
                    .find(|p| p.name == "direction")
                    .ok_or_else(|| format!("channels.{nickname} has no `direction`"))?;
                let documented_default = direction.default_value.as_ref().and_then(|v| v.as_str());
                if direction.is_required() || documented_default != Some("both") {
                    return Err(format!(
                        "channels.{nickname}'s `direction` is no longer optional with the \
                         default `both`"
                    ));
                }
                direction.required = Some(true);
                direction.default_value = None;
            }
        }
    }
    Ok(())
}

/// `Playback.state`: the documented values lack `paused`, which Asterisk
/// reports for a paused playback.
fn playback_state_paused(api: &mut Api) -> Result<(), String> {
    // The merged models are what generation reads; the declarations' own
    // copies are kept in step.
    let merged = api.models.get_mut("Playback").into_iter();
    let declared = api
        .resources
        .iter_mut()
        .filter_map(|resource| resource.declaration.models.get_mut("Playback"));
    for playback in merged.chain(declared) {
        let state = playback
            .properties
            .get_mut("state")
            .ok_or("Playback has no `state`")?;
        let Some(AllowableValues::List { values }) = &mut state.allowable_values else {
            return Err("Playback.state no longer lists its values".into());
        };
        if values.iter().any(|v| v == "paused") {
            return Err("Playback.state now lists `paused`".into());
        }
        let after_playing = values
            .iter()
            .position(|v| v == "playing")
            .map_or(values.len(), |i| i + 1);
        values.insert(after_playing, "paused".to_string());
    }
    Ok(())
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
    // (The typo `descriptioni` needs no repair: descriptions are not read.)
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
