//! `/channels`: `resource_channels.c` semantics, check for check.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::request::AriRequest;
use super::response::AriResponse;
use super::{check_state, find_control, parse_variables};
use crate::engine::calls::{self, CreateParams, Hangup, OriginateParams};
use crate::engine::media::{self, RecordOptions, DEFAULT_SKIP_MS};
use crate::engine::{pbx, stasis};
use crate::error::ApiError;
use crate::model::{ChanKind, ChanState, IfExists, Party, Target};
use crate::world::{Inner, World};

/// Record formats the fake can write.
const RECORD_FORMATS: &[&str] = &[
    "wav", "WAV", "wav16", "gsm", "ulaw", "alaw", "sln", "slin", "sln16", "g722", "g729", "ilbc",
    "siren7", "siren14", "ogg",
];

pub(crate) fn list(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    AriResponse::ok(Value::Array(
        w.channels.values().map(|c| c.snapshot()).collect(),
    ))
}

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    match w.channels.get(req.path("channelId")) {
        Some(channel) => AriResponse::ok(channel.snapshot()),
        None => ApiError::not_found("Channel not found").into(),
    }
}

fn body_variables(req: &AriRequest) -> Result<super::Variables, ApiError> {
    match req.variables() {
        Some(vars) => parse_variables(&vars),
        None => Ok((Vec::new(), Vec::new())),
    }
}

/// `POST /channels` and `POST /channels/{channelId}`.
pub(crate) fn originate(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let (variables, reported) = body_variables(req)?;
    let channel_id = match req.path.get("channelId") {
        Some(id) => Some(id.clone()),
        None => req.string("channelId"),
    };
    let params = OriginateParams {
        endpoint: req.string("endpoint"),
        extension: req.string("extension"),
        context: req.string("context"),
        priority: req.int("priority"),
        label: req.string("label"),
        app: req.string("app"),
        app_args: req.string("appArgs"),
        caller_id: req.string("callerId"),
        timeout: req.int("timeout"),
        variables,
        reported,
        channel_id,
        other_channel_id: req.string("otherChannelId"),
        originator: req.string("originator"),
        formats: req.string("formats"),
    };
    let mut w = inner.lock();
    calls::originate(inner, &mut w, params).map(AriResponse::ok)
}

/// `POST /channels/create`.
pub(crate) fn create(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let (variables, reported) = body_variables(req)?;
    let params = CreateParams {
        endpoint: req.string("endpoint"),
        app: req.string("app"),
        app_args: req.string("appArgs"),
        channel_id: req.string("channelId"),
        other_channel_id: req.string("otherChannelId"),
        originator: req.string("originator"),
        formats: req.string("formats"),
        variables,
        reported,
    };
    let mut w = inner.lock();
    calls::create(inner, &mut w, params).map(AriResponse::ok)
}

/// `convert_reason_to_hangup_code`.
fn reason_cause(reason: &str) -> Option<u32> {
    Some(match reason {
        "normal" => 16,
        "busy" => 17,
        "congestion" => 34,
        "no_answer" => 19,
        "timeout" => 18,
        "rejected" => 21,
        "unallocated" => 1,
        "normal_unspecified" => 31,
        "number_incomplete" => 28,
        "codec_mismatch" => 58,
        "interworking" => 127,
        "failure" => 38,
        "answered_elsewhere" => 26,
        _ => return None,
    })
}

/// `DELETE /channels/{channelId}`.
pub(crate) fn hangup(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let Some(id) = w
        .find_channel_by_name_or_id(req.path("channelId"))
        .filter(|c| !c.hanging_up)
        .map(|c| c.id.clone())
    else {
        return ApiError::not_found("Channel not found").into();
    };
    let reason = req.string("reason").filter(|r| !r.is_empty());
    let reason_code = req.string("reason_code").filter(|r| !r.is_empty());
    let cause = match (reason, reason_code) {
        (Some(_), Some(_)) => {
            return ApiError::bad_request("The reason and reason_code can't both be specified")
                .into()
        }
        (None, Some(code)) => match code.trim().parse::<u32>() {
            Ok(cause) => cause,
            Err(_) => {
                return ApiError::new(
                    400,
                    "Invalid Reason Code",
                    "Invalid reason for hangup reason code provided",
                )
                .into()
            }
        },
        (Some(reason), None) => match reason_cause(&reason) {
            Some(cause) => cause,
            None => {
                return ApiError::new(
                    400,
                    "Invalid Reason",
                    "Invalid reason for hangup reason provided",
                )
                .into()
            }
        },
        (None, None) => 16,
    };
    calls::hangup(&mut w, &id, Hangup::Explicit(cause));
    AriResponse::no_content()
}

