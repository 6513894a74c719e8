//! `/playbacks`: get, stop and control.

use std::sync::Arc;

use super::request::AriRequest;
use super::response::AriResponse;
use crate::engine::media;
use crate::error::ApiError;
use crate::model::PlaybackControl;
use crate::world::Inner;

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    match w.playback_by_id(req.path("playbackId")) {
        Some(playback) => AriResponse::ok(playback.to_json()),
        None => ApiError::not_found("Playback not found").into(),
    }
}

pub(crate) fn stop(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let id = req.path("playbackId");
    media::control_playback(&mut w, id, PlaybackControl::Stop, "stop")?;
    Ok(AriResponse::no_content())
}

pub(crate) fn control(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let Some(operation) = req.string("operation") else {
        return Err(ApiError::bad_request("Missing operation"));
    };
    let control = match operation.as_str() {
        "unpause" => PlaybackControl::Unpause,
        "pause" => PlaybackControl::Pause,
        "restart" => PlaybackControl::Restart,
        "reverse" => PlaybackControl::Reverse,
        "forward" => PlaybackControl::Forward,
        other => return Err(ApiError::bad_request(format!("Invalid operation {other}"))),
    };
    let mut w = inner.lock();
    media::control_playback(&mut w, req.path("playbackId"), control, &operation)?;
    Ok(AriResponse::no_content())
}
