//! Hanging a channel up, with the events Asterisk emits in its order: the
//! hangup request, the media and bridge it leaves, `StasisEnd`, its snoops
//! and Local peer, `ChannelDestroyed`, and the device and endpoint states.

use serde_json::{json, Map};

use super::party::set_caller;
use crate::engine::{bridges, media, stasis};
use crate::model::ChanKind;
use crate::world::World;

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
        bridges::remove_from_bridge(w, &bridge, id);
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