/// Runs `action` on a channel in Stasis whose state allows control.
fn controlled(
    inner: &Arc<Inner>,
    req: &AriRequest,
    action: impl FnOnce(&Arc<Inner>, &mut World, &str) -> Result<(), ApiError>,
) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let id = find_control(&w, req.path("channelId"))?;
    check_state(&w, &id)?;
    action(inner, &mut w, &id)?;
    Ok(AriResponse::no_content())
}

pub(crate) fn answer(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |inner, w, id| {
        calls::answer(inner, w, id);
        Ok(())
    })
}

pub(crate) fn ring(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        calls::ringing(w, id);
        Ok(())
    })
}

pub(crate) fn ring_stop(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, _, _| Ok(()))
}

pub(crate) fn progress(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        calls::progress(w, id);
        Ok(())
    })
}

pub(crate) fn hold(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        if let Some(channel) = w.channels.get_mut(id) {
            channel.held = true;
        }
        w.emit_channel(id, "ChannelHold", Map::new());
        Ok(())
    })
}

pub(crate) fn unhold(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        if let Some(channel) = w.channels.get_mut(id) {
            channel.held = false;
        }
        w.emit_channel(id, "ChannelUnhold", Map::new());
        Ok(())
    })
}

pub(crate) fn start_moh(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let class = req
        .string("mohClass")
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "default".into());
    controlled(inner, req, move |_, w, id| {
        if let Some(channel) = w.channels.get_mut(id) {
            channel.moh = Some(class);
        }
        Ok(())
    })
}

pub(crate) fn stop_moh(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        if let Some(channel) = w.channels.get_mut(id) {
            channel.moh = None;
        }
        Ok(())
    })
}

pub(crate) fn start_silence(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        if let Some(channel) = w.channels.get_mut(id) {
            channel.silence = true;
        }
        Ok(())
    })
}

pub(crate) fn stop_silence(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        if let Some(channel) = w.channels.get_mut(id) {
            channel.silence = false;
        }
        Ok(())
    })
}

fn direction(req: &AriRequest) -> Result<String, ApiError> {
    let Some(direction) = req.string("direction").filter(|d| !d.is_empty()) else {
        return Err(ApiError::bad_request("Direction is required"));
    };
    if !["in", "out", "both"].contains(&direction.as_str()) {
        return Err(ApiError::bad_request("Invalid direction specified"));
    }
    Ok(direction)
}

pub(crate) fn mute(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        let direction = direction(req)?;
        if let Some(channel) = w.channels.get_mut(id) {
            channel.muted = Some(direction);
        }
        Ok(())
    })
}

pub(crate) fn unmute(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        direction(req)?;
        if let Some(channel) = w.channels.get_mut(id) {
            channel.muted = None;
        }
        Ok(())
    })
}

/// `POST /channels/{channelId}/dtmf`: digits go to the far end, timed.
pub(crate) fn send_dtmf(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |inner, _w, id| {
        let Some(dtmf) = req.string("dtmf").filter(|d| !d.is_empty()) else {
            return Err(ApiError::bad_request("DTMF is required"));
        };
        let positive = |name: &str, default: u64| match req.int(name) {
            n if n > 0 => n as u64,
            _ => default,
        };
        let before = positive("before", 0);
        let between = positive("between", 100);
        let duration = positive("duration", 100);
        let inner = inner.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            inner.clock.sleep(before).await;
            for (i, digit) in dtmf.chars().enumerate() {
                if digit == ',' {
                    // A comma is a half-second pause in a DTMF string.
                    inner.clock.sleep(500).await;
                    continue;
                }
                let gap = if i == 0 { 0 } else { between };
                inner.clock.sleep(gap + duration).await;
                let mut w = inner.lock();
                if w.channels.get(&id).is_none_or(|c| c.hanging_up) {
                    return;
                }
                calls::send_dtmf(&mut w, &id, digit, duration);
            }
        });
        Ok(())
    })
}

