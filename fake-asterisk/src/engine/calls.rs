//! Calls: originate and create+dial onto Local channel pairs and simulated
//! phones, answer/ringing/busy propagation between the two legs, DTMF and
//! talking, and hang-up in the order Asterisk reports it.

use std::sync::Arc;

use serde_json::{json, Map};

use super::{media, pbx, stasis};
use crate::http::response::ApiError;
use crate::model::{AfterAnswer, AnswerMode, ChanKind, ChanState, Party, RecordingControl};
use crate::world::{Inner, World};

/// `AST_MAX_PUBLIC_UNIQUEID`.
const MAX_PUBLIC_UNIQUEID: usize = 127;

/// Media formats the fake claims to know (for `formats`).
pub(crate) const KNOWN_FORMATS: &[&str] = &[
    "ulaw", "alaw", "gsm", "g722", "g726", "g729", "ilbc", "lpc10", "speex", "speex16", "slin",
    "slin12", "slin16", "slin24", "slin32", "slin44", "slin48", "slin96", "slin192", "opus",
    "siren7", "siren14", "adpcm", "testlaw", "h263", "h264", "vp8", "vp9", "t140", "jpeg", "png",
];

/// How a channel is being hung up; decides the `ChannelHangupRequest` sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hangup {
    /// `DELETE /channels/{id}`: soft hangup `AST_SOFTHANGUP_EXPLICIT` (32).
    Explicit(u32),
    /// The far end hung up (Local peer, phone BYE): a hard request with the cause.
    Remote(u32),
    /// The dialplan's `Hangup` (or running off its end): a soft request.
    Dialplan(u32),
    /// Destroyed without a request (a dial that failed, a dead Stasis thread).
    Silent(u32),
}

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

/// Parses a caller id the way `ast_callerid_parse` does.
pub(crate) fn parse_caller_id(value: &str) -> Party {
    let value = value.trim();
    if let (Some(open), Some(close)) = (value.find('<'), value.rfind('>')) {
        if open < close {
            let number = value[open + 1..close].trim().to_string();
            let name = value[..open].trim().trim_matches('"').trim().to_string();
            return Party { name, number };
        }
    }
    let is_number = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || "+-*#() ".contains(c));
    if is_number {
        Party {
            name: String::new(),
            number: value.chars().filter(|c| !" -()".contains(*c)).collect(),
        }
    } else {
        Party {
            name: value.trim_matches('"').to_string(),
            number: String::new(),
        }
    }
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
        if app.is_empty() || !stasis::enter_stasis(&mut w, &one, &app, args, true) {
            if app.is_empty() {
                if let Some(channel) = w.channels.get_mut(&one) {
                    channel.vars.insert("STASISSTATUS".into(), String::new());
                }
                w.emit_varset(&one, "STASISSTATUS", "");
                w.emit_varset(&one, "STASISSTATUS", "FAILED");
            }
            hangup(&mut w, &one, Hangup::Silent(0));
        }
    });
    Ok(snapshot)
}

/// `POST /channels/{id}/dial`.
pub(crate) fn dial(
    inner: &Arc<Inner>,
    w: &mut World,
    id: &str,
    timeout_secs: i64,
) -> Result<(), ApiError> {
    let Some(channel) = w.channels.get(id) else {
        return Err(ApiError::not_found("Callee not found"));
    };
    if channel.state != ChanState::Down {
        return Err(ApiError::conflict("Channel is not in the 'Down' state"));
    }
    let Some(dialstring) = channel.dialstring.clone() else {
        return Err(ApiError::conflict("Dialing a channel not created by ARI"));
    };
    let report = channel.dial_report.clone();
    let _ = dialstring;
    if let Some(channel) = w.channels.get_mut(id) {
        channel.dialstring = None;
        channel.dialing = true;
        channel.after_answer = Some(AfterAnswer::Nothing);
        // Later `Dial` events of a control dial carry no dialstring.
        channel.dial_report = String::new();
    }
    let timeout_ms = (timeout_secs > 0).then(|| timeout_secs as u64 * 1000);
    spawn_dial(inner, id.to_string(), report, timeout_ms);
    Ok(())
}

