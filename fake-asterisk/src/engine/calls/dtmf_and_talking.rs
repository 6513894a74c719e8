//! In-band signals: DTMF digits sent and received, and the far end
//! starting and stopping talking (`ChannelTalkingStarted`/`Finished` when
//! `TALK_DETECT` is set); both reach the recordings that hear the channel.

use serde_json::{json, Map};

use crate::engine::media;
use crate::model::{ChanKind, RecordingControl};
use crate::world::World;

/// A DTMF digit arrives at channel `id` (from its far end).
pub(crate) fn receive_dtmf(w: &mut World, id: &str, digit: char, duration_ms: u64) {
    let mut fields = Map::new();
    fields.insert("digit".into(), json!(digit.to_string()));
    fields.insert("duration_ms".into(), json!(duration_ms));
    w.emit_channel(id, "ChannelDtmfReceived", fields);
    media::recording_stimulus(w, id, RecordingControl::Dtmf(digit));
    pass_through_bridge(w, id, digit, duration_ms);
}

/// A mixing bridge passes a member's digit on to the other members (ARI's
/// `absorbDTMF` keeps it; a holding bridge never passes frames between
/// its members), each sending it to its own far side: a media websocket
/// hears it as `DTMF_END`.
fn pass_through_bridge(w: &mut World, id: &str, digit: char, duration_ms: u64) {
    let Some(channel) = w.channels.get(id) else {
        return;
    };
    if channel.absorb_dtmf {
        return;
    }
    let Some(bridge) = channel.bridge.as_ref().and_then(|b| w.bridges.get(b)) else {
        return;
    };
    if bridge.bridge_type == "holding" {
        return;
    }
    // Not back into the channel's own Local peer (the digit came from there).
    let peer = match &channel.kind {
        ChanKind::LocalOne { peer, .. } | ChanKind::LocalTwo { peer } => Some(peer.as_str()),
        _ => None,
    };
    let others: Vec<String> = bridge
        .channels
        .iter()
        .filter(|member| *member != id && Some(member.as_str()) != peer)
        .cloned()
        .collect();
    for member in others {
        send_dtmf(w, &member, digit, duration_ms);
    }
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
        ChanKind::Snoop { .. } => channel.dtmf_sent.push(digit),
        ChanKind::External => {
            channel.dtmf_sent.push(digit);
            // A media websocket hears it as DTMF_END.
            let message = crate::engine::websocket_media::MediaCtl::Dtmf(digit);
            crate::engine::websocket_media::tell(w, from, message);
        }
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