/// `POST /channels/{channelId}/play[/{playbackId}]`.
pub(crate) fn play(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let id = find_control(&w, req.path("channelId"))?;
    check_state(&w, &id)?;
    let skipms = req.int("skipms");
    if skipms < 0 {
        return Err(ApiError::bad_request("skipms cannot be negative"));
    }
    let offsetms = req.int("offsetms");
    if offsetms < 0 {
        return Err(ApiError::bad_request("offsetms cannot be negative"));
    }
    let medias = media_list(req);
    if medias.is_empty() {
        return Err(ApiError::internal("Failed to queue media for playback"));
    }
    let language = req
        .string("lang")
        .filter(|l| !l.is_empty())
        .or_else(|| w.channels.get(&id).map(|c| c.language.clone()))
        .unwrap_or_else(|| "en".into());
    Ok(queue_playback(
        inner,
        &mut w,
        req,
        Target::Channel(id),
        medias,
        language,
        skipms,
        offsetms,
    ))
}

/// The media URIs of a play request, empty ones dropped.
pub(crate) fn media_list(req: &AriRequest) -> Vec<String> {
    req.list("media")
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect()
}

/// Queues a play request's media on `target` and answers `201` with the
/// playback and its `Location`, as channels and bridges both do. The
/// playback id comes from the path (`/play/{playbackId}`) or the query;
/// `skipms` 0 means Asterisk's default.
#[allow(clippy::too_many_arguments)]
pub(crate) fn queue_playback(
    inner: &Arc<Inner>,
    w: &mut World,
    req: &AriRequest,
    target: Target,
    medias: Vec<String>,
    language: String,
    skipms: i64,
    offsetms: i64,
) -> AriResponse {
    let playback_id = req
        .path
        .get("playbackId")
        .cloned()
        .or_else(|| req.string("playbackId"));
    let skipms = if skipms == 0 {
        DEFAULT_SKIP_MS
    } else {
        skipms.unsigned_abs()
    };
    let json = media::queue_playback(
        inner,
        w,
        target,
        medias,
        language,
        playback_id,
        skipms,
        offsetms.unsigned_abs(),
    );
    let location = format!("/playbacks/{}", json["id"].as_str().unwrap_or(""));
    AriResponse::created(&location, json)
}

/// Parses `terminateOn` (`none`, `any`, `*`, `#`, a digit).
pub(crate) fn parse_terminate_on(value: Option<&str>) -> Result<String, ApiError> {
    match value {
        None | Some("") | Some("none") => Ok(String::new()),
        Some("any") => Ok("any".into()),
        Some(d)
            if d.len() == 1
                && d.chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#') =>
        {
            Ok(d.into())
        }
        Some(_) => Err(ApiError::bad_request("terminateOn invalid")),
    }
}

/// Parses `ifExists` (`fail`, `overwrite`, `append`).
pub(crate) fn parse_if_exists(value: Option<&str>) -> Result<IfExists, ApiError> {
    match value {
        None | Some("") | Some("fail") => Ok(IfExists::Fail),
        Some("overwrite") => Ok(IfExists::Overwrite),
        Some("append") => Ok(IfExists::Append),
        Some(_) => Err(ApiError::bad_request("ifExists invalid")),
    }
}

/// The options shared by channel and bridge recordings.
pub(crate) fn record_options(req: &AriRequest) -> Result<RecordOptions, ApiError> {
    let max_duration = req.int("maxDurationSeconds");
    if max_duration < 0 {
        return Err(ApiError::bad_request(
            "max_duration_seconds cannot be negative",
        ));
    }
    let max_silence = req.int("maxSilenceSeconds");
    if max_silence < 0 {
        return Err(ApiError::bad_request(
            "max_silence_seconds cannot be negative",
        ));
    }
    Ok(RecordOptions {
        name: req.string("name").unwrap_or_default(),
        format: req.string("format").unwrap_or_default(),
        max_duration_seconds: max_duration as u64,
        max_silence_seconds: max_silence as u64,
        terminate_on: String::new(),
        if_exists: IfExists::Fail,
        beep: req.boolean("beep"),
    })
}

/// Checks the format and name of a recording.
pub(crate) fn check_record(req: &AriRequest, options: &mut RecordOptions) -> Result<(), ApiError> {
    options.terminate_on = parse_terminate_on(req.string("terminateOn").as_deref())?;
    options.if_exists = parse_if_exists(req.string("ifExists").as_deref())?;
    if !RECORD_FORMATS.contains(&options.format.as_str()) {
        return Err(ApiError::unprocessable(
            "specified format is unknown on this system",
        ));
    }
    if options.name.is_empty() {
        return Err(ApiError::internal("Error parsing request"));
    }
    Ok(())
}

/// The URL-encoded name in a recording's `Location`.
pub(crate) fn recording_location(name: &str) -> String {
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!("/recordings/live/{encoded}")
}

