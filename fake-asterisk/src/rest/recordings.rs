//! `/recordings`: stored recordings (list, get, file, copy, delete) and
//! live ones (get, stop, cancel, pause, mute).

use std::sync::Arc;

use serde_json::Value;

use super::request::AriRequest;
use super::response::{AriBody, AriResponse};
use crate::engine::media;
use crate::error::ApiError;
use crate::model::RecordingControl;
use crate::world::Inner;

fn not_found() -> AriResponse {
    ApiError::not_found("Recording not found").into()
}

pub(crate) fn list_stored(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    AriResponse::ok(Value::Array(
        w.stored_recordings.values().map(|r| r.to_json()).collect(),
    ))
}

pub(crate) fn get_stored(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    match w.stored_recordings.get(req.path("recordingName")) {
        Some(recording) => AriResponse::ok(recording.to_json()),
        None => not_found(),
    }
}

pub(crate) fn delete_stored(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    match w.stored_recordings.shift_remove(req.path("recordingName")) {
        Some(_) => AriResponse::no_content(),
        None => not_found(),
    }
}

/// `GET /recordings/stored/{name}/file`: the audio, typed `audio/<ext>`.
pub(crate) fn get_stored_file(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let Some(recording) = w.stored_recordings.get(req.path("recordingName")) else {
        return not_found();
    };
    AriResponse {
        status: 200,
        reason: "OK".into(),
        body: AriBody::Binary {
            content_type: format!("audio/{}", recording.format),
            bytes: recording.bytes.clone(),
        },
        headers: Vec::new(),
    }
}

pub(crate) fn copy_stored(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let Some(source) = w.stored_recordings.get(req.path("recordingName")).cloned() else {
        return Err(ApiError::not_found("Recording not found"));
    };
    let destination = req.string("destinationRecordingName").unwrap_or_default();
    if w.stored_recordings.contains_key(&destination) {
        return Err(ApiError::conflict(
            "A recording with the same name already exists on the system",
        ));
    }
    if destination.is_empty()
        || destination.starts_with('/')
        || destination
            .split('/')
            .any(|part| part == ".." || part == ".")
    {
        return Err(ApiError::new(
            400,
            "Bad request",
            "Invalid destination recording name",
        ));
    }
    let mut copy = source;
    copy.name = destination.clone();
    let json = copy.to_json();
    w.stored_recordings.insert(destination, copy);
    Ok(AriResponse::ok(json))
}

pub(crate) fn get_live(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    match w.live_recordings.get(req.path("recordingName")) {
        Some(recording) => AriResponse::ok(recording.to_json()),
        None => not_found(),
    }
}

fn control(
    inner: &Arc<Inner>,
    req: &AriRequest,
    control: RecordingControl,
) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    media::control_recording(&mut w, req.path("recordingName"), control)?;
    Ok(AriResponse::no_content())
}

pub(crate) fn cancel(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    control(inner, req, RecordingControl::Cancel)
}
pub(crate) fn stop(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    control(inner, req, RecordingControl::Stop)
}
pub(crate) fn pause(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    control(inner, req, RecordingControl::Pause)
}
pub(crate) fn unpause(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    control(inner, req, RecordingControl::Unpause)
}
pub(crate) fn mute(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    control(inner, req, RecordingControl::Mute)
}
pub(crate) fn unmute(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    control(inner, req, RecordingControl::Unmute)
}
