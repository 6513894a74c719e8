//! REST operations, one module per ARI resource, with the lookups and
//! checks Asterisk's `resource_*.c` share.

pub(crate) mod applications;
pub(crate) mod asterisk;
pub(crate) mod bridges;
pub(crate) mod channels;
pub(crate) mod device_states;
pub(crate) mod endpoints;
pub(crate) mod events;
pub(crate) mod mailboxes;
pub(crate) mod playbacks;
pub(crate) mod recordings;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod sounds;

use serde_json::Value;

use self::response::AriResponse;
use crate::error::ApiError;
use crate::model::ChanState;
use crate::world::World;

/// What a REST handler gives back: a response, or, from a handler that
/// checks its request with `?`, a result whose error is the ARI error
/// answer. The route table turns either into the response.
pub(crate) trait Reply {
    fn into_response(self) -> AriResponse;
}

impl Reply for AriResponse {
    fn into_response(self) -> AriResponse {
        self
    }
}

impl Reply for Result<AriResponse, ApiError> {
    fn into_response(self) -> AriResponse {
        self.unwrap_or_else(AriResponse::from)
    }
}

/// `find_control`: the channel must be in Stasis (404 if it does not
/// exist at all, 409 if it exists outside Stasis).
pub(crate) fn find_control(w: &World, id: &str) -> Result<String, ApiError> {
    if let Some(channel) = w.channels.get(id) {
        if channel.stasis.is_some() && !channel.hanging_up {
            return Ok(channel.id.clone());
        }
    }
    if w.find_channel_by_name_or_id(id).is_none() {
        return Err(ApiError::not_found("Channel not found"));
    }
    Err(ApiError::conflict("Channel not in Stasis application"))
}

/// `channel_state_invalid`: outbound channels not yet answered (Down,
/// Reserved, Ringing) cannot be controlled.
pub(crate) fn check_state(w: &World, id: &str) -> Result<(), ApiError> {
    let Some(channel) = w.channels.get(id) else {
        return Err(ApiError::not_found("Channel not found"));
    };
    if matches!(channel.state, ChanState::Down | ChanState::Ringing) {
        return Err(ApiError::new(
            412,
            "Precondition Failed",
            "Channel in invalid state",
        ));
    }
    Ok(())
}

/// Variables to set, and the names reported in channel snapshots.
pub(crate) type Variables = (Vec<(String, String)>, Vec<String>);

/// `json_to_ast_variables`: `{"NAME": "value"}` or
/// `{"NAME": {"value": "v", "report_events": true}}`; returns the variables
/// and the names whose values are reported in channel snapshots.
pub(crate) fn parse_variables(object: &[(String, Value)]) -> Result<Variables, ApiError> {
    let mut vars = Vec::new();
    let mut reported = Vec::new();
    for (key, value) in object {
        if key.is_empty() {
            continue;
        }
        match value {
            Value::String(s) => vars.push((key.clone(), s.clone())),
            Value::Object(obj) => {
                let Some(v) = obj.get("value").and_then(Value::as_str) else {
                    return Err(ApiError::bad_request(
                        "Each object value in 'variables' must include string field 'value'",
                    ));
                };
                if let Some(report) = obj.get("report_events") {
                    let Some(report) = report.as_bool() else {
                        return Err(ApiError::bad_request(
                            "Field 'report_events' in 'variables' entries must be boolean",
                        ));
                    };
                    if report {
                        reported.push(key.clone());
                    }
                }
                vars.push((key.clone(), v.to_string()));
            }
            _ => {
                return Err(ApiError::bad_request(
                    "Each value in 'variables' must be a string or an object with 'value' and optional 'report_events'",
                ))
            }
        }
    }
    Ok((vars, reported))
}
