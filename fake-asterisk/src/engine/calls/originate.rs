//! `POST /channels` (originate) and `POST /channels/create`: checking
//! the request as `ari_channels_handle_originate_with_id` and
//! `ast_ari_channels_create` do, and `ast_request`, which makes the
//! outgoing leg (a Local pair or a simulated phone's channel).

use std::sync::Arc;

use super::dial::spawn_dial;
use super::hangup::{hangup, Hangup};
use super::into_stasis::enter_stasis_or_hang_up;
use super::party::{parse_caller_id, set_caller, set_connected};
use super::variables::set_var;
use crate::engine::stasis;
use crate::error::ApiError;
use crate::model::{AfterAnswer, AnswerMode, ChanKind, ChanState, Party};
use crate::world::{Inner, World};

/// `AST_MAX_PUBLIC_UNIQUEID`.
const MAX_PUBLIC_UNIQUEID: usize = 127;

/// Media formats the fake claims to know (for `formats`).
pub(crate) const KNOWN_FORMATS: &[&str] = &[
    "ulaw", "alaw", "gsm", "g722", "g726", "g729", "ilbc", "lpc10", "speex", "speex16", "slin",
    "slin12", "slin16", "slin24", "slin32", "slin44", "slin48", "slin96", "slin192", "opus",
    "siren7", "siren14", "adpcm", "testlaw", "h263", "h264", "vp8", "vp9", "t140", "jpeg", "png",
];

/// The parameters of `POST /channels` and `/channels/{id}`.
#[derive(Debug, Default, Clone)]
pub(crate) struct OriginateParams {
    pub endpoint: Option<String>,
    pub extension: Option<String>,
    pub context: Option<String>,
    pub priority: i64,
    pub label: Option<String>,
    pub app: Option<String>,
    pub app_args: Option<String>,
    pub caller_id: Option<String>,
    pub timeout: i64,
    pub variables: Vec<(String, String)>,
    pub reported: Vec<String>,
    pub channel_id: Option<String>,
    pub other_channel_id: Option<String>,
    pub originator: Option<String>,
    pub formats: Option<String>,
}

/// Splits `Tech/resource`; both parts must be non-empty.
fn split_endpoint(endpoint: &str) -> Option<(&str, &str)> {
    let (tech, resource) = endpoint.split_once('/')?;
    (!tech.is_empty() && !resource.is_empty()).then_some((tech, resource))
}

/// `exten@context[/options]` of a Local channel.
fn split_local(resource: &str) -> (String, String) {
    let resource = resource.split('/').next().unwrap_or(resource);
    match resource.split_once('@') {
        Some((exten, context)) => (exten.to_string(), context.to_string()),
        None => (resource.to_string(), "default".to_string()),
    }
}

fn check_formats(formats: &str) -> Result<(), ApiError> {
    for format in formats.split(',').map(str::trim) {
        if !KNOWN_FORMATS.contains(&format) {
            return Err(ApiError::bad_request(format!(
                "Provided format ({format}) was not found"
            )));
        }
    }
    Ok(())
}

