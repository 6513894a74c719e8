//! The parameters of requests, one struct per field of the Go `Request`,
//! with the field names and omissions Go's JSON encoder gives them (a few
//! Go structs carry no JSON tags: their fields keep Go's capitalised names,
//! and Go's `time.Duration` travels as integer nanoseconds).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

/// Go's `time.Duration` on the wire: a signed count of nanoseconds. A
/// negative count (Go allows it) reads as zero.
mod go_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(i64::try_from(value.as_nanos()).unwrap_or(i64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let nanos = i64::deserialize(deserializer)?;
        Ok(Duration::from_nanos(u64::try_from(nanos).unwrap_or(0)))
    }
}

/// `application_subscribe`: subscribe an application to an event source.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApplicationSubscribe {
    /// `channel:<id>`, `bridge:<id>`, `endpoint:<tech>/<resource>` or
    /// `deviceState:<name>`.
    #[serde(default)]
    pub event_source: String,
}

/// `asterisk_variable_set`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AsteriskVariableSet {
    /// The value to set.
    #[serde(default)]
    pub value: String,
}

/// One configuration attribute of `asterisk_config`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConfigTuple {
    /// The attribute.
    #[serde(default)]
    pub attribute: String,
    /// Its value.
    #[serde(default)]
    pub value: String,
}

/// `asterisk_config`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AsteriskConfig {
    /// The attributes to update.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tuples: Vec<ConfigTuple>,
}

/// `asterisk_logging_channel`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AsteriskLoggingChannel {
    /// The levels, comma-separated (Go names the field `config` on the wire).
    #[serde(default, rename = "config")]
    pub levels: String,
}

/// `bridge_add_channel`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BridgeAddChannel {
    /// The channel's id.
    #[serde(default)]
    pub channel: String,
    /// DTMF from the channel is not passed into the bridge.
    #[serde(default, rename = "absorbDTMF", skip_serializing_if = "is_false")]
    pub absorb_dtmf: bool,
    /// Audio from the channel is not passed into the bridge.
    #[serde(default, skip_serializing_if = "is_false")]
    pub mute: bool,
    /// The channel's role in the bridge.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role: String,
}

/// `bridge_create` (the new bridge's id is the request key's `id`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BridgeCreate {
    /// Comma-separated bridge type attributes (`mixing`, `holding`, ...).
    #[serde(default, rename = "type")]
    pub bridge_type: String,
    /// The bridge's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// `bridge_moh`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BridgeMoh {
    /// The music on hold class.
    #[serde(default)]
    pub class: String,
}

/// `bridge_play` and `channel_play`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Play {
    /// The playback's id (the proxy makes one when empty).
    #[serde(default)]
    pub playback_id: String,
    /// The media to play (`sound:hello-world`).
    #[serde(default)]
    pub media_uri: String,
}

/// Recording options (a Go struct without JSON tags: capitalised names,
/// durations in nanoseconds).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecordingOptions {
    /// The file format (`wav`).
    #[serde(default, rename = "Format")]
    pub format: String,
    /// The longest recording (zero: no limit).
    #[serde(default, rename = "MaxDuration", with = "go_duration")]
    pub max_duration: Duration,
    /// The longest silence before the recording stops (zero: no limit).
    #[serde(default, rename = "MaxSilence", with = "go_duration")]
    pub max_silence: Duration,
    /// What to do when the file exists (`fail`, `overwrite`, `append`).
    #[serde(default, rename = "Exists")]
    pub exists: String,
    /// Play a beep first.
    #[serde(default, rename = "Beep")]
    pub beep: bool,
    /// The DTMF that ends the recording (`none`, `any`, `*`, `#`).
    #[serde(default, rename = "Terminate")]
    pub terminate: String,
}

/// `bridge_record` and `channel_record`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Record {
    /// The recording's name (the proxy makes one when empty).
    #[serde(default)]
    pub name: String,
    /// Options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<RecordingOptions>,
}

