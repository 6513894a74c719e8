//! The ARI operations the proxy calls, described for ari-sdk's
//! version-agnostic client.
//!
//! The proxy forwards Asterisk's JSON rather than decoding it into one
//! major's models, so one proxy binary serves any Asterisk release: the
//! operations below are the stable paths every release since 13 has, sent
//! through [`ari_sdk::Client`] (which classifies error statuses and keeps
//! Asterisk's message).

use ari_sdk::request::{Method, OperationMeta, Request};

macro_rules! operations {
    ($($name:ident = $op:literal, $method:ident $path:literal;)*) => {
        $(
            #[doc = concat!("`", $op, "`: ", stringify!($method), " `", $path, "`")]
            pub(crate) static $name: OperationMeta = OperationMeta {
                name: $op,
                method: Method::$method,
                path: $path,
                errors: &[],
                since: &[],
                params_since: &[],
            };
        )*
    };
}

operations! {
    ASTERISK_INFO = "asterisk.getInfo", Get "/asterisk/info";
    GLOBAL_VAR_GET = "asterisk.getGlobalVar", Get "/asterisk/variable";
    GLOBAL_VAR_SET = "asterisk.setGlobalVar", Post "/asterisk/variable";

    APPLICATIONS_LIST = "applications.list", Get "/applications";
    APPLICATION_GET = "applications.get", Get "/applications/{applicationName}";
    APPLICATION_SUBSCRIBE = "applications.subscribe", Post "/applications/{applicationName}/subscription";
    APPLICATION_UNSUBSCRIBE = "applications.unsubscribe", Delete "/applications/{applicationName}/subscription";

    CHANNELS_LIST = "channels.list", Get "/channels";
    CHANNEL_GET = "channels.get", Get "/channels/{channelId}";
    CHANNEL_ORIGINATE = "channels.originateWithId", Post "/channels/{channelId}";
    CHANNEL_CREATE = "channels.create", Post "/channels/create";
    CHANNEL_EXTERNAL_MEDIA = "channels.externalMedia", Post "/channels/externalMedia";
    CHANNEL_HANGUP = "channels.hangup", Delete "/channels/{channelId}";
    CHANNEL_CONTINUE = "channels.continueInDialplan", Post "/channels/{channelId}/continue";
    CHANNEL_ANSWER = "channels.answer", Post "/channels/{channelId}/answer";
    CHANNEL_RING = "channels.ring", Post "/channels/{channelId}/ring";
    CHANNEL_RING_STOP = "channels.ringStop", Delete "/channels/{channelId}/ring";
    CHANNEL_DTMF = "channels.sendDTMF", Post "/channels/{channelId}/dtmf";
    CHANNEL_MUTE = "channels.mute", Post "/channels/{channelId}/mute";
    CHANNEL_UNMUTE = "channels.unmute", Delete "/channels/{channelId}/mute";
    CHANNEL_HOLD = "channels.hold", Post "/channels/{channelId}/hold";
    CHANNEL_UNHOLD = "channels.unhold", Delete "/channels/{channelId}/hold";
    CHANNEL_MOH = "channels.startMoh", Post "/channels/{channelId}/moh";
    CHANNEL_MOH_STOP = "channels.stopMoh", Delete "/channels/{channelId}/moh";
    CHANNEL_SILENCE = "channels.startSilence", Post "/channels/{channelId}/silence";
    CHANNEL_SILENCE_STOP = "channels.stopSilence", Delete "/channels/{channelId}/silence";
    CHANNEL_PLAY = "channels.playWithId", Post "/channels/{channelId}/play/{playbackId}";
    CHANNEL_RECORD = "channels.record", Post "/channels/{channelId}/record";
    CHANNEL_VAR_GET = "channels.getChannelVar", Get "/channels/{channelId}/variable";
    CHANNEL_VAR_SET = "channels.setChannelVar", Post "/channels/{channelId}/variable";
    CHANNEL_SNOOP = "channels.snoopChannelWithId", Post "/channels/{channelId}/snoop/{snoopId}";
    CHANNEL_DIAL = "channels.dial", Post "/channels/{channelId}/dial";

    BRIDGES_LIST = "bridges.list", Get "/bridges";
    BRIDGE_GET = "bridges.get", Get "/bridges/{bridgeId}";
    BRIDGE_CREATE = "bridges.createWithId", Post "/bridges/{bridgeId}";
    BRIDGE_DESTROY = "bridges.destroy", Delete "/bridges/{bridgeId}";
    BRIDGE_ADD_CHANNEL = "bridges.addChannel", Post "/bridges/{bridgeId}/addChannel";
    BRIDGE_REMOVE_CHANNEL = "bridges.removeChannel", Post "/bridges/{bridgeId}/removeChannel";
    BRIDGE_VIDEO_SOURCE = "bridges.setVideoSource", Post "/bridges/{bridgeId}/videoSource/{channelId}";
    BRIDGE_VIDEO_SOURCE_CLEAR = "bridges.clearVideoSource", Delete "/bridges/{bridgeId}/videoSource";
    BRIDGE_MOH = "bridges.startMoh", Post "/bridges/{bridgeId}/moh";
    BRIDGE_MOH_STOP = "bridges.stopMoh", Delete "/bridges/{bridgeId}/moh";
    BRIDGE_PLAY = "bridges.playWithId", Post "/bridges/{bridgeId}/play/{playbackId}";
    BRIDGE_RECORD = "bridges.record", Post "/bridges/{bridgeId}/record";

    PLAYBACK_GET = "playbacks.get", Get "/playbacks/{playbackId}";
    PLAYBACK_STOP = "playbacks.stop", Delete "/playbacks/{playbackId}";
    PLAYBACK_CONTROL = "playbacks.control", Post "/playbacks/{playbackId}/control";

    LIVE_GET = "recordings.getLive", Get "/recordings/live/{recordingName}";
    LIVE_CANCEL = "recordings.cancel", Delete "/recordings/live/{recordingName}";
    LIVE_STOP = "recordings.stop", Post "/recordings/live/{recordingName}/stop";
    LIVE_PAUSE = "recordings.pause", Post "/recordings/live/{recordingName}/pause";
    LIVE_UNPAUSE = "recordings.unpause", Delete "/recordings/live/{recordingName}/pause";
    LIVE_MUTE = "recordings.mute", Post "/recordings/live/{recordingName}/mute";
    LIVE_UNMUTE = "recordings.unmute", Delete "/recordings/live/{recordingName}/mute";

    STORED_LIST = "recordings.listStored", Get "/recordings/stored";
    STORED_GET = "recordings.getStored", Get "/recordings/stored/{recordingName}";
    STORED_DELETE = "recordings.deleteStored", Delete "/recordings/stored/{recordingName}";
    STORED_COPY = "recordings.copyStored", Post "/recordings/stored/{recordingName}/copy";

    DEVICE_STATES_LIST = "deviceStates.list", Get "/deviceStates";
    DEVICE_STATE_GET = "deviceStates.get", Get "/deviceStates/{deviceName}";
    DEVICE_STATE_UPDATE = "deviceStates.update", Put "/deviceStates/{deviceName}";
    DEVICE_STATE_DELETE = "deviceStates.delete", Delete "/deviceStates/{deviceName}";

    ENDPOINTS_LIST = "endpoints.list", Get "/endpoints";
    ENDPOINTS_BY_TECH = "endpoints.listByTech", Get "/endpoints/{tech}";
    ENDPOINT_GET = "endpoints.get", Get "/endpoints/{tech}/{resource}";

    MAILBOXES_LIST = "mailboxes.list", Get "/mailboxes";
    MAILBOX_GET = "mailboxes.get", Get "/mailboxes/{mailboxName}";
    MAILBOX_UPDATE = "mailboxes.update", Put "/mailboxes/{mailboxName}";
    MAILBOX_DELETE = "mailboxes.delete", Delete "/mailboxes/{mailboxName}";

    SOUNDS_LIST = "sounds.list", Get "/sounds";
    SOUND_GET = "sounds.get", Get "/sounds/{soundId}";

    USER_EVENT = "events.userEvent", Post "/events/user/{eventName}";
}

/// A request for `op` with its path parameters.
pub(crate) fn request(op: &'static OperationMeta, path: &[(&'static str, &str)]) -> Request {
    Request::new(op, path)
}

/// Sets a query parameter unless `value` is empty (ARI's defaults apply).
pub(crate) fn query(request: &mut Request, name: &'static str, value: &str) {
    if !value.is_empty() {
        request.query(name, value.to_string());
    }
}

/// Sets a numeric query parameter unless it is zero.
pub(crate) fn query_number(request: &mut Request, name: &'static str, value: i64) {
    if value != 0 {
        request.query(name, value.to_string());
    }
}
