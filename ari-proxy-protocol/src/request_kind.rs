//! The kinds of request, as the Go client names them, and the subject class
//! each travels in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The class of a request: the second token of its subject
/// (`ari.<class>.<app>.<node>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestClass {
    /// `get`: a resource's key, or a list of keys.
    Get,
    /// `data`: a resource's data.
    Data,
    /// `command`: an operation without a result.
    Command,
    /// `create`: a new resource, taken by one proxy of the queue group.
    Create,
}

impl RequestClass {
    /// The subject token (`get`, `data`, `command`, `create`).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestClass::Get => "get",
            RequestClass::Data => "data",
            RequestClass::Command => "command",
            RequestClass::Create => "create",
        }
    }

    /// Every class.
    pub const ALL: [RequestClass; 4] = [
        RequestClass::Get,
        RequestClass::Data,
        RequestClass::Command,
        RequestClass::Create,
    ];
}

macro_rules! request_kinds {
    ($($variant:ident = $wire:literal in $class:ident,)*) => {
        /// What a request asks for: the `kind` of a [`Request`](crate::Request),
        /// with the Go client's names.
        ///
        /// ```
        /// use ari_proxy_protocol::{RequestClass, RequestKind};
        ///
        /// assert_eq!(RequestKind::ChannelOriginate.class(), RequestClass::Create);
        /// assert_eq!(RequestKind::from_wire("ChannelSendDTMF"), RequestKind::ChannelSendDtmf);
        /// assert_eq!(RequestKind::ChannelSendDtmf.as_str(), "ChannelSendDTMF");
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum RequestKind {
            $(
                #[doc = concat!("`", $wire, "` (", stringify!($class), ")")]
                $variant,
            )*
            /// A kind this crate does not know, kept as sent (answered
            /// `Not implemented`).
            Other(String),
        }

        impl RequestKind {
            /// Every known kind.
            pub const KNOWN: &'static [RequestKind] = &[$(RequestKind::$variant,)*];

            /// The wire name (`ChannelOriginate`).
            pub fn as_str(&self) -> &str {
                match self {
                    $(RequestKind::$variant => $wire,)*
                    RequestKind::Other(other) => other,
                }
            }

            /// The kind a wire name names.
            pub fn from_wire(name: &str) -> RequestKind {
                match name {
                    $($wire => RequestKind::$variant,)*
                    other => RequestKind::Other(other.to_string()),
                }
            }

            /// The subject class the Go client sends this kind in (an
            /// unknown kind: `command`).
            pub fn class(&self) -> RequestClass {
                match self {
                    $(RequestKind::$variant => RequestClass::$class,)*
                    RequestKind::Other(_) => RequestClass::Command,
                }
            }
        }
    };
}