/// `POST /channels/{channelId}/record`.
pub(crate) fn record(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let mut options = record_options(req)?;
    let id = find_control(&w, req.path("channelId"))?;
    check_record(req, &mut options)?;
    let name = options.name.clone();
    let json = media::start_recording(inner, &mut w, Target::Channel(id), options)?;
    Ok(AriResponse::created(&recording_location(&name), json))
}

/// `POST /channels/{channelId}/continue`.
pub(crate) fn continue_in_dialplan(
    inner: &Arc<Inner>,
    req: &AriRequest,
) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |inner, w, id| {
        let Some(channel) = w.channels.get(id) else {
            return Err(ApiError::not_found("Channel not found"));
        };
        let loc = channel.dialplan.clone();
        let has_pbx = channel.has_pbx;
        let arg_context = req.string("context").filter(|c| !c.is_empty());
        let arg_exten = req.string("extension").filter(|e| !e.is_empty());
        let (context, exten) = match &arg_context {
            None => (
                loc.context.clone(),
                arg_exten.clone().unwrap_or_else(|| loc.exten.clone()),
            ),
            Some(context) => (
                context.clone(),
                arg_exten.clone().unwrap_or_else(|| "s".into()),
            ),
        };
        let priority = if let Some(label) = req.string("label").filter(|l| !l.is_empty()) {
            let priority = match label.trim().parse::<i64>() {
                Ok(n) => n,
                Err(_) => match w.dialplan.find_label(&context, &exten, &label) {
                    Some(n) => i64::from(n),
                    None => return Err(ApiError::not_found("Requested label can not be found")),
                },
            };
            if priority == 0 {
                return Err(ApiError::bad_request("Requested priority is illegal"));
            }
            priority
        } else if req.int("priority") != 0 {
            req.int("priority")
        } else if arg_context.is_none() && arg_exten.is_none() {
            i64::from(loc.priority) + 1
        } else {
            1
        };
        let priority = u32::try_from(priority).unwrap_or(1);
        if has_pbx {
            if let Some(channel) = w.channels.get_mut(id) {
                channel.continue_to = Some((context, exten, priority));
            }
            stasis::leave_stasis(w, id);
        } else {
            stasis::leave_stasis(w, id);
            pbx::start_pbx(inner, w, id, &context, &exten, priority);
        }
        Ok(())
    })
}

/// `POST /channels/{channelId}/move`.
pub(crate) fn move_to_app(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let id = find_control(&w, req.path("channelId"))?;
    let app = req.string("app").unwrap_or_default();
    let args = stasis::split_app_args(req.string("appArgs").as_deref().unwrap_or(""));
    let current = w.stasis_app_of(&id).unwrap_or_default();
    if w.active_app(&app).is_none() {
        let Some(channel) = w.channels.get(&id) else {
            return Err(ApiError::not_found("Channel not found"));
        };
        let mut fields = Map::new();
        fields.insert("channel".into(), channel.snapshot());
        fields.insert("destination".into(), json!(app));
        fields.insert("args".into(), json!(args));
        w.emit(
            crate::world::Route::App(current),
            "ApplicationMoveFailed",
            fields,
        );
        return Ok(AriResponse::no_content());
    }
    let via_pbx = w.channels.get(&id).is_some_and(|c| c.has_pbx);
    stasis::leave_stasis(&mut w, &id);
    stasis::enter_stasis(&mut w, &id, &app, args, via_pbx);
    Ok(AriResponse::no_content())
}

/// `POST /channels/{channelId}/redirect`: the channel is transferred away.
pub(crate) fn redirect(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    controlled(inner, req, |_, w, id| {
        let Some(endpoint) = req.string("endpoint").filter(|e| !e.is_empty()) else {
            return Err(ApiError::new(
                400,
                "Not Found",
                "Required parameter 'endpoint' not provided.",
            ));
        };
        let Some((tech, resource)) = endpoint.split_once('/').filter(|(t, _)| !t.is_empty()) else {
            return Err(ApiError::unprocessable(format!(
                "Endpoint parameter '{endpoint}' does not contain tech/resource"
            )));
        };
        if resource.is_empty() {
            return Err(ApiError::unprocessable(format!(
                "No resource provided in endpoint parameter '{endpoint}'"
            )));
        }
        let channel_tech = w
            .channels
            .get(id)
            .map(|c| c.tech().to_string())
            .unwrap_or_default();
        if !channel_tech.eq_ignore_ascii_case(tech) {
            return Err(ApiError::unprocessable(format!(
                "Endpoint technology '{tech}' does not match channel technology '{channel_tech}'"
            )));
        }
        calls::hangup(w, id, Hangup::Remote(16));
        Ok(())
    })
}

