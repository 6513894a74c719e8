//! An outgoing leg being dialled: the far end rings (a Local `;2` runs its
//! dialplan, a phone applies its answer mode), and its answer, ringing,
//! progress or refusal reaches the leg as `Dial` events; an answered leg
//! goes on to Stasis or the dialplan, an unanswered one fails.

use std::sync::Arc;

use super::hangup::{hangup, Hangup};
use super::into_stasis::enter_stasis_or_hang_up;
use super::party::{set_caller, set_connected};
use crate::engine::pbx;
use crate::error::ApiError;
use crate::model::{AfterAnswer, AnswerMode, ChanKind, ChanState};
use crate::world::{Inner, World};

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
pub(super) fn spawn_dial(
    inner: &Arc<Inner>,
    one: String,
    dialstring: String,
    timeout_ms: Option<u64>,
) {
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
            enter_stasis_or_hang_up(w, one, &app, args, false, 16);
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