/// `bridge_remove_channel` and `bridge_video_source`: a channel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BridgeChannel {
    /// The channel's id.
    #[serde(default)]
    pub channel: String,
}

/// A channel to create (`channels.create`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelCreateRequest {
    /// The endpoint to call (`PJSIP/alice`).
    #[serde(default)]
    pub endpoint: String,
    /// The Stasis application the channel enters.
    #[serde(default)]
    pub app: String,
    /// The application's arguments, comma-separated.
    #[serde(default, rename = "appArgs", skip_serializing_if = "String::is_empty")]
    pub app_args: String,
    /// The new channel's id (the proxy makes one when empty).
    #[serde(
        default,
        rename = "channelId",
        skip_serializing_if = "String::is_empty"
    )]
    pub channel_id: String,
    /// The second Local channel's id.
    #[serde(
        default,
        rename = "otherChannelId",
        skip_serializing_if = "String::is_empty"
    )]
    pub other_channel_id: String,
    /// The channel the new one is made for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub originator: String,
    /// Allowed codecs, comma-separated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub formats: String,
}

/// `channel_create`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelCreate {
    /// The channel to create.
    #[serde(default)]
    pub channel_create_request: ChannelCreateRequest,
}

/// `channel_continue`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelContinue {
    /// The dialplan context.
    #[serde(default)]
    pub context: String,
    /// The extension.
    #[serde(default)]
    pub extension: String,
    /// The priority.
    #[serde(default)]
    pub priority: i64,
}

/// `channel_dial`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelDial {
    /// The calling channel's id, whose media the dialled one matches.
    #[serde(default)]
    pub caller: String,
    /// How long to ring (nanoseconds on the wire).
    #[serde(default, with = "go_duration")]
    pub timeout: Duration,
}

/// `channel_hangup`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelHangup {
    /// The reason (`normal`, `busy`, ...; empty: Asterisk's default).
    #[serde(default)]
    pub reason: String,
}

/// `channel_moh`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelMoh {
    /// The music on hold class.
    #[serde(default)]
    pub music: String,
}

/// `channel_mute`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelMute {
    /// `in`, `out` or `both`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub direction: String,
}

/// A channel to originate (`channels.originate`); every field is left out
/// when empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OriginateRequest {
    /// The endpoint to call (`PJSIP/alice`, `Local/100@default`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Seconds to ring before giving up.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout: i64,
    /// The caller id (`"Jane" <100>`).
    #[serde(default, rename = "callerId", skip_serializing_if = "String::is_empty")]
    pub caller_id: String,
    /// The dialplan context the answered channel continues in.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub context: String,
    /// The extension.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub extension: String,
    /// The priority.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: i64,
    /// The priority's label.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// The Stasis application the answered channel enters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app: String,
    /// The application's arguments, comma-separated.
    #[serde(default, rename = "appArgs", skip_serializing_if = "String::is_empty")]
    pub app_args: String,
    /// Allowed codecs, comma-separated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub formats: String,
    /// The new channel's id (the proxy makes one when empty).
    #[serde(
        default,
        rename = "channelId",
        skip_serializing_if = "String::is_empty"
    )]
    pub channel_id: String,
    /// The second Local channel's id.
    #[serde(
        default,
        rename = "otherChannelId",
        skip_serializing_if = "String::is_empty"
    )]
    pub other_channel_id: String,
    /// The channel the new one is made for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub originator: String,
    /// Channel variables to set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
}

/// `channel_originate`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelOriginate {
    /// The channel to originate.
    #[serde(default)]
    pub originate_request: OriginateRequest,
}

/// DTMF timing (a Go struct without JSON tags; nanoseconds).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DtmfOptions {
    /// Before the first digit.
    #[serde(default, rename = "Before", with = "go_duration")]
    pub before: Duration,
    /// Between digits.
    #[serde(default, rename = "Between", with = "go_duration")]
    pub between: Duration,
    /// Each digit's length.
    #[serde(default, rename = "Duration", with = "go_duration")]
    pub duration: Duration,
    /// After the last digit.
    #[serde(default, rename = "After", with = "go_duration")]
    pub after: Duration,
}

