//! `/endpoints`: the simulated phones, and messages sent to them.

use std::sync::Arc;

use serde_json::{json, Value};

use super::request::AriRequest;
use super::response::{AriBody, AriResponse};
use crate::error::ApiError;
use crate::world::{Inner, World};

pub(crate) fn list(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let names: Vec<String> = w.endpoints.keys().cloned().collect();
    AriResponse::ok(Value::Array(
        names
            .iter()
            .filter_map(|n| w.endpoint_snapshot(n))
            .collect(),
    ))
}

pub(crate) fn list_by_tech(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let tech = req.path("tech");
    let snapshots: Vec<Value> = w
        .endpoints
        .values()
        .filter(|e| e.tech.eq_ignore_ascii_case(tech))
        .filter_map(|e| w.endpoint_snapshot(&e.full_name()))
        .collect();
    if snapshots.is_empty() {
        return ApiError::not_found(format!("No Endpoints found - invalid tech {tech}")).into();
    }
    AriResponse::ok(Value::Array(snapshots))
}

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let name = format!("{}/{}", req.path("tech"), req.path("resource"));
    match w.endpoint_snapshot(&name) {
        Some(snapshot) => AriResponse::ok(snapshot),
        None => ApiError::not_found("Endpoint not found").into(),
    }
}

fn accepted() -> AriResponse {
    AriResponse {
        status: 202,
        reason: "Accepted".into(),
        body: AriBody::Empty,
        headers: Vec::new(),
    }
}

/// Finds the phone a `to` URI (`pjsip:alice`, `PJSIP/alice`) names.
fn endpoint_for_uri(w: &World, to: &str) -> Option<String> {
    let (tech, resource) = to.split_once(':').or_else(|| to.split_once('/'))?;
    let resource = resource
        .split('@')
        .next()
        .unwrap_or(resource)
        .trim_start_matches("//");
    w.endpoints
        .values()
        .find(|e| e.tech.eq_ignore_ascii_case(tech) && e.resource == resource)
        .map(|e| e.full_name())
}

fn message_variables(req: &AriRequest) -> Result<Value, ApiError> {
    match req.body_object("variables") {
        Some(Value::Object(vars)) => {
            if vars.values().any(|v| !v.is_string()) {
                return Err(ApiError::bad_request(
                    "Only string values in the 'variables' object allowed",
                ));
            }
            Ok(Value::Object(vars.clone()))
        }
        _ => Ok(json!({})),
    }
}

fn deliver(w: &mut World, endpoint: &str, message: Value) {
    if let Some(e) = w.endpoints.get_mut(endpoint) {
        e.messages.push(message);
    }
}

pub(crate) fn send_message(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let Some(to) = req.string("to").filter(|t| !t.is_empty()) else {
        return ApiError::bad_request("To must be specified").into();
    };
    let variables = match message_variables(req) {
        Ok(v) => v,
        Err(err) => return err.into(),
    };
    let mut w = inner.lock();
    let Some(endpoint) = endpoint_for_uri(&w, &to) else {
        return ApiError::not_found("Endpoint not found").into();
    };
    let message = json!({"to": to, "from": req.string("from"), "body": req.string("body"), "variables": variables});
    deliver(&mut w, &endpoint, message);
    accepted()
}

pub(crate) fn send_message_to_endpoint(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let variables = match message_variables(req) {
        Ok(v) => v,
        Err(err) => return err.into(),
    };
    let mut w = inner.lock();
    let name = format!("{}/{}", req.path("tech"), req.path("resource"));
    if !w.endpoints.contains_key(&name) {
        return ApiError::not_found("Endpoint not found").into();
    }
    let message = json!({"to": name, "from": req.string("from"), "body": req.string("body"), "variables": variables});
    deliver(&mut w, &name, message);
    accepted()
}

pub(crate) fn refer(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let Some(to) = req.string("to").filter(|t| !t.is_empty()) else {
        return ApiError::bad_request("To must be specified").into();
    };
    let mut w = inner.lock();
    let Some(endpoint) = endpoint_for_uri(&w, &to) else {
        return ApiError::not_found("Endpoint not found").into();
    };
    let message = json!({"refer_to": req.string("refer_to"), "from": req.string("from"), "to_self": req.boolean("to_self")});
    deliver(&mut w, &endpoint, message);
    accepted()
}

pub(crate) fn refer_to_endpoint(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let name = format!("{}/{}", req.path("tech"), req.path("resource"));
    if !w.endpoints.contains_key(&name) {
        return ApiError::not_found("Endpoint not found").into();
    }
    let message = json!({"refer_to": req.string("refer_to"), "from": req.string("from"), "to_self": req.boolean("to_self")});
    deliver(&mut w, &name, message);
    accepted()
}