/// `GET /channels/{channelId}/variable`.
pub(crate) fn get_var(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let Some(variable) = req.string("variable").filter(|v| !v.is_empty()) else {
        return ApiError::bad_request("Variable name is required").into();
    };
    read_one(&w, req.path("channelId"), &variable)
        .map(|value| AriResponse::ok(json!({"value": value})))
        .unwrap_or_else(AriResponse::from)
}

fn read_one(w: &World, channel: &str, variable: &str) -> Result<String, ApiError> {
    if channel.is_empty() {
        return Err(ApiError::bad_request("Channel ID is required"));
    }
    if w.find_channel_by_name_or_id(channel).is_none() {
        return Err(ApiError::new(
            404,
            "Channel Not Found",
            "Provided channel was not found",
        ));
    }
    calls::read_var(w, channel, variable).map_err(|function| {
        if function {
            ApiError::new(
                500,
                "Error With Function",
                "Unable to read provided function",
            )
        } else {
            ApiError::new(404, "Variable Not Found", "Provided variable was not found")
        }
    })
}

/// `GET /channels/{channelId}/variables`.
pub(crate) fn get_vars(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let w = inner.lock();
    let names = req.list("variables");
    if names.is_empty() {
        return Err(ApiError::bad_request(
            "At least one variable name is required",
        ));
    }
    let channel = req.path("channelId");
    if w.find_channel_by_name_or_id(channel).is_none() {
        return Err(ApiError::new(
            404,
            "Channel Not Found",
            "Provided channel was not found",
        ));
    }
    let mut out = Map::new();
    for name in names {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(ApiError::bad_request("Variable names are required"));
        }
        let value = read_one(&w, channel, &name)?;
        out.insert(name, json!(value));
    }
    Ok(AriResponse::ok(json!({"variables": out})))
}

/// `POST /channels/{channelId}/variable`.
pub(crate) fn set_var(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let Some(variable) = req.string("variable").filter(|v| !v.is_empty()) else {
        return Err(ApiError::bad_request("Variable name is required"));
    };
    let id = find_control(&w, req.path("channelId"))?;
    let value = req.string("value");
    if req.boolean("report_events") {
        if let Some(channel) = w.channels.get_mut(&id) {
            channel.reported_vars.insert(variable.clone());
        }
    }
    calls::set_var(&mut w, &id, &variable, value.as_deref());
    Ok(AriResponse::no_content())
}

/// `POST /channels/{channelId}/variables`.
pub(crate) fn set_vars(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    if req.body.is_none() {
        return Err(ApiError::bad_request("The 'variables' field is required"));
    }
    if w.find_channel_by_name_or_id(req.path("channelId"))
        .is_none()
    {
        return Err(ApiError::new(
            404,
            "Channel Not Found",
            "Provided channel was not found",
        ));
    }
    let id = find_control(&w, req.path("channelId"))?;
    let Some(vars) = req.variables() else {
        return Err(ApiError::bad_request(
            "The 'variables' field must be a JSON object",
        ));
    };
    let (vars, reported) = parse_variables(&vars)?;
    for (name, value) in vars {
        if reported.contains(&name) {
            if let Some(channel) = w.channels.get_mut(&id) {
                channel.reported_vars.insert(name.trim().to_string());
            }
        }
        calls::set_var(&mut w, &id, name.trim(), Some(&value));
    }
    Ok(AriResponse::no_content())
}

fn snoop_direction(value: Option<String>, what: &str) -> Result<String, ApiError> {
    match value.as_deref() {
        None | Some("") | Some("none") => Ok("none".into()),
        Some(d @ ("both" | "out" | "in")) => Ok(d.to_string()),
        Some(_) => Err(ApiError::bad_request(format!(
            "Invalid direction specified for {what}"
        ))),
    }
}

