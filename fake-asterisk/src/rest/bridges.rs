//! `/bridges`: `resource_bridges.c` semantics.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::channels::{
    check_record, media_list, queue_playback, record_options, recording_location,
};
use super::parse_variables;
use super::request::AriRequest;
use super::response::AriResponse;
use crate::engine::bridges as engine;
use crate::engine::media;
use crate::error::ApiError;
use crate::model::Target;
use crate::world::{Inner, World};

/// `find_bridge`: 404 for an unknown bridge.
fn find_bridge(w: &World, id: &str) -> Result<String, ApiError> {
    if w.bridges.contains_key(id) {
        Ok(id.to_string())
    } else {
        Err(ApiError::new(404, "Not found", "Bridge not found"))
    }
}

/// `find_channel_control`: 400 for an unknown channel, 422 outside Stasis.
fn find_channel_control(w: &World, id: &str) -> Result<String, ApiError> {
    match w.channels.get(id) {
        Some(channel) if channel.stasis.is_some() && !channel.hanging_up => Ok(id.to_string()),
        Some(_) => Err(ApiError::unprocessable("Channel not in Stasis application")),
        None => Err(ApiError::bad_request("Channel not found")),
    }
}

/// 422 unless `channel` is in `bridge`.
fn check_in_bridge(w: &World, bridge: &str, channel: &str) -> Result<(), ApiError> {
    if w.channels.get(channel).and_then(|c| c.bridge.as_deref()) == Some(bridge) {
        Ok(())
    } else {
        Err(ApiError::unprocessable("Channel not in this bridge"))
    }
}

fn channel_list(w: &World, req: &AriRequest) -> Result<Vec<String>, ApiError> {
    let names: Vec<String> = req
        .list("channel")
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect();
    if names.is_empty() {
        return Err(ApiError::bad_request("Missing parameter channel"));
    }
    names.iter().map(|id| find_channel_control(w, id)).collect()
}

pub(crate) fn list(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    AriResponse::ok(Value::Array(
        w.bridges.values().map(|b| b.snapshot()).collect(),
    ))
}

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    match w.bridges.get(req.path("bridgeId")) {
        Some(bridge) => AriResponse::ok(bridge.snapshot()),
        None => ApiError::not_found("Bridge not found").into(),
    }
}

fn create_common(
    inner: &Arc<Inner>,
    req: &AriRequest,
    id: Option<String>,
) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let id = id.filter(|i| !i.is_empty());
    if let Some(id) = &id {
        if w.bridges.contains_key(id) {
            return Err(ApiError::conflict(format!(
                "Bridge with id '{id}' already exists"
            )));
        }
    }
    let bridge_type = req
        .string("type")
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "mixing".into());
    let holding = bridge_type.split(',').any(|t| t.trim() == "holding");
    let mixing = bridge_type.split(',').any(|t| t.trim() == "mixing");
    let known = bridge_type.split(',').any(|t| {
        matches!(
            t.trim(),
            "mixing"
                | "holding"
                | "dtmf_events"
                | "proxy_media"
                | "video_sfu"
                | "video_single"
                | "sdp_label"
        )
    });
    if (holding && mixing) || !known {
        return Err(ApiError::new(
            500,
            "Internal Error",
            "Unable to create bridge",
        ));
    }
    let (vars, _reported) = match req.variables() {
        Some(vars) => parse_variables(&vars)?,
        None => (Vec::new(), Vec::new()),
    };
    let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let name = req.string("name").unwrap_or_default();
    Ok(AriResponse::ok(engine::create_bridge(
        &mut w,
        id,
        bridge_type,
        name,
        vars,
    )))
}

pub(crate) fn create(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    create_common(inner, req, req.string("bridgeId"))
}

pub(crate) fn create_with_id(
    inner: &Arc<Inner>,
    req: &AriRequest,
) -> Result<AriResponse, ApiError> {
    create_common(inner, req, Some(req.path("bridgeId").to_string()))
}

pub(crate) fn destroy(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let id = find_bridge(&w, req.path("bridgeId"))?;
    engine::destroy_bridge(&mut w, &id);
    Ok(AriResponse::no_content())
}

pub(crate) fn add_channel(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    let channels = channel_list(&w, req)?;
    for channel in &channels {
        if w.channels
            .get(channel)
            .is_some_and(|c| c.recording.is_some())
        {
            return Err(ApiError::conflict(format!(
                "Channel {channel} currently recording"
            )));
        }
    }
    let absorb_dtmf = req.boolean("absorbDTMF");
    for channel in channels {
        engine::add_to_bridge(&mut w, &bridge, &channel);
        if let Some(c) = w.channels.get_mut(&channel) {
            c.absorb_dtmf = absorb_dtmf;
        }
    }
    Ok(AriResponse::no_content())
}

