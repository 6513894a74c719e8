//! `/playbacks`: get, stop and control.

use std::sync::Arc;

use super::respond;
use crate::engine::media;
use crate::http::request::AriRequest;
use crate::http::response::{ApiError, AriResponse};
use crate::model::PlaybackControl;
use crate::world::Inner;

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    match w.playback_by_id(req.path("playbackId")) {
        Some(playback) => AriResponse::ok(playback.to_json()),
        None => ApiError::not_found("Playback not found").into(),
    }
}

pub(crate) fn stop(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    respond(
        media::control_playback(
            &mut w,
            req.path("playbackId"),
            PlaybackControl::Stop,
            "stop",
        )
        .map(|()| AriResponse::no_content()),
    )
}

pub(crate) fn control(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let Some(operation) = req.string("operation") else {
        return ApiError::bad_request("Missing operation").into();
    };
    let control = match operation.as_str() {
        "unpause" => PlaybackControl::Unpause,
        "pause" => PlaybackControl::Pause,
        "restart" => PlaybackControl::Restart,
        "reverse" => PlaybackControl::Reverse,
        "forward" => PlaybackControl::Forward,
        other => return ApiError::bad_request(format!("Invalid operation {other}")).into(),
    };
    let mut w = inner.lock();
    respond(
        media::control_playback(&mut w, req.path("playbackId"), control, &operation)
            .map(|()| AriResponse::no_content()),
    )
}