/// `POST /channels`: creates the outgoing leg(s) and starts dialling.
pub(crate) fn originate(
    inner: &Arc<Inner>,
    w: &mut World,
    p: OriginateParams,
) -> Result<serde_json::Value, ApiError> {
    for id in [&p.channel_id, &p.other_channel_id].into_iter().flatten() {
        if id.len() > MAX_PUBLIC_UNIQUEID {
            return Err(ApiError::bad_request(format!(
                "Uniqueid length exceeds maximum of {MAX_PUBLIC_UNIQUEID}"
            )));
        }
    }
    let endpoint = p.endpoint.clone().unwrap_or_default();
    if endpoint.is_empty() {
        return Err(ApiError::bad_request("Endpoint must be specified"));
    }
    if non_empty(&p.originator) && non_empty(&p.formats) {
        return Err(ApiError::bad_request(
            "Originator and formats can't both be specified",
        ));
    }
    let Some((tech, resource)) = split_endpoint(&endpoint) else {
        return Err(ApiError::bad_request("Invalid endpoint specified"));
    };
    let after_answer = if let Some(app) = p.app.clone().filter(|a| !a.is_empty()) {
        let args = stasis::split_app_args(p.app_args.as_deref().unwrap_or(""));
        AfterAnswer::Stasis { app, args }
    } else if let Some(exten) = p.extension.clone().filter(|e| !e.is_empty()) {
        let context = p
            .context
            .clone()
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "default".into());
        let priority = match p.label.as_deref().filter(|l| !l.is_empty()) {
            Some(label) => match label.trim().parse::<i64>() {
                Ok(n) => n,
                Err(_) => match w.dialplan.find_label(&context, &exten, label) {
                    Some(n) => i64::from(n),
                    None => return Err(ApiError::not_found("Requested label can not be found")),
                },
            },
            None if p.priority != 0 => p.priority,
            None => 1,
        };
        if priority <= 0 {
            return Err(ApiError::bad_request("Requested priority is illegal"));
        }
        AfterAnswer::Dialplan {
            context,
            exten,
            priority: u32::try_from(priority).unwrap_or(1),
        }
    } else {
        return Err(ApiError::bad_request(
            "Application or extension must be specified",
        ));
    };
    if let Some(originator) = p.originator.as_deref().filter(|o| !o.is_empty()) {
        if w.find_channel_by_name_or_id(originator).is_none() {
            return Err(ApiError::bad_request(
                "Provided originator channel was not found",
            ));
        }
    }
    if let Some(formats) = p.formats.as_deref().filter(|f| !f.is_empty()) {
        check_formats(formats)?;
    }
    let caller = p
        .caller_id
        .as_deref()
        .map(parse_caller_id)
        .unwrap_or_default();
    let report = resource_dialstring(tech, resource);
    let (one, peer) = request_channel(
        w,
        tech,
        resource,
        p.channel_id.clone(),
        p.other_channel_id.clone(),
    )?;
    w.set_dialplan_app(&one, "AppDial2", "(Outgoing Line)");
    if let Some(channel) = w.channels.get_mut(&one) {
        channel.idle_app = ("AppDial2".into(), "(Outgoing Line)".into());
    }
    if !caller.is_empty() {
        set_caller(w, &one, caller.clone());
        set_connected(w, &one, caller);
    }
    for (name, value) in &p.variables {
        set_var(w, &one, name, Some(value));
    }
    for name in &p.reported {
        if let Some(channel) = w.channels.get_mut(&one) {
            channel.reported_vars.insert(name.clone());
        }
    }
    if let AfterAnswer::Stasis { app, .. } = &after_answer {
        if let Some(app) = w.apps.get_mut(app) {
            app.channels.add(&one);
            if let Some(peer) = &peer {
                app.channels.add(peer);
            }
        }
    }
    if let Some(channel) = w.channels.get_mut(&one) {
        channel.after_answer = Some(after_answer);
        channel.dialing = true;
        channel.dial_report = report.clone();
    }
    let snapshot = w
        .channels
        .get(&one)
        .map(|c| c.snapshot())
        .unwrap_or_default();
    let timeout_ms = match p.timeout {
        t if t > 0 => Some(t as u64 * 1000),
        -1 => None,
        _ => Some(30_000),
    };
    spawn_dial(inner, one, report, timeout_ms);
    Ok(snapshot)
}