/// Starts the far end of an outgoing leg, then enforces the dial timeout.
fn spawn_dial(inner: &Arc<Inner>, one: String, dialstring: String, timeout_ms: Option<u64>) {
    let inner = inner.clone();
    tokio::spawn(async move {
        let hangup_rx = {
            let mut w = inner.lock();
            let Some(channel) = w.channels.get(&one) else {
                return;
            };
            let rx = channel.hangup_tx.subscribe();
            start_far_end(&inner, &mut w, &one, &dialstring);
            rx
        };
        let Some(timeout_ms) = timeout_ms else {
            return;
        };
        let mut hangup_rx = hangup_rx;
        tokio::select! {
            _ = inner.clock.sleep(timeout_ms) => {}
            _ = hangup_rx.wait_for(|hung_up| *hung_up) => return,
        }
        let mut w = inner.lock();
        let still_dialing = w
            .channels
            .get(&one)
            .is_some_and(|c| c.dialing && !c.hanging_up);
        if still_dialing {
            w.emit_dial(&one, "NOANSWER", "");
            fail_dial(&mut w, &one, 19);
        }
    });
}

/// Rings the far end of an outgoing leg: runs the Local `;2` dialplan or
/// applies the phone's answer mode.
fn start_far_end(inner: &Arc<Inner>, w: &mut World, one: &str, dialstring: &str) {
    let Some(channel) = w.channels.get(one) else {
        return;
    };
    match channel.kind.clone() {
        ChanKind::LocalOne {
            peer,
            exten,
            context,
        } => {
            // Asterisk keeps channel variables newest first, and copies them so.
            let vars: Vec<(String, String)> = channel
                .vars
                .iter()
                .rev()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let (caller, connected) = (channel.caller.clone(), channel.connected.clone());
            for (name, value) in vars {
                if let Some(two) = w.channels.get_mut(&peer) {
                    two.vars.insert(name.clone(), value.clone());
                }
                w.emit_varset(&peer, &name, &value);
            }
            // Asterisk copies both parties into `;2` before publishing
            // either, so its `ChannelCallerId` already shows the connected line.
            if let Some(two) = w.channels.get_mut(&peer) {
                if !connected.is_empty() {
                    two.caller = connected.clone();
                }
                if !caller.is_empty() {
                    two.connected = caller.clone();
                }
            }
            if !connected.is_empty() {
                set_caller(w, &peer, connected);
            }
            if !caller.is_empty() {
                set_connected(w, &peer, caller);
            }
            w.emit_dial(one, "", dialstring);
            if w.dialplan.has_extension(&context, &exten) {
                pbx::start_pbx(inner, w, &peer, &context, &exten, 1);
            } else {
                w.emit_dial(one, "CHANUNAVAIL", "");
                hangup(w, &peer, Hangup::Silent(1));
                fail_dial(w, one, 1);
            }
        }
        ChanKind::Phone {
            endpoint,
            inbound: false,
        } => {
            w.emit_dial(one, "", dialstring);
            let Some(ep) = w.endpoints.get(&endpoint) else {
                fail_dial(w, one, 1);
                return;
            };
            let mode = ep.answer_mode;
            let _ = ep.incoming.send(one.to_string());
            match mode {
                AnswerMode::AutoAnswer { after_ms } => {
                    ringing(w, one);
                    let inner = inner.clone();
                    let one = one.to_string();
                    tokio::spawn(async move {
                        inner.clock.sleep(after_ms).await;
                        let mut w = inner.lock();
                        if w.channels
                            .get(&one)
                            .is_some_and(|c| c.dialing && !c.hanging_up)
                        {
                            answer(&inner, &mut w, &one);
                        }
                    });
                }
                AnswerMode::RingForever => ringing(w, one),
                AnswerMode::Busy => {
                    w.emit_dial(one, "BUSY", "");
                    fail_dial(w, one, 17);
                }
                AnswerMode::Reject | AnswerMode::Unreachable => {
                    w.emit_dial(one, "CONGESTION", "");
                    fail_dial(w, one, 21);
                }
            }
        }
        _ => {}
    }
}

/// An outgoing leg did not get answered: an originated one is hung up, a
/// created one stays (in Stasis) for the application to deal with.
pub(crate) fn fail_dial(w: &mut World, one: &str, cause: u32) {
    let Some(channel) = w.channels.get_mut(one) else {
        return;
    };
    channel.dialing = false;
    let originated = !matches!(channel.after_answer, Some(AfterAnswer::Nothing));
    if originated {
        hangup(w, one, Hangup::Silent(cause));
    } else if let Some(peer) = channel.peer().map(str::to_string) {
        hangup(w, &peer, Hangup::Remote(cause));
    }
}