/// `channel_send_dtmf`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelSendDtmf {
    /// The digits.
    #[serde(default)]
    pub dtmf: String,
    /// Timing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<DtmfOptions>,
}

/// Snoop options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SnoopOptions {
    /// The application the snoop channel enters.
    #[serde(default)]
    pub app: String,
    /// Its arguments.
    #[serde(default, rename = "appArgs", skip_serializing_if = "String::is_empty")]
    pub app_args: String,
    /// Direction of audio to spy on (`none`, `in`, `out`, `both`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spy: String,
    /// Direction of audio to whisper into.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub whisper: String,
}

/// `channel_snoop`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelSnoop {
    /// The snoop channel's id (the proxy makes one when empty).
    #[serde(default)]
    pub snoop_id: String,
    /// Options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<SnoopOptions>,
}

/// External media options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExternalMediaOptions {
    /// The channel's id (the proxy makes one when empty).
    #[serde(default, rename = "channelId")]
    pub channel_id: String,
    /// The Stasis application.
    #[serde(default)]
    pub app: String,
    /// `host:port` of the media.
    #[serde(default)]
    pub external_host: String,
    /// `rtp` or `audiosocket`.
    #[serde(default)]
    pub encapsulation: String,
    /// `udp` or `tcp`.
    #[serde(default)]
    pub transport: String,
    /// `client`.
    #[serde(default)]
    pub connection_type: String,
    /// The codec.
    #[serde(default)]
    pub format: String,
    /// `both`.
    #[serde(default)]
    pub direction: String,
    /// Extra data for the encapsulation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data: String,
    /// Channel variables (Go writes `null` when none).
    #[serde(default)]
    pub variables: Option<BTreeMap<String, String>>,
}

/// `channel_external_media`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelExternalMedia {
    /// Options.
    #[serde(default)]
    pub options: ExternalMediaOptions,
}

/// `channel_variable`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelVariable {
    /// The variable.
    #[serde(default)]
    pub name: String,
    /// The value to set.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
}

/// `channel_user_event`: the Go struct has one untagged field, `UserEvent`,
/// holding a `ChannelUserevent` event (its `eventname` and `userevent`
/// are what the proxy sends).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChannelUserEvent {
    /// The event, as Go encodes it.
    #[serde(default, rename = "UserEvent")]
    pub user_event: serde_json::Value,
}

/// `device_state_update`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceStateUpdate {
    /// The new state (`NOT_INUSE`, `INUSE`, ...).
    #[serde(default)]
    pub state: String,
}

/// `endpoint_list_by_tech`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EndpointListByTech {
    /// The technology (`PJSIP`).
    #[serde(default)]
    pub tech: String,
}

/// `mailbox_update`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailboxUpdate {
    /// Unread messages.
    #[serde(default)]
    pub new: i64,
    /// Read messages.
    #[serde(default)]
    pub old: i64,
}

/// `playback_control`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlaybackControl {
    /// `restart`, `pause`, `unpause`, `reverse`, `forward`.
    #[serde(default)]
    pub command: String,
}

/// `recording_stored_copy`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecordingStoredCopy {
    /// The copy's name.
    #[serde(default)]
    pub destination: String,
}

/// `sound_list`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SoundList {
    /// `lang` and `format` filters (Go writes `null` when none).
    #[serde(default)]
    pub filters: Option<BTreeMap<String, String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_are_nanoseconds() {
        let dial: ChannelDial =
            serde_json::from_str(r#"{"caller":"c","timeout":30000000000}"#).unwrap();
        assert_eq!(dial.timeout, Duration::from_secs(30));
        assert_eq!(
            serde_json::to_string(&dial).unwrap(),
            r#"{"caller":"c","timeout":30000000000}"#
        );
        let negative: ChannelDial = serde_json::from_str(r#"{"timeout":-5}"#).unwrap();
        assert_eq!(negative.timeout, Duration::ZERO);
    }
}