request_kinds! {
    AriRest = "AriRest" in Command,
    ApplicationData = "ApplicationData" in Data,
    ApplicationGet = "ApplicationGet" in Get,
    ApplicationList = "ApplicationList" in Get,
    ApplicationSubscribe = "ApplicationSubscribe" in Command,
    ApplicationUnsubscribe = "ApplicationUnsubscribe" in Command,
    AsteriskConfigData = "AsteriskConfigData" in Data,
    AsteriskConfigDelete = "AsteriskConfigDelete" in Command,
    AsteriskConfigUpdate = "AsteriskConfigUpdate" in Command,
    AsteriskInfo = "AsteriskInfo" in Data,
    AsteriskLoggingCreate = "AsteriskLoggingCreate" in Create,
    AsteriskLoggingData = "AsteriskLoggingData" in Data,
    AsteriskLoggingDelete = "AsteriskLoggingDelete" in Command,
    AsteriskLoggingGet = "AsteriskLoggingGet" in Get,
    AsteriskLoggingList = "AsteriskLoggingList" in Get,
    AsteriskLoggingRotate = "AsteriskLoggingRotate" in Command,
    AsteriskModuleData = "AsteriskModuleData" in Data,
    AsteriskModuleGet = "AsteriskModuleGet" in Get,
    AsteriskModuleList = "AsteriskModuleList" in Get,
    AsteriskModuleLoad = "AsteriskModuleLoad" in Command,
    AsteriskModuleReload = "AsteriskModuleReload" in Command,
    AsteriskModuleUnload = "AsteriskModuleUnload" in Command,
    AsteriskVariableGet = "AsteriskVariableGet" in Data,
    AsteriskVariableSet = "AsteriskVariableSet" in Command,
    BridgeAddChannel = "BridgeAddChannel" in Command,
    BridgeCreate = "BridgeCreate" in Create,
    BridgeData = "BridgeData" in Data,
    BridgeDelete = "BridgeDelete" in Command,
    BridgeGet = "BridgeGet" in Get,
    BridgeList = "BridgeList" in Get,
    BridgeMoh = "BridgeMOH" in Command,
    BridgePlay = "BridgePlay" in Create,
    BridgeRecord = "BridgeRecord" in Create,
    BridgeRemoveChannel = "BridgeRemoveChannel" in Command,
    BridgeStageCreate = "BridgeStageCreate" in Create,
    BridgeStagePlay = "BridgeStagePlay" in Get,
    BridgeStageRecord = "BridgeStageRecord" in Get,
    BridgeStopMoh = "BridgeStopMOH" in Command,
    BridgeSubscribe = "BridgeSubscribe" in Command,
    BridgeVideoSource = "BridgeVideoSource" in Command,
    BridgeVideoSourceDelete = "BridgeVideoSourceDelete" in Command,
    ChannelAnswer = "ChannelAnswer" in Command,
    ChannelBusy = "ChannelBusy" in Command,
    ChannelCongestion = "ChannelCongestion" in Command,
    ChannelContinue = "ChannelContinue" in Command,
    ChannelCreate = "ChannelCreate" in Create,
    ChannelData = "ChannelData" in Data,
    ChannelDial = "ChannelDial" in Command,
    ChannelExternalMedia = "ChannelExternalMedia" in Create,
    ChannelGet = "ChannelGet" in Get,
    ChannelHangup = "ChannelHangup" in Command,
    ChannelHold = "ChannelHold" in Command,
    ChannelList = "ChannelList" in Get,
    ChannelMoh = "ChannelMOH" in Command,
    ChannelMute = "ChannelMute" in Command,
    ChannelOriginate = "ChannelOriginate" in Create,
    ChannelPlay = "ChannelPlay" in Create,
    ChannelRecord = "ChannelRecord" in Create,
    ChannelRing = "ChannelRing" in Command,
    ChannelSendDtmf = "ChannelSendDTMF" in Command,
    ChannelSilence = "ChannelSilence" in Command,
    ChannelSnoop = "ChannelSnoop" in Create,
    ChannelStageExternalMedia = "ChannelStageExternalMedia" in Create,
    ChannelStageOriginate = "ChannelStageOriginate" in Create,
    ChannelStagePlay = "ChannelStagePlay" in Get,
    ChannelStageRecord = "ChannelStageRecord" in Get,
    ChannelStageSnoop = "ChannelStageSnoop" in Get,
    ChannelStopHold = "ChannelStopHold" in Command,
    ChannelStopMoh = "ChannelStopMOH" in Command,
    ChannelStopRing = "ChannelStopRing" in Command,
    ChannelStopSilence = "ChannelStopSilence" in Command,
    ChannelSubscribe = "ChannelSubscribe" in Command,
    ChannelUnmute = "ChannelUnmute" in Command,
    ChannelUserEvent = "ChannelUserEvent" in Command,
    ChannelVariableGet = "ChannelVariableGet" in Data,
    ChannelVariableSet = "ChannelVariableSet" in Command,
    DeviceStateData = "DeviceStateData" in Data,
    DeviceStateDelete = "DeviceStateDelete" in Command,
    DeviceStateGet = "DeviceStateGet" in Get,
    DeviceStateList = "DeviceStateList" in Get,
    DeviceStateUpdate = "DeviceStateUpdate" in Command,
    EndpointData = "EndpointData" in Data,
    EndpointGet = "EndpointGet" in Get,
    EndpointList = "EndpointList" in Get,
    EndpointListByTech = "EndpointListByTech" in Get,
    MailboxData = "MailboxData" in Data,
    MailboxDelete = "MailboxDelete" in Command,
    MailboxGet = "MailboxGet" in Get,
    MailboxList = "MailboxList" in Get,
    MailboxUpdate = "MailboxUpdate" in Command,
    PlaybackControl = "PlaybackControl" in Command,
    PlaybackData = "PlaybackData" in Data,
    PlaybackGet = "PlaybackGet" in Get,
    PlaybackStop = "PlaybackStop" in Command,
    PlaybackSubscribe = "PlaybackSubscribe" in Command,
    RecordingLiveData = "RecordingLiveData" in Data,
    RecordingLiveGet = "RecordingLiveGet" in Get,
    RecordingLiveMute = "RecordingLiveMute" in Command,
    RecordingLivePause = "RecordingLivePause" in Command,
    RecordingLiveResume = "RecordingLiveResume" in Command,
    RecordingLiveScrap = "RecordingLiveScrap" in Command,
    RecordingLiveStop = "RecordingLiveStop" in Command,
    RecordingLiveSubscribe = "RecordingLiveSubscribe" in Command,
    RecordingLiveUnmute = "RecordingLiveUnmute" in Command,
    RecordingStoredCopy = "RecordingStoredCopy" in Command,
    RecordingStoredData = "RecordingStoredData" in Data,
    RecordingStoredDelete = "RecordingStoredDelete" in Command,
    RecordingStoredGet = "RecordingStoredGet" in Get,
    RecordingStoredList = "RecordingStoredList" in Get,
    SoundData = "SoundData" in Data,
    SoundList = "SoundList" in Get,
}

impl RequestKind {
    /// Whether a `get`-class kind lists resources (every proxy answers with
    /// its `keys`, and the client merges them).
    pub fn is_list(&self) -> bool {
        matches!(
            self,
            RequestKind::ApplicationList
                | RequestKind::AsteriskLoggingList
                | RequestKind::AsteriskModuleList
                | RequestKind::BridgeList
                | RequestKind::ChannelList
                | RequestKind::DeviceStateList
                | RequestKind::EndpointList
                | RequestKind::EndpointListByTech
                | RequestKind::MailboxList
                | RequestKind::RecordingStoredList
                | RequestKind::SoundList
        )
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RequestKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RequestKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(RequestKind::from_wire(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_kind_round_trips_its_wire_name() {
        for kind in RequestKind::KNOWN {
            assert_eq!(&RequestKind::from_wire(kind.as_str()), kind);
        }
        assert_eq!(RequestKind::KNOWN.len(), 111);
        assert_eq!(
            RequestKind::from_wire("Bogus"),
            RequestKind::Other("Bogus".into())
        );
    }
}
