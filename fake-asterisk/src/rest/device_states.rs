//! `/deviceStates`: `Stasis:` custom device states the application controls.

use std::sync::Arc;

use serde_json::{json, Value};

use super::request::AriRequest;
use super::response::AriResponse;
use crate::error::ApiError;
use crate::world::{strip_prefix_ci, Inner};

/// `ast_devstate_val` names.
const STATES: &[&str] = &[
    "NOT_INUSE",
    "INUSE",
    "BUSY",
    "INVALID",
    "UNAVAILABLE",
    "RINGING",
    "RINGINUSE",
    "ONHOLD",
];

pub(crate) fn list(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    AriResponse::ok(Value::Array(
        w.custom_devices
            .iter()
            .map(|(name, state)| json!({"name": format!("Stasis:{name}"), "state": state}))
            .collect(),
    ))
}

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let name = req.path("deviceName");
    AriResponse::ok(json!({"name": name, "state": w.device_state(name)}))
}

pub(crate) fn update(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let name = req.path("deviceName").to_string();
    let Some(custom) = strip_prefix_ci(&name, "Stasis:").map(str::to_string) else {
        return ApiError::conflict("Uncontrolled device specified").into();
    };
    if custom.is_empty() {
        return ApiError::not_found("Device name is missing").into();
    }
    let state = req
        .string("deviceState")
        .unwrap_or_default()
        .to_ascii_uppercase();
    if !STATES.contains(&state.as_str()) {
        return ApiError::internal("Unknown device").into();
    }
    w.custom_devices.insert(custom.clone(), state);
    w.publish_device(&format!("Stasis:{custom}"));
    AriResponse::no_content()
}

pub(crate) fn delete(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let name = req.path("deviceName").to_string();
    let Some(custom) = strip_prefix_ci(&name, "Stasis:").map(str::to_string) else {
        return ApiError::conflict("Uncontrolled device specified").into();
    };
    if custom.is_empty() {
        return ApiError::not_found("Device name is missing").into();
    }
    if w.custom_devices.shift_remove(&custom).is_some() {
        w.publish_device(&format!("Stasis:{custom}"));
    }
    AriResponse::no_content()
}