fn non_empty(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

fn resource_dialstring(tech: &str, resource: &str) -> String {
    if tech.eq_ignore_ascii_case("Local") {
        let (exten, context) = split_local(resource);
        format!("{exten}@{context}")
    } else {
        resource.to_string()
    }
}

/// `ast_request`: creates the outgoing channel (a Local pair or a phone
/// channel). Returns the requested leg and, for Local, its `;2` peer.
fn request_channel(
    w: &mut World,
    tech: &str,
    resource: &str,
    id: Option<String>,
    other_id: Option<String>,
) -> Result<(String, Option<String>), ApiError> {
    let id = id.filter(|i| !i.is_empty());
    let other_id = other_id.filter(|i| !i.is_empty());
    if id.as_deref().is_some_and(|i| w.channel_id_taken(i)) {
        return Err(ApiError::conflict(
            "Channel with given unique ID already exists",
        ));
    }
    if tech.eq_ignore_ascii_case("Local") {
        let (exten, context) = split_local(resource);
        let seq = w.local_seq;
        w.local_seq += 1;
        // `ast_unreal_new_channels`: a given id without a second one
        // names the `;2` half `<id>;2`.
        let two_id = match (&other_id, &id) {
            (Some(other), _) => Some(other.clone()),
            (None, Some(id)) => Some(format!("{id};2")),
            (None, None) => None,
        };
        let one_id = id.unwrap_or_else(|| w.next_uniqueid());
        let base = format!("Local/{exten}@{context}-{seq:08x}");
        let two_id = match two_id {
            Some(two) => two,
            None => w.next_uniqueid(),
        };
        let one = w.create_channel(
            one_id.clone(),
            format!("{base};1"),
            ChanKind::LocalOne {
                peer: two_id.clone(),
                exten: exten.clone(),
                context: context.clone(),
            },
            ChanState::Down,
            &context,
            &exten,
            Party::default(),
            String::new(),
        );
        if w.channel_id_taken(&two_id) {
            // The half already created goes away alone; the taken id belongs
            // to someone else's channel.
            if let Some(channel) = w.channels.get_mut(&one) {
                channel.kind = ChanKind::LocalOne {
                    peer: String::new(),
                    exten: exten.clone(),
                    context: context.clone(),
                };
            }
            hangup(w, &one, Hangup::Silent(0));
            return Err(ApiError::conflict(
                "Channel with given unique ID already exists",
            ));
        }
        w.create_channel(
            two_id.clone(),
            format!("{base};2"),
            ChanKind::LocalTwo { peer: one.clone() },
            ChanState::Ring,
            &context,
            &exten,
            Party::default(),
            String::new(),
        );
        // No `DeviceStateChanged` yet: Asterisk reports a Local device
        // when a leg changes state or goes away, not when it is created.
        return Ok((one, Some(two_id)));
    }
    let endpoint_name = format!("{tech}/{resource}");
    let Some(endpoint) = w.endpoints.get(&endpoint_name) else {
        return Err(ApiError::alloc_failed());
    };
    if endpoint.answer_mode == AnswerMode::Unreachable {
        return Err(ApiError::alloc_failed());
    }
    let context = endpoint.context.clone();
    let name = format!("{}/{}-{:08x}", endpoint.tech, endpoint.resource, w.tech_seq);
    w.tech_seq += 1;
    let one_id = id.unwrap_or_else(|| w.next_uniqueid());
    let protocol_id = format!("{}@127.0.0.1", uuid::Uuid::new_v4());
    let one = w.create_channel(
        one_id,
        name,
        ChanKind::Phone {
            endpoint: endpoint_name.clone(),
            inbound: false,
        },
        ChanState::Down,
        &context,
        "s",
        Party::default(),
        protocol_id,
    );
    w.publish_device(&endpoint_name);
    w.publish_endpoint(&endpoint_name);
    Ok((one, None))
}

/// The parameters of `POST /channels/create`.
#[derive(Debug, Default, Clone)]
pub(crate) struct CreateParams {
    pub endpoint: Option<String>,
    pub app: Option<String>,
    pub app_args: Option<String>,
    pub channel_id: Option<String>,
    pub other_channel_id: Option<String>,
    pub originator: Option<String>,
    pub formats: Option<String>,
    pub variables: Vec<(String, String)>,
    pub reported: Vec<String>,
}

/// `POST /channels/create`: a channel that enters Stasis at once and is
/// dialled later with `/dial`.
pub(crate) fn create(
    inner: &Arc<Inner>,
    w: &mut World,
    p: CreateParams,
) -> Result<serde_json::Value, ApiError> {
    if non_empty(&p.originator) && non_empty(&p.formats) {
        return Err(ApiError::bad_request(
            "Originator and formats can't both be specified",
        ));
    }
    let endpoint = p.endpoint.clone().unwrap_or_default();
    if endpoint.is_empty() {
        return Err(ApiError::bad_request("Endpoint must be specified"));
    }
    let Some((tech, resource)) = split_endpoint(&endpoint) else {
        return Err(ApiError::bad_request("Invalid endpoint specified"));
    };
    if let Some(formats) = p.formats.as_deref().filter(|f| !f.is_empty()) {
        if p.originator.as_deref().filter(|o| !o.is_empty()).is_none() {
            check_formats(formats)?;
        }
    }
    let app = p.app.clone().unwrap_or_default();
    if let Some(originator) = p
        .originator
        .as_deref()
        .and_then(|o| w.find_channel_by_name_or_id(o))
        .map(|c| c.id.clone())
    {
        if let Some(app) = w.apps.get_mut(&app) {
            app.channels.add(&originator);
        }
    }
    let dialstring = resource.to_string();
    let report = resource_dialstring(tech, resource);
    let (one, _peer) = request_channel(
        w,
        tech,
        resource,
        p.channel_id.clone(),
        p.other_channel_id.clone(),
    )?;
    if let Some(a) = w.apps.get_mut(&app) {
        a.channels.add(&one);
    }
    for (name, value) in &p.variables {
        set_var(w, &one, name, Some(value));
    }
    if let Some(channel) = w.channels.get_mut(&one) {
        for name in &p.reported {
            channel.reported_vars.insert(name.clone());
        }
        channel.dialstring = Some(dialstring);
        channel.dial_report = report;
    }
    let snapshot = w
        .channels
        .get(&one)
        .map(|c| c.snapshot())
        .unwrap_or_default();
    let args = stasis::split_app_args(p.app_args.as_deref().unwrap_or(""));
    let inner = inner.clone();
    tokio::spawn(async move {
        let mut w = inner.lock();
        let shown = if app.is_empty() {
            "(null)".to_string()
        } else {
            stasis::app_data(&app, &args)
        };
        w.set_dialplan_app(&one, "Stasis", &shown);
        // The Stasis thread owns the channel: the dialplan location stays
        // where it is, as `ChannelDialplan` above showed.
        if let Some(channel) = w.channels.get_mut(&one) {
            channel.pre_stasis_dialplan = Some(channel.dialplan.clone());
        }
        if app.is_empty() {
            if let Some(channel) = w.channels.get_mut(&one) {
                channel.vars.insert("STASISSTATUS".into(), String::new());
            }
            w.emit_varset(&one, "STASISSTATUS", "");
            w.emit_varset(&one, "STASISSTATUS", "FAILED");
            hangup(&mut w, &one, Hangup::Silent(0));
        } else {
            enter_stasis_or_hang_up(&mut w, &one, &app, args, true, 0);
        }
    });
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_endpoints() {
        assert_eq!(
            split_endpoint("Local/wait@test"),
            Some(("Local", "wait@test"))
        );
        assert_eq!(split_endpoint("Local/"), None);
        assert_eq!(split_endpoint("nothing"), None);
        assert_eq!(
            split_local("1002@stasis2/n"),
            ("1002".into(), "stasis2".into())
        );
        assert_eq!(split_local("100"), ("100".into(), "default".into()));
    }
}