/// `POST /channels/{channelId}/snoop[/{snoopId}]`.
pub(crate) fn snoop(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let spy = snoop_direction(req.string("spy"), "spy")?;
    let whisper = snoop_direction(req.string("whisper"), "whisper")?;
    if spy == "none" && whisper == "none" {
        return Err(ApiError::bad_request(
            "Direction must be specified for at least spy or whisper",
        ));
    }
    let Some(app) = req.string("app").filter(|a| !a.is_empty()) else {
        return Err(ApiError::bad_request("Application name is required"));
    };
    let Some(target) = w
        .find_channel_by_name_or_id(req.path("channelId"))
        .map(|c| c.id.clone())
    else {
        return Err(ApiError::new(
            404,
            "Channel Not Found",
            "Provided channel was not found",
        ));
    };
    let snoop_id = req
        .path
        .get("snoopId")
        .cloned()
        .or_else(|| req.string("snoopId"))
        .filter(|s| !s.is_empty());
    if snoop_id.as_deref().is_some_and(|s| w.channel_id_taken(s)) {
        return Err(ApiError::new(
            500,
            "Internal error",
            "Snoop channel could not be created",
        ));
    }
    let id = snoop_id.unwrap_or_else(|| w.next_uniqueid());
    let name = format!("Snoop/{target}-{:08x}", w.tech_seq);
    w.tech_seq += 1;
    let id = w.create_channel(
        id,
        name,
        ChanKind::Snoop {
            target: target.clone(),
        },
        ChanState::Up,
        "default",
        "s",
        Party::default(),
        String::new(),
    );
    if let Some(t) = w.channels.get_mut(&target) {
        t.snoops.push(id.clone());
    }
    if let Some(channel) = w.channels.get_mut(&id) {
        channel.vars.insert("SNOOP_SPY".into(), spy);
        channel.vars.insert("SNOOP_WHISPER".into(), whisper);
    }
    let args = stasis::split_app_args(req.string("appArgs").as_deref().unwrap_or(""));
    let snapshot = calls::start_in_stasis(&mut w, &id, &app, args, 0);
    Ok(AriResponse::ok(snapshot))
}

/// `POST /channels/{channelId}/dial`.
pub(crate) fn dial(inner: &Arc<Inner>, req: &AriRequest) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let id = find_control(&w, req.path("channelId"))?;
    calls::dial(inner, &mut w, &id, req.int("timeout"))?;
    Ok(AriResponse::no_content())
}

/// `GET /channels/{channelId}/rtp_statistics`.
pub(crate) fn rtp_statistics(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let Some(channel) = w.find_channel_by_name_or_id(req.path("channelId")) else {
        return ApiError::not_found("Channel not found").into();
    };
    if !matches!(channel.kind, ChanKind::Phone { .. } | ChanKind::External) {
        return ApiError::new(403, "Forbidden", "Unsupported channel type").into();
    }
    AriResponse::ok(json!({
        "txcount": 0, "rxcount": 0, "txjitter": 0.0, "rxjitter": 0.0,
        "remote_maxjitter": 0.0, "remote_minjitter": 0.0, "remote_normdevjitter": 0.0,
        "remote_stdevjitter": 0.0, "local_maxjitter": 0.0, "local_minjitter": 0.0,
        "local_normdevjitter": 0.0, "local_stdevjitter": 0.0, "txploss": 0, "rxploss": 0,
        "remote_maxrxploss": 0.0, "remote_minrxploss": 0.0, "remote_normdevrxploss": 0.0,
        "remote_stdevrxploss": 0.0, "local_maxrxploss": 0.0, "local_minrxploss": 0.0,
        "local_normdevrxploss": 0.0, "local_stdevrxploss": 0.0, "rtt": 0.0, "maxrtt": 0.0,
        "minrtt": 0.0, "normdevrtt": 0.0, "stdevrtt": 0.0, "local_ssrc": 1, "remote_ssrc": 2,
        "txoctetcount": 0, "rxoctetcount": 0, "channel_uniqueid": channel.id,
    }))
}

