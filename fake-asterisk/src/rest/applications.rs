//! `/applications`: registered Stasis applications, their subscriptions
//! (`channel:`, `bridge:`, `endpoint:`, `deviceState:` sources) and event filters.

use std::sync::Arc;

use serde_json::Value;

use super::request::AriRequest;
use super::response::AriResponse;
use crate::error::ApiError;
use crate::world::{Inner, World};

pub(crate) fn list(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    AriResponse::ok(Value::Array(
        w.apps
            .values()
            .filter(|a| a.session.is_some())
            .map(|a| a.to_json())
            .collect(),
    ))
}

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    match w.active_app(req.path("applicationName")) {
        Some(app) => AriResponse::ok(app.to_json()),
        None => ApiError::not_found("Application not found").into(),
    }
}

/// An event source URI split into its kind and id.
enum Source<'a> {
    Channel(&'a str),
    Bridge(&'a str),
    Endpoint(&'a str),
    Device(&'a str),
}

fn parse_source(uri: &str) -> Option<Source<'_>> {
    if let Some(id) = uri.strip_prefix("channel:") {
        Some(Source::Channel(id))
    } else if let Some(id) = uri.strip_prefix("bridge:") {
        Some(Source::Bridge(id))
    } else if let Some(id) = uri.strip_prefix("endpoint:") {
        Some(Source::Endpoint(id))
    } else {
        uri.strip_prefix("deviceState:").map(Source::Device)
    }
}

/// Whether an endpoint (`Tech/resource`) or a technology (`Tech`) exists.
fn endpoint_exists(w: &World, id: &str) -> bool {
    match id.split_once('/') {
        Some(_) => w.endpoints.contains_key(id),
        None => w
            .endpoints
            .values()
            .any(|e| e.tech.eq_ignore_ascii_case(id)),
    }
}

pub(crate) fn subscribe(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let sources = req.list("eventSource");
    if sources.is_empty() {
        return ApiError::bad_request("Missing parameter eventSource").into();
    }
    let mut w = inner.lock();
    let name = req.path("applicationName").to_string();
    if w.active_app(&name).is_none() {
        return ApiError::not_found("Application not found").into();
    }
    for uri in &sources {
        let Some(source) = parse_source(uri) else {
            return ApiError::bad_request("Invalid event source URI scheme").into();
        };
        // Resolve first; Asterisk subscribes source by source and stops at
        // the first failure.
        let target = match source {
            Source::Channel(id) if !id.is_empty() => match w.find_channel_by_name_or_id(id) {
                Some(channel) => Some(channel.id.clone()),
                None => return ApiError::unprocessable("Event source does not exist").into(),
            },
            Source::Bridge(id) if !id.is_empty() && !w.bridges.contains_key(id) => {
                return ApiError::unprocessable("Event source does not exist").into()
            }
            Source::Endpoint(id) if !id.is_empty() && !endpoint_exists(&w, id) => {
                return ApiError::unprocessable("Event source does not exist").into()
            }
            _ => None,
        };
        let Some(app) = w.apps.get_mut(&name) else {
            return ApiError::not_found("Application not found").into();
        };
        match source {
            Source::Channel(id) => match target {
                Some(id) => app.channels.add(&id),
                None if id.is_empty() => app.channels.all = true,
                None => {}
            },
            Source::Bridge("") => app.bridges.all = true,
            Source::Bridge(id) => app.bridges.add(id),
            Source::Endpoint("") => app.endpoints.all = true,
            Source::Endpoint(id) => app.endpoints.add(id),
            Source::Device("") => app.devices.all = true,
            Source::Device(id) => app.devices.add(id),
        }
    }
    match w.apps.get(&name) {
        Some(app) => AriResponse::ok(app.to_json()),
        None => ApiError::not_found("Application not found").into(),
    }
}

pub(crate) fn unsubscribe(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let sources = req.list("eventSource");
    if sources.is_empty() {
        return ApiError::bad_request("Missing parameter eventSource").into();
    }
    let mut w = inner.lock();
    let name = req.path("applicationName").to_string();
    if w.active_app(&name).is_none() {
        return ApiError::not_found("Application not found").into();
    }
    for uri in &sources {
        let Some(source) = parse_source(uri) else {
            return ApiError::bad_request("Invalid event source URI scheme").into();
        };
        let Some(app) = w.apps.get_mut(&name) else {
            return ApiError::not_found("Application not found").into();
        };
        let subs = match source {
            Source::Channel(_) => &mut app.channels,
            Source::Bridge(_) => &mut app.bridges,
            Source::Endpoint(_) => &mut app.endpoints,
            Source::Device(_) => &mut app.devices,
        };
        let id = match source {
            Source::Channel(id)
            | Source::Bridge(id)
            | Source::Endpoint(id)
            | Source::Device(id) => id,
        };
        // Only device states count a subscription to all as covering one
        // device; channels, bridges and endpoints look for the id itself.
        let covered = match source {
            Source::Device(_) => subs.contains(id),
            _ => subs.ids.contains_key(id),
        };
        if id.is_empty() {
            if !subs.all {
                return ApiError::unprocessable("Event source was not subscribed to").into();
            }
            subs.all = false;
        } else if !covered {
            return ApiError::unprocessable("Event source was not subscribed to").into();
        } else {
            subs.remove_one(id);
        }
    }
    match w.apps.get(&name) {
        Some(app) => AriResponse::ok(app.to_json()),
        None => ApiError::not_found("Application not found").into(),
    }
}

/// Validates one half of a filter: an array of objects with a `type`.
fn filter_half(
    filter: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<Vec<Value>>, ApiError> {
    let Some(value) = filter.get(key) else {
        return Ok(None);
    };
    let invalid = || ApiError::bad_request("Invalid format definition");
    let items = value.as_array().ok_or_else(invalid)?;
    for item in items {
        if item
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(invalid());
        }
    }
    Ok(Some(items.clone()))
}

pub(crate) fn filter(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let name = req.path("applicationName").to_string();
    if w.active_app(&name).is_none() {
        return ApiError::not_found("Application not found").into();
    }
    let (allowed, disallowed) = match req.body.as_ref() {
        Some(Value::Object(filter)) if filter.is_empty() => (Some(Vec::new()), Some(Vec::new())),
        Some(Value::Object(filter)) => {
            let disallowed = match filter_half(filter, "disallowed") {
                Ok(d) => d,
                Err(err) => return err.into(),
            };
            let allowed = match filter_half(filter, "allowed") {
                Ok(a) => a,
                Err(err) => return err.into(),
            };
            (allowed, disallowed)
        }
        Some(_) => return ApiError::bad_request("Invalid format definition").into(),
        None => (Some(Vec::new()), Some(Vec::new())),
    };
    let Some(app) = w.apps.get_mut(&name) else {
        return ApiError::not_found("Application not found").into();
    };
    if let Some(allowed) = allowed {
        app.events_allowed = allowed;
    }
    if let Some(disallowed) = disallowed {
        app.events_disallowed = disallowed;
    }
    AriResponse::ok(app.to_json())
}
