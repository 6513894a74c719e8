//! `/sounds`: the fake's sound library.

use std::sync::Arc;

use serde_json::{json, Value};

use super::request::AriRequest;
use super::response::AriResponse;
use crate::error::ApiError;
use crate::sounds::SoundFile;
use crate::world::Inner;

fn sound_json(sound: &SoundFile, lang: Option<&str>, format: Option<&str>) -> Option<Value> {
    let formats: Vec<Value> = sound
        .formats
        .iter()
        .filter(|(l, f)| lang.is_none_or(|x| x == l) && format.is_none_or(|x| x == f))
        .map(|(l, f)| json!({"language": l, "format": f}))
        .collect();
    (!formats.is_empty()).then(|| json!({"id": sound.id, "formats": formats}))
}

pub(crate) fn list(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let lang = req.string("lang").filter(|l| !l.is_empty());
    let format = req.string("format").filter(|f| !f.is_empty());
    let sounds: Vec<Value> = w
        .sounds
        .iter()
        .filter_map(|s| sound_json(s, lang.as_deref(), format.as_deref()))
        .collect();
    if sounds.is_empty() {
        return ApiError::not_found("No sounds found that matched the query").into();
    }
    AriResponse::ok(Value::Array(sounds))
}

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    match w
        .sounds
        .iter()
        .find(|s| s.id == req.path("soundId"))
        .and_then(|s| sound_json(s, None, None))
    {
        Some(sound) => AriResponse::ok(sound),
        None => ApiError::not_found("Sound not found").into(),
    }
}