/// `POST /channels/externalMedia`: a media channel answered straight into Stasis.
pub(crate) fn external_media(
    inner: &Arc<Inner>,
    req: &AriRequest,
) -> Result<AriResponse, ApiError> {
    let mut w = inner.lock();
    let (variables, reported) = body_variables(req)?;
    let Some(app) = req.string("app").filter(|a| !a.is_empty()) else {
        return Err(ApiError::bad_request("app cannot be empty"));
    };
    let Some(format) = req.string("format").filter(|f| !f.is_empty()) else {
        return Err(ApiError::bad_request("format cannot be empty"));
    };
    if !calls::KNOWN_FORMATS.contains(&format.as_str()) {
        return Err(ApiError::unprocessable(
            "specified format is unknown on this system",
        ));
    }
    let transport = req.string("transport").unwrap_or_else(|| "udp".into());
    if transport == "websocket" {
        let release =
            crate::engine::chan_websocket_release::ChanWebsocket::of(&inner.settings.version);
        if !release.present {
            // Before chan_websocket, as any transport ARI does not know.
            return Err(ApiError::new(
                501,
                "Not Implemented",
                "The encapsulation and/or transport is not supported",
            ));
        }
        return external_media_websocket(inner, &mut w, req, &app, &format, variables, reported);
    }
    let Some(host) = req.string("external_host").filter(|h| !h.is_empty()) else {
        return Err(ApiError::bad_request(
            "external_host is required for all but websocket server connections",
        ));
    };
    if transport != "websocket" && !host.contains(':') {
        return Err(ApiError::bad_request(
            "external_host must be <host>:<port> for all transports other than websocket",
        ));
    }
    let id = req.string("channelId").filter(|i| !i.is_empty());
    if id.as_deref().is_some_and(|i| w.channel_id_taken(i)) {
        return Err(ApiError::conflict(
            "Channel with given unique ID already exists",
        ));
    }
    let id = id.unwrap_or_else(|| w.next_uniqueid());
    let tech = if transport == "tcp" {
        "AudioSocket"
    } else {
        "UnicastRTP"
    };
    let name = format!("{tech}/{host}-{:08x}", w.tech_seq);
    w.tech_seq += 1;
    let id = w.create_channel(
        id,
        name,
        ChanKind::External,
        ChanState::Up,
        "default",
        "s",
        Party::default(),
        String::new(),
    );
    for (name, value) in &variables {
        calls::set_var(&mut w, &id, name, Some(value));
    }
    if let Some(channel) = w.channels.get_mut(&id) {
        channel
            .vars
            .insert("UNICASTRTP_LOCAL_ADDRESS".into(), "127.0.0.1".into());
        channel
            .vars
            .insert("UNICASTRTP_LOCAL_PORT".into(), "10000".into());
        channel
            .reported_vars
            .insert("UNICASTRTP_LOCAL_ADDRESS".into());
        channel.reported_vars.insert("UNICASTRTP_LOCAL_PORT".into());
        for name in reported {
            channel.reported_vars.insert(name);
        }
    }
    let args = stasis::split_app_args(req.string("data").as_deref().unwrap_or(""));
    let snapshot = calls::start_in_stasis(&mut w, &id, &app, args, 16);
    Ok(AriResponse::ok(snapshot))
}