/// The channel `id` answers; for a Local `;2` or a dialled phone the
/// outgoing leg sees `Dial ANSWER` and goes on (Stasis, dialplan).
pub(crate) fn answer(inner: &Arc<Inner>, w: &mut World, id: &str) {
    let Some(channel) = w.channels.get(id) else {
        return;
    };
    let kind = channel.kind.clone();
    w.set_state(id, ChanState::Up);
    match kind {
        ChanKind::LocalTwo { peer } => {
            w.set_state(&peer, ChanState::Up);
            outgoing_answered(inner, w, &peer);
        }
        ChanKind::Phone { endpoint, inbound } => {
            if !inbound {
                outgoing_answered(inner, w, id);
            }
            w.publish_device(&endpoint);
        }
        _ => {}
    }
}

fn outgoing_answered(inner: &Arc<Inner>, w: &mut World, one: &str) {
    let Some(channel) = w.channels.get_mut(one) else {
        return;
    };
    if !channel.dialing {
        return;
    }
    channel.dialing = false;
    let report = channel.dial_report.clone();
    let after = channel.after_answer.take();
    w.emit_dial(one, "ANSWER", &report);
    match after {
        Some(AfterAnswer::Stasis { app, args }) => {
            if !stasis::enter_stasis(w, one, &app, args, false) {
                hangup(w, one, Hangup::Silent(16));
            }
        }
        Some(AfterAnswer::Dialplan {
            context,
            exten,
            priority,
        }) => {
            pbx::start_pbx(inner, w, one, &context, &exten, priority);
        }
        Some(AfterAnswer::Nothing) | None => {
            if let Some(channel) = w.channels.get_mut(one) {
                channel.after_answer = Some(AfterAnswer::Nothing);
            }
        }
    }
}

/// The channel `id` indicates ringing to its caller.
pub(crate) fn ringing(w: &mut World, id: &str) {
    let Some(channel) = w.channels.get(id) else {
        return;
    };
    match channel.kind.clone() {
        ChanKind::LocalTwo { peer } => {
            outgoing_progress(w, &peer, Some(ChanState::Ringing), "RINGING")
        }
        ChanKind::Phone { inbound: false, .. } => {
            outgoing_progress(w, id, Some(ChanState::Ringing), "RINGING")
        }
        _ => {}
    }
}

/// The channel `id` indicates progress (early media) to its caller.
pub(crate) fn progress(w: &mut World, id: &str) {
    let Some(channel) = w.channels.get(id) else {
        return;
    };
    match channel.kind.clone() {
        ChanKind::LocalTwo { peer } => outgoing_progress(w, &peer, None, "PROGRESS"),
        ChanKind::Phone { inbound: false, .. } => outgoing_progress(w, id, None, "PROGRESS"),
        _ => {}
    }
}

fn outgoing_progress(w: &mut World, one: &str, state: Option<ChanState>, status: &str) {
    let Some(channel) = w.channels.get(one) else {
        return;
    };
    if channel.state == ChanState::Up || !channel.dialing {
        return;
    }
    let report = channel.dial_report.clone();
    let device = channel.device();
    if let Some(state) = state {
        w.set_state(one, state);
    }
    w.emit_dial(one, status, &report);
    // A Local leg's state change reports its device already (`set_state`).
    let local = w.channels.get(one).is_some_and(|c| c.is_local());
    if let (Some(device), Some(_), false) = (device, state, local) {
        w.publish_device(&device);
    }
}

/// The channel `id` (a Local `;2` in `Busy()`/`Congestion()`) refuses the call.
pub(crate) fn refuse(w: &mut World, id: &str, busy: bool) {
    let Some(channel) = w.channels.get(id) else {
        return;
    };
    let ChanKind::LocalTwo { peer } = channel.kind.clone() else {
        return;
    };
    if busy {
        w.set_state(id, ChanState::Busy);
    }
    let dialing = w.channels.get(&peer).is_some_and(|c| c.dialing);
    if dialing {
        let (status, cause) = if busy {
            ("BUSY", 17)
        } else {
            ("CONGESTION", 34)
        };
        w.emit_dial(&peer, status, "");
        let originated = w
            .channels
            .get(&peer)
            .is_some_and(|c| !matches!(c.after_answer, Some(AfterAnswer::Nothing)));
        if let Some(channel) = w.channels.get_mut(&peer) {
            channel.dialing = false;
        }
        if originated {
            hangup(w, &peer, Hangup::Silent(cause));
        }
    }
}