pub(crate) fn remove_channel(
    inner: &Arc<Inner>,
    req: &AriRequest,
) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    let channels = channel_list(&w, req)?;
    for channel in &channels {
        check_in_bridge(&w, &bridge, channel)?;
    }
    for channel in channels {
        engine::remove_from_bridge(&mut w, &bridge, &channel);
    }
    Ok(AriResponse::no_content())
}

pub(crate) fn set_video_source(
    inner: &Arc<Inner>,
    req: &AriRequest,
) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    let channel = find_channel_control(&w, req.path("channelId"))?;
    check_in_bridge(&w, &bridge, &channel)?;
    if let Some(b) = w.bridges.get_mut(&bridge) {
        b.video_mode = "single".into();
        b.video_source = Some(channel);
    }
    Ok(AriResponse::no_content())
}

pub(crate) fn clear_video_source(
    inner: &Arc<Inner>,
    req: &AriRequest,
) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    if let Some(b) = w.bridges.get_mut(&bridge) {
        b.video_mode = "talker".into();
        b.video_source = None;
    }
    Ok(AriResponse::no_content())
}

pub(crate) fn start_moh(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    let class = req
        .string("mohClass")
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "default".into());
    if let Some(b) = w.bridges.get_mut(&bridge) {
        b.moh = Some(class);
    }
    Ok(AriResponse::no_content())
}

pub(crate) fn stop_moh(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    match w.bridges.get_mut(&bridge).and_then(|b| b.moh.take()) {
        Some(_) => Ok(AriResponse::no_content()),
        None => Err(ApiError::conflict("Bridge isn't playing music")),
    }
}

/// `POST /bridges/{bridgeId}/play[/{playbackId}]`.
pub(crate) fn play(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    if let Some(format) = req.string("announcer_format").filter(|f| !f.is_empty()) {
        if !crate::engine::calls::KNOWN_FORMATS.contains(&format.as_str()) {
            return Err(ApiError::unprocessable(
                "specified announcer_format is unknown on this system",
            ));
        }
    }
    let medias = media_list(req);
    if medias.is_empty() {
        return Err(ApiError::alloc_failed());
    }
    let skipms = req.int("skipms").max(0);
    let language = req
        .string("lang")
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "en".into());
    Ok(queue_playback(
        inner,
        &mut w,
        req,
        Target::Bridge(bridge),
        medias,
        language,
        skipms,
        req.int("offsetms").max(0),
    ))
}

/// `POST /bridges/{bridgeId}/record`.
pub(crate) fn record(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    let mut options = record_options(req)?;
    if let Some(format) = req.string("recorder_format").filter(|f| !f.is_empty()) {
        if !crate::engine::calls::KNOWN_FORMATS.contains(&format.as_str()) {
            return Err(ApiError::unprocessable(
                "specified recorder_format is unknown on this system",
            ));
        }
    }
    check_record(req, &mut options)?;
    let name = options.name.clone();
    let json = media::start_recording(inner, &mut w, Target::Bridge(bridge), options)?;
    Ok(AriResponse::created(&recording_location(&name), json))
}

pub(crate) fn get_var(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let w = inner.lock();
    let Some(variable) = req.string("variable").filter(|v| !v.is_empty()) else {
        return Err(ApiError::bad_request("Variable name is required"));
    };
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    match w.bridges.get(&bridge).and_then(|b| b.vars.get(&variable)) {
        Some(value) => Ok(AriResponse::ok(json!({"value": value}))),
        None => Err(ApiError::not_found("Provided variable was not found")),
    }
}

pub(crate) fn set_var(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let Some(variable) = req.string("variable").filter(|v| !v.is_empty()) else {
        return Err(ApiError::bad_request("Variable name is required"));
    };
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    let value = req.string("value").unwrap_or_default();
    engine::set_bridge_var(&mut w, &bridge, variable.trim(), &value);
    Ok(AriResponse::no_content())
}

pub(crate) fn get_vars(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let w = inner.lock();
    let names = req.list("variables");
    if names.is_empty() {
        return Err(ApiError::bad_request(
            "At least one variable name is required",
        ));
    }
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    let mut out = Map::new();
    for name in names {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(ApiError::bad_request("Variable names are required"));
        }
        let Some(value) = w.bridges.get(&bridge).and_then(|b| b.vars.get(&name)) else {
            return Err(ApiError::new(
                404,
                "Variable Not Found",
                "Provided variable was not found",
            ));
        };
        out.insert(name, json!(value));
    }
    Ok(AriResponse::ok(json!({"variables": out})))
}

pub(crate) fn set_vars(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let bridge = find_bridge(&w, req.path("bridgeId"))?;
    if req.body_object("variables").is_none() {
        return Err(ApiError::bad_request("The 'variables' field is required"));
    }
    let Some(vars) = req.variables() else {
        return Err(ApiError::bad_request(
            "The 'variables' field must be a JSON object",
        ));
    };
    let (vars, _) = parse_variables(&vars)?;
    for (name, value) in vars {
        engine::set_bridge_var(&mut w, &bridge, name.trim(), &value);
    }
    Ok(AriResponse::no_content())
}
