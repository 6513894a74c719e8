//! Which kind of resource a handle or an event is about.
//!
//! Shared by the event stream (which names the resources of the events a
//! lagging subscriber lost) and the handles (which route events by it).

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