/// Hangs a channel up, emitting what Asterisk emits, in its order.
pub(crate) fn hangup(w: &mut World, id: &str, how: Hangup) {
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    if channel.hanging_up {
        return;
    }
    channel.hanging_up = true;
    let cause = match how {
        Hangup::Explicit(c) | Hangup::Remote(c) | Hangup::Dialplan(c) | Hangup::Silent(c) => c,
    };
    channel.hangup_cause = cause;
    channel.dialing = false;
    // Wake every timer waiting on this channel.
    channel.hangup_tx.send_replace(true);
    let has_pbx = channel.has_pbx;
    let peer = channel.peer().map(str::to_string);
    let snoops = std::mem::take(&mut channel.snoops);
    match how {
        Hangup::Explicit(_) => {
            let mut fields = Map::new();
            fields.insert("cause".into(), json!(32));
            fields.insert("soft".into(), json!(true));
            w.emit_channel(id, "ChannelHangupRequest", fields);
        }
        Hangup::Remote(c) => {
            let mut fields = Map::new();
            fields.insert("cause".into(), json!(c));
            w.emit_channel(id, "ChannelHangupRequest", fields);
        }
        Hangup::Dialplan(c) => {
            let mut fields = Map::new();
            fields.insert("cause".into(), json!(c));
            fields.insert("soft".into(), json!(true));
            w.emit_channel(id, "ChannelHangupRequest", fields);
        }
        Hangup::Silent(_) => {}
    }
    media::abort_channel_media(w, id);
    if let Some(bridge) = w.channels.get(id).and_then(|c| c.bridge.clone()) {
        super::bridges::remove_from_bridge(w, &bridge, id);
    }
    stasis::leave_stasis(w, id);
    if has_pbx && !matches!(how, Hangup::Dialplan(_) | Hangup::Silent(_)) {
        let mut fields = Map::new();
        fields.insert("cause".into(), json!(16));
        fields.insert("soft".into(), json!(true));
        w.emit_channel(id, "ChannelHangupRequest", fields);
    }
    for snoop in snoops {
        hangup(w, &snoop, Hangup::Remote(16));
    }
    if let Some(peer) = peer {
        let peer_cause = if matches!(how, Hangup::Silent(_)) && cause == 0 {
            0
        } else {
            cause
        };
        if peer_cause == 0 {
            hangup(w, &peer, Hangup::Silent(0));
        } else {
            hangup(w, &peer, Hangup::Remote(peer_cause));
        }
    }
    let mut unpublished_caller = None;
    if let Some(channel) = w.channels.get_mut(id) {
        let (app_name, app_data) = channel.idle_app.clone();
        channel.dialplan.app_name = app_name;
        channel.dialplan.app_data = app_data;
        if let Some(caller) = channel.unpublished_caller.take() {
            channel.caller = caller;
            unpublished_caller = Some(channel.caller.clone());
        }
    }
    let mut fields = Map::new();
    fields.insert("cause".into(), json!(cause));
    fields.insert("cause_txt".into(), json!(crate::model::cause_text(cause)));
    w.emit_channel(id, "ChannelDestroyed", fields);
    if let Some(caller) = unpublished_caller {
        // Published only now, after the destroyed snapshot that shows it.
        set_caller(w, id, caller);
    }
    let Some(channel) = w.channels.shift_remove(id) else {
        return;
    };
    for app in w.apps.values_mut() {
        app.channels.ids.shift_remove(id);
    }
    if let ChanKind::Snoop { target } = &channel.kind {
        if let Some(target) = w.channels.get_mut(target) {
            target.snoops.retain(|s| s != id);
        }
    }
    if let Some(device) = channel.device() {
        w.publish_device(&device);
    }
    if let ChanKind::Phone { endpoint, .. } = &channel.kind {
        w.publish_endpoint(endpoint);
    }
}

/// Emits `ChannelCallerId` after changing a channel's caller.
pub(crate) fn set_caller(w: &mut World, id: &str, caller: Party) {
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    channel.caller = caller;
    let mut fields = Map::new();
    fields.insert("caller_presentation".into(), json!(0));
    fields.insert(
        "caller_presentation_txt".into(),
        json!("Presentation Allowed, Not Screened"),
    );
    w.emit_channel(id, "ChannelCallerId", fields);
}

