//! `/events`: user events and channel claims (the websocket itself is in `http::ws`).

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::request::AriRequest;
use super::response::AriResponse;
use crate::engine::broadcast;
use crate::error::ApiError;
use crate::world::{Inner, Route};

/// `POST /events/user/{eventName}`: a `ChannelUserevent` to one application.
pub(crate) fn user_event(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let Some(application) = req.string("application").filter(|a| !a.is_empty()) else {
        return ApiError::bad_request("Missing parameter application").into();
    };
    let mut w = inner.lock();
    if w.active_app(&application).is_none() {
        return ApiError::not_found("Application not found").into();
    }
    let event_name = req.path("eventName").to_string();
    let mut fields = Map::new();
    for uri in req.list("source").into_iter().filter(|s| !s.is_empty()) {
        let (key, snapshot) = if let Some(id) = uri.strip_prefix("channel:") {
            ("channel", w.channels.get(id).map(|c| c.snapshot()))
        } else if let Some(id) = uri.strip_prefix("bridge:") {
            ("bridge", w.bridges.get(id).map(|b| b.snapshot()))
        } else if let Some(id) = uri.strip_prefix("endpoint:") {
            ("endpoint", w.endpoint_snapshot(id))
        } else {
            return ApiError::bad_request("Invalid event source URI scheme").into();
        };
        let Some(snapshot) = snapshot else {
            return ApiError::unprocessable("Event source was not found").into();
        };
        fields.insert(key.into(), snapshot);
    }
    let mut userevent = match req.body_object("variables") {
        Some(Value::Object(vars)) => vars.clone(),
        _ => Map::new(),
    };
    userevent.insert("eventname".into(), json!(event_name));
    fields.insert("eventname".into(), json!(event_name));
    fields.insert("userevent".into(), Value::Object(userevent));
    w.emit(Route::App(application), "ChannelUserevent", fields);
    AriResponse::no_content()
}

/// `POST /events/claim`: the first claim of a broadcast channel wins
/// (`engine::broadcast`).
pub(crate) fn claim(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let channel_id = req
        .string("channelId")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::bad_request("channelId parameter is required"))?;
    let application = req
        .string("application")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::bad_request("application parameter is required"))?;
    let mut w = inner.lock();
    broadcast::claim(&mut w, &channel_id, &application)?;
    Ok(AriResponse::no_content())
}
