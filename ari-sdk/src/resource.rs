//! Which kind of resource a handle or an event is about, and why one ended.
//!
//! Shared by the event stream (which names the resources of the events a
//! lagging subscriber lost), the handles (which route events by it) and
//! [`Error`](crate::Error) (whose [`Ended`](crate::Error::Ended) says why).

use std::fmt;

/// A kind of ARI resource with an id that events name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ResourceKind {
    /// A channel (`Channel.id`).
    Channel,
    /// A bridge (`Bridge.id`).
    Bridge,
    /// A playback (`Playback.id`).
    Playback,
    /// A live recording (`LiveRecording.name`).
    LiveRecording,
}

impl ResourceKind {
    /// The kind's name as ARI's URIs spell it (`channel`, `bridge`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Channel => "channel",
            ResourceKind::Bridge => "bridge",
            ResourceKind::Playback => "playback",
            ResourceKind::LiveRecording => "recording",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resource by kind and id: what a lag notice names for the events it
/// stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId {
    /// Channel, bridge, playback or live recording.
    pub kind: ResourceKind,
    /// Its id (a live recording's name).
    pub id: String,
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// Reports the resource a playback's or recording's `target_uri` names
/// (`channel:1700000000.42`, `bridge:conf-1`); other targets (`endpoint:`,
/// `deviceState:`) name nothing a handle follows.
///
/// ```
/// use ari_sdk::resource::{for_each_target, ResourceKind};
///
/// let mut seen = Vec::new();
/// for_each_target("channel:1700000000.42", &mut |kind, id| seen.push((kind, id.to_string())));
/// assert_eq!(seen, [(ResourceKind::Channel, "1700000000.42".to_string())]);
/// ```
pub fn for_each_target(uri: &str, f: &mut dyn FnMut(ResourceKind, &str)) {
    let Some((scheme, id)) = uri.split_once(':') else {
        return;
    };
    let kind = match scheme {
        "channel" => ResourceKind::Channel,
        "bridge" => ResourceKind::Bridge,
        _ => return,
    };
    if !id.is_empty() {
        f(kind, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(uri: &str) -> Vec<(ResourceKind, String)> {
        let mut out = Vec::new();
        for_each_target(uri, &mut |k, id| out.push((k, id.to_string())));
        out
    }

    #[test]
    fn parses_channel_and_bridge_targets_only() {
        assert_eq!(
            targets("bridge:a:b/c"),
            [(ResourceKind::Bridge, "a:b/c".to_string())]
        );
        assert!(targets("endpoint:PJSIP/alice").is_empty());
        assert!(targets("channel:").is_empty());
        assert!(targets("nonsense").is_empty());
        assert_eq!(ResourceKind::LiveRecording.to_string(), "recording");
    }
}

/// Why a handle's resource ended. Once ended, a handle stays ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandleEnded {
    /// The channel left the application (`StasisEnd`).
    #[error("the channel left the application")]
    LeftApplication,
    /// The channel hung up (`ChannelDestroyed`).
    #[error("the channel hung up (cause {cause}: {cause_txt})")]
    HungUp {
        /// The Q.850 cause.
        cause: i64,
        /// Its text.
        cause_txt: String,
    },
    /// The playback or recording finished (`PlaybackFinished`,
    /// `RecordingFinished`).
    #[error("finished")]
    Finished,
    /// The recording failed (`RecordingFailed`), or the playback did
    /// (`PlaybackFinished` in state `failed`: the channel hung up while it
    /// played, or Asterisk could not play the file).
    #[error("it failed{}", cause.as_deref().map(|c| format!(": {c}")).unwrap_or_default())]
    Failed {
        /// Why, when Asterisk says.
        cause: Option<String>,
    },
    /// The bridge was destroyed (`BridgeDestroyed`).
    #[error("the bridge was destroyed")]
    Destroyed,
    /// The channel or bridge the playback or recording ran on went away
    /// before it finished.
    #[error("its {kind} {id} went away first")]
    TargetGone {
        /// Channel or bridge.
        kind: ResourceKind,
        /// Its id.
        id: String,
    },
    /// The event websocket was down for a while and, once it was back, the
    /// resource no longer existed (its `GET` answered 404): whatever ended
    /// it happened during the gap.
    #[error("it vanished while the event stream was reconnecting")]
    VanishedDuringReconnect,
    /// The event stream stopped for good (closed, or credentials refused),
    /// so nothing more will be known.
    #[error("the event stream stopped")]
    StreamClosed,
}