/// `externalMedia` with `transport=websocket`: a `WebSocket/...` channel
/// dialled into the application, as chan_websocket creates it. With
/// `connection_type=server` it waits (down) for the application on
/// `/media/<MEDIA_WEBSOCKET_CONNECTION_ID>`, then answers and enters
/// Stasis. With `client` (the default) `external_host` names a configured
/// `websocket_client`, which the fake dials (see `outbound::media`). What
/// the channel speaks is `release`'s chan_websocket.
fn external_media_websocket(
    inner: &Arc<Inner>,
    w: &mut crate::world::World,
    req: &AriRequest,
    app: &str,
    format: &str,
    variables: Vec<(String, String)>,
    reported: Vec<String>,
) -> Result<AriResponse, ApiError> {
    use crate::engine::websocket_media::{self, MediaLink, MediaRecord};
    let release = crate::engine::chan_websocket_release::ChanWebsocket::of(&inner.settings.version);
    let encapsulation = req.string("encapsulation").unwrap_or_else(|| "rtp".into());
    if encapsulation != "none" {
        return Err(ApiError::bad_request(
            "encapsulation must be 'none' for websocket transport",
        ));
    }
    let connection_type = req
        .string("connection_type")
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "client".into());
    let host = req.string("external_host").filter(|h| !h.is_empty());
    let client = if connection_type == "client" {
        let Some(host) = host else {
            return Err(ApiError::bad_request(
                "external_host is required for all but websocket server connections",
            ));
        };
        match inner.settings.outbound.client(&host) {
            Some(client) => Some(client.clone()),
            None => {
                return Err(ApiError::bad_request(
                    "external_host must be a valid websocket_client connection id.",
                ))
            }
        }
    } else {
        None
    };
    // ARI passes `direction` on as `d(...)` from the release that has it.
    let direction = req
        .string("direction")
        .filter(|d| !d.is_empty() && release.media_direction);
    if let Some(direction) = &direction {
        if !["both", "in", "out"].contains(&direction.as_str()) {
            return Err(ApiError::bad_request("Invalid direction specified"));
        }
    }
    let id = req.string("channelId").filter(|i| !i.is_empty());
    if id.as_deref().is_some_and(|i| w.channel_id_taken(i)) {
        return Err(ApiError::conflict(
            "Channel with given unique ID already exists",
        ));
    }
    let transport_data = req.string("transport_data").filter(|d| !d.is_empty());
    let options = websocket_media::parse_options(transport_data.as_deref().unwrap_or(""));
    // The dial string after `WebSocket/`, as ARI builds it.
    let target = client
        .as_ref()
        .map_or_else(|| "INCOMING".to_owned(), |client| client.id().to_owned());
    let dialstring = match (&transport_data, &direction) {
        (Some(data), Some(d)) => format!("{target}/{data}d({d})"),
        (Some(data), None) => format!("{target}/{data}"),
        (None, Some(d)) => format!("{target}/d({d})"),
        (None, None) => target.clone(),
    };
    // A server channel's id is a fresh UUID; a client channel's is the
    // connection's id (chan_websocket's `connection_id`).
    let connection_id = match &client {
        Some(client) => client.id().to_owned(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let frame_size = websocket_media::frame_size(format);
    let id = id.unwrap_or_else(|| w.next_uniqueid());
    let name = format!(
        "WebSocket/{target}/0x{:012x}",
        0x7f00_0000_0000u64 + u64::from(w.tech_seq)
    );
    w.tech_seq += 1;
    let id = w.create_channel(
        id,
        name,
        ChanKind::External,
        ChanState::Down,
        "default",
        "s",
        Party::default(),
        String::new(),
    );
    for (name, value) in &variables {
        calls::set_var(w, &id, name, Some(value));
    }
    if let Some(channel) = w.channels.get_mut(&id) {
        channel.vars.insert(
            "MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE".into(),
            frame_size.to_string(),
        );
        channel.vars.insert(
            "MEDIA_WEBSOCKET_CONNECTION_ID".into(),
            connection_id.clone(),
        );
        for name in reported {
            channel.reported_vars.insert(name);
        }
    }
    // Channels dialling one client share its id: their links are keyed apart.
    let link_key = match &client {
        Some(_) => format!("{connection_id}/{id}"),
        None => connection_id.clone(),
    };
    w.media_links.insert(
        link_key.clone(),
        MediaLink {
            connection_id,
            channel_id: id.clone(),
            app: app.to_string(),
            args: stasis::split_app_args(req.string("data").as_deref().unwrap_or("")),
            // An older release does not know `f(...)` and speaks plain text.
            json: options.json.unwrap_or(false) && release.json_and_marks,
            no_auto_answer: options.no_auto_answer,
            direction: direction
                .or(options.direction.filter(|_| release.media_direction))
                .unwrap_or_else(|| "both".into()),
            release,
            format: format.to_string(),
            frame_size,
            ptime: 20,
            record: MediaRecord::default(),
            ctl: None,
            dialstring: dialstring.clone(),
        },
    );
    // ARI's originate subscribes the application to the channel it dials:
    // it hears the dial now, the answer and StasisStart once connected.
    if let Some(subscriber) = w.apps.get_mut(app) {
        subscriber.channels.add(&id);
    }
    w.emit_dial(&id, "", &dialstring);
    if let Some(client) = client {
        let task = tokio::spawn(crate::outbound::media::dial_media(
            Arc::clone(inner),
            client,
            link_key,
            options.uri_params.clone(),
        ));
        w.outbound_tasks.push(task.abort_handle());
    }
    let Some(channel) = w.channels.get(&id) else {
        return Err(ApiError::new(
            500,
            "Internal Server Error",
            "An internal error prevented this request from being handled",
        ));
    };
    let mut snapshot = channel.snapshot();
    if let Value::Object(object) = &mut snapshot {
        let vars: serde_json::Map<String, Value> = channel
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        object.insert("channelvars".into(), Value::Object(vars));
    }
    Ok(AriResponse::ok(snapshot))
}

/// `POST /channels/{channelId}/transfer_progress`.
pub(crate) fn transfer_progress(
    inner: &Arc<Inner>,
    req: &AriRequest,
) -> Result<AriResponse, ApiError> {
    let w = inner.lock();
    let Some(states) = req.string("states").filter(|s| !s.is_empty()) else {
        return Err(ApiError::bad_request("states must not be empty"));
    };
    let valid = [
        "channel_progress",
        "channel_answered",
        "channel_unavailable",
        "channel_declined",
    ];
    if !valid.contains(&states.as_str()) {
        return Err(ApiError::bad_request("Invalid states value"));
    }
    find_control(&w, req.path("channelId"))?;
    Ok(AriResponse::no_content())
}
