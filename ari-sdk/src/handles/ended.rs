//! Why a handle's resource is gone, and the error of a handle's operation.

use crate::error::Error;

use crate::resource::ResourceKind;

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

/// The error of a handle's operation or wait.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandleError {
    /// A REST request failed.
    #[error(transparent)]
    Request(#[from] Error),
    /// The resource (or the one it depends on) ended first.
    #[error("{kind} {id}: {reason}")]
    Ended {
        /// The kind of the handle's resource.
        kind: ResourceKind,
        /// Its id.
        id: String,
        /// Why.
        reason: HandleEnded,
    },
}

impl HandleError {
    /// Why the resource ended, if that is the error.
    pub fn ended(&self) -> Option<&HandleEnded> {
        match self {
            HandleError::Ended { reason, .. } => Some(reason),
            HandleError::Request(_) => None,
        }
    }

    /// The REST error, if that is the error.
    pub fn request(&self) -> Option<&Error> {
        match self {
            HandleError::Request(error) => Some(error),
            HandleError::Ended { .. } => None,
        }
    }
}