/// Emits `ChannelConnectedLine` after changing a channel's connected line.
pub(crate) fn set_connected(w: &mut World, id: &str, connected: Party) {
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    channel.connected = connected;
    w.emit_channel(id, "ChannelConnectedLine", Map::new());
}

/// Sets (or with `None` unsets) a channel variable or writes a dialplan
/// function, with the events Asterisk emits for each.
pub(crate) fn set_var(w: &mut World, id: &str, name: &str, value: Option<&str>) {
    let Some(channel) = w.channels.get(id) else {
        return;
    };
    let name = name.trim();
    if let Some((func, arg)) = parse_function(name) {
        let value = value.unwrap_or("");
        let func = func.to_ascii_uppercase();
        let arg = arg.to_ascii_lowercase();
        match func.as_str() {
            "CALLERID" => {
                let mut caller = channel.caller.clone();
                if update_party(&mut caller, &arg, value) {
                    set_caller(w, id, caller);
                }
            }
            "CONNECTEDLINE" => {
                let mut connected = channel.connected.clone();
                let peer = channel.peer().map(str::to_string);
                let from_one = matches!(channel.kind, ChanKind::LocalOne { .. });
                if update_party(&mut connected, &arg, value) {
                    set_connected(w, id, connected.clone());
                    match (peer, from_one) {
                        // chan_local writes it into `;2` without publishing.
                        (Some(peer), true) => {
                            if let Some(two) = w.channels.get_mut(&peer) {
                                two.unpublished_caller = Some(connected);
                            }
                        }
                        (Some(peer), false) => set_caller(w, &peer, connected),
                        (None, _) => {}
                    }
                }
            }
            "TALK_DETECT" => {
                if let Some(channel) = w.channels.get_mut(id) {
                    channel.talk_detect = arg == "set";
                }
            }
            "CHANNEL" if arg == "language" => {
                if let Some(channel) = w.channels.get_mut(id) {
                    channel.language = value.to_string();
                }
            }
            "CHANNEL" if arg == "accountcode" => {
                if let Some(channel) = w.channels.get_mut(id) {
                    channel.accountcode = value.to_string();
                }
            }
            "GLOBAL" => {
                w.global_vars.insert(arg_original(name), value.to_string());
            }
            // Unknown functions fail quietly, as a failed write does in Asterisk.
            _ => {}
        }
        return;
    }
    let stored = name.trim_start_matches('_').to_string();
    match value {
        None => {
            if let Some(channel) = w.channels.get_mut(id) {
                channel.vars.shift_remove(&stored);
            }
        }
        Some(value) => {
            if let Some(channel) = w.channels.get_mut(id) {
                channel.vars.insert(stored, value.to_string());
            }
            w.emit_varset(id, name, value);
        }
    }
}

/// `FUNC(args)` to `("FUNC", "args")`.
pub(crate) fn parse_function(name: &str) -> Option<(&str, &str)> {
    let open = name.find('(')?;
    let inner = name.strip_suffix(')')?;
    Some((&name[..open], &inner[open + 1..]))
}

fn arg_original(name: &str) -> String {
    parse_function(name)
        .map(|(_, a)| a.to_string())
        .unwrap_or_default()
}

fn update_party(party: &mut Party, field: &str, value: &str) -> bool {
    match field {
        "name" => party.name = value.to_string(),
        "num" | "number" => party.number = value.to_string(),
        "all" => *party = parse_caller_id(value),
        _ => return false,
    }
    true
}

