//! A request from an application to a proxy.

use serde::{Deserialize, Serialize};

use crate::key::Key;
use crate::params::*;
use crate::request_kind::RequestKind;
use crate::rest::AriRest;

/// A request: its kind, the key it concerns (or the location it is for),
/// and the parameters of its kind, each in its own field as Go's `Request`
/// has them. `key` is written as `null` when absent, as Go does.
///
/// ```
/// use ari_proxy_protocol::{ChannelHangup, Key, Request, RequestKind};
///
/// let mut request = Request::new(RequestKind::ChannelHangup, Key::channel("c1"));
/// request.channel_hangup = Some(ChannelHangup { reason: "busy".into() });
/// let json = serde_json::to_value(&request)?;
/// assert_eq!(json["channel_hangup"]["reason"], "busy");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Request {
    /// What is asked.
    pub kind: RequestKind,
    /// The resource, or the location (application, node, dialog) of a
    /// creation or a list.
    #[serde(default)]
    pub key: Option<Key>,

    /// `AriRest`: an ARI request sent verbatim (an addition, see
    /// [`AriRest`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ari_rest: Option<AriRest>,
    /// `ApplicationSubscribe` / `ApplicationUnsubscribe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_subscribe: Option<ApplicationSubscribe>,
    /// `AsteriskConfigUpdate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asterisk_config: Option<AsteriskConfig>,
    /// `AsteriskLoggingCreate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asterisk_logging_channel: Option<AsteriskLoggingChannel>,
    /// `AsteriskVariableSet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asterisk_variable_set: Option<AsteriskVariableSet>,
    /// `BridgeAddChannel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_add_channel: Option<BridgeAddChannel>,
    /// `BridgeCreate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_create: Option<BridgeCreate>,
    /// `BridgeMOH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_moh: Option<BridgeMoh>,
    /// `BridgePlay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_play: Option<Play>,
    /// `BridgeRecord`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_record: Option<Record>,
    /// `BridgeRemoveChannel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_remove_channel: Option<BridgeChannel>,
    /// `BridgeVideoSource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_video_source: Option<BridgeChannel>,
    /// `ChannelCreate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_create: Option<ChannelCreate>,
    /// `ChannelContinue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_continue: Option<ChannelContinue>,
    /// `ChannelDial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_dial: Option<ChannelDial>,
    /// `ChannelHangup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_hangup: Option<ChannelHangup>,
    /// `ChannelMOH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_moh: Option<ChannelMoh>,
    /// `ChannelMute` / `ChannelUnmute`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_mute: Option<ChannelMute>,
    /// `ChannelOriginate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_originate: Option<ChannelOriginate>,
    /// `ChannelPlay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_play: Option<Play>,
    /// `ChannelRecord`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_record: Option<Record>,
    /// `ChannelSendDTMF`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_send_dtmf: Option<ChannelSendDtmf>,
    /// `ChannelSnoop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_snoop: Option<ChannelSnoop>,
    /// `ChannelExternalMedia`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_external_media: Option<ChannelExternalMedia>,
    /// `ChannelVariableGet` / `ChannelVariableSet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_variable: Option<ChannelVariable>,
    /// `ChannelUserEvent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_user_event: Option<ChannelUserEvent>,
    /// `DeviceStateUpdate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_state_update: Option<DeviceStateUpdate>,
    /// `EndpointListByTech`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_list_by_tech: Option<EndpointListByTech>,
    /// `MailboxUpdate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_update: Option<MailboxUpdate>,
    /// `PlaybackControl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playback_control: Option<PlaybackControl>,
    /// `RecordingStoredCopy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_stored_copy: Option<RecordingStoredCopy>,
    /// `SoundList`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound_list: Option<SoundList>,
}

impl Default for RequestKind {
    fn default() -> Self {
        RequestKind::Other(String::new())
    }
}

impl Request {
    /// A request of `kind` about `key`, without parameters.
    pub fn new(kind: RequestKind, key: Key) -> Request {
        Request {
            kind,
            key: Some(key),
            ..Request::default()
        }
    }

    /// A request of `kind` without a key (a list over every node, Go's ping).
    pub fn without_key(kind: RequestKind) -> Request {
        Request {
            kind,
            ..Request::default()
        }
    }

    /// An `AriRest` request: `rest` sent verbatim to the node (or nodes)
    /// of `key`.
    ///
    /// ```
    /// use ari_proxy_protocol::{AriRest, Key, Request};
    ///
    /// let rest = AriRest::new("POST", "/channels/c1/answer");
    /// let request = Request::ari_rest(rest, Key::default().on("demo", "pbx-1"));
    /// let json = serde_json::to_value(&request)?;
    /// assert_eq!(json["kind"], "AriRest");
    /// assert_eq!(json["ari_rest"]["path"], "/channels/c1/answer");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn ari_rest(rest: AriRest, key: Key) -> Request {
        Request {
            kind: RequestKind::AriRest,
            key: Some(key),
            ari_rest: Some(rest),
            ..Request::default()
        }
    }

    /// The key, or an empty one.
    pub fn key_or_default(&self) -> Key {
        self.key.clone().unwrap_or_default()
    }
}