/// Reads a variable or function as `GET /channels/{id}/variable` does.
/// `Err(true)` means a function that cannot be read; `Err(false)` an unset variable.
pub(crate) fn read_var(w: &World, id: &str, name: &str) -> Result<String, bool> {
    let Some(channel) = w.find_channel_by_name_or_id(id) else {
        return Err(false);
    };
    if name.ends_with(')') {
        let Some((func, arg)) = parse_function(name) else {
            return Err(true);
        };
        let arg_lower = arg.to_ascii_lowercase();
        return match (func.to_ascii_uppercase().as_str(), arg_lower.as_str()) {
            ("CHANNEL", "name") => Ok(channel.name.clone()),
            ("CHANNEL", "state") => Ok(channel.state.as_str().to_string()),
            ("CHANNEL", "uniqueid") => Ok(channel.id.clone()),
            ("CHANNEL", "language") => Ok(channel.language.clone()),
            ("CHANNEL", "accountcode") => Ok(channel.accountcode.clone()),
            ("CHANNEL", "channeltype") => Ok(channel.tech().to_string()),
            ("CALLERID", "name") => Ok(channel.caller.name.clone()),
            ("CALLERID", "num") | ("CALLERID", "number") => Ok(channel.caller.number.clone()),
            ("CALLERID", "all") => Ok(format!(
                "\"{}\" <{}>",
                channel.caller.name, channel.caller.number
            )),
            ("CONNECTEDLINE", "name") => Ok(channel.connected.name.clone()),
            ("CONNECTEDLINE", "num") | ("CONNECTEDLINE", "number") => {
                Ok(channel.connected.number.clone())
            }
            ("CONNECTEDLINE", "all") => Ok(format!(
                "\"{}\" <{}>",
                channel.connected.name, channel.connected.number
            )),
            ("GLOBAL", _) => Ok(w.global_vars.get(arg).cloned().unwrap_or_default()),
            _ => Err(true),
        };
    }
    if let Some(value) = channel.vars.get(name.trim_start_matches('_')) {
        return Ok(value.clone());
    }
    let builtin = match name {
        "CHANNEL" => Some(channel.name.clone()),
        "UNIQUEID" => Some(channel.id.clone()),
        "EXTEN" => Some(channel.dialplan.exten.clone()),
        "CONTEXT" => Some(channel.dialplan.context.clone()),
        "PRIORITY" => Some(channel.dialplan.priority.to_string()),
        "CALLERID(num)" => Some(channel.caller.number.clone()),
        "LANGUAGE" => Some(channel.language.clone()),
        _ => None,
    };
    if let Some(value) = builtin {
        return Ok(value);
    }
    w.global_vars.get(name).cloned().ok_or(false)
}

/// A DTMF digit arrives at channel `id` (from its far end).
pub(crate) fn receive_dtmf(w: &mut World, id: &str, digit: char, duration_ms: u64) {
    let mut fields = Map::new();
    fields.insert("digit".into(), json!(digit.to_string()));
    fields.insert("duration_ms".into(), json!(duration_ms));
    w.emit_channel(id, "ChannelDtmfReceived", fields);
    media::recording_stimulus(w, id, RecordingControl::Dtmf(digit));
}

/// Channel `from` sends a DTMF digit to whatever is on its other side.
pub(crate) fn send_dtmf(w: &mut World, from: &str, digit: char, duration_ms: u64) {
    let Some(channel) = w.channels.get_mut(from) else {
        return;
    };
    match channel.kind.clone() {
        ChanKind::LocalOne { peer, .. } | ChanKind::LocalTwo { peer } => {
            receive_dtmf(w, &peer, digit, duration_ms);
        }
        ChanKind::Phone { .. } => channel.dtmf_sent.push(digit),
        ChanKind::Snoop { .. } | ChanKind::External => channel.dtmf_sent.push(digit),
    }
}

/// The far end of `id` starts or stops talking.
pub(crate) fn set_talking(w: &mut World, id: &str, talking: bool) {
    let clock_now = tokio::time::Instant::now();
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    let detect = channel.talk_detect;
    if talking {
        if channel.talking_since.is_some() {
            return;
        }
        channel.talking_since = Some(clock_now);
        if detect {
            w.emit_channel(id, "ChannelTalkingStarted", Map::new());
        }
    } else {
        let Some(since) = channel.talking_since.take() else {
            return;
        };
        if detect {
            let real = clock_now.saturating_duration_since(since);
            let mut fields = Map::new();
            fields.insert("duration".into(), json!(real.as_millis() as u64));
            w.emit_channel(id, "ChannelTalkingFinished", fields);
        }
    }
    media::recording_stimulus(w, id, RecordingControl::Talking(talking));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_caller_ids() {
        assert_eq!(
            parse_caller_id("Capture Test <5551000>"),
            Party {
                name: "Capture Test".into(),
                number: "5551000".into()
            }
        );
        assert_eq!(
            parse_caller_id("\"Dial Plan\" <200>"),
            Party {
                name: "Dial Plan".into(),
                number: "200".into()
            }
        );
        assert_eq!(
            parse_caller_id("5551000"),
            Party {
                name: String::new(),
                number: "5551000".into()
            }
        );
        assert_eq!(
            parse_caller_id("Alice"),
            Party {
                name: "Alice".into(),
                number: String::new()
            }
        );
    }

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
        assert_eq!(parse_function("CALLERID(name)"), Some(("CALLERID", "name")));
        assert_eq!(parse_function("PLAIN"), None);
    }
}
