//! The handle operations every Asterisk major (13 to 23) has with the same
//! shape, as traits: code generic over majors calls them.
//!
//! Each `vNN` module's handles have these operations as inherent methods
//! returning that major's request builders (with their optional
//! parameters). Where the operation takes the handle's id and nothing else
//! in every major, the generated code also implements the trait below for
//! that major's handle, so a function written once serves a `v20` and a
//! `v22` server:
//!
//! ```no_run
//! use ari_sdk::handles::{Call, ChannelOps, VersionApi};
//!
//! /// Answers, greets and hangs up, on any major.
//! async fn greet<V: VersionApi>(call: &Call<V>) -> Result<(), ari_sdk::Error>
//! where
//!     ari_sdk::handles::ChannelHandle<V>: ChannelOps,
//! {
//!     ChannelOps::answer(call.channel()).await?;
//!     call.play(["sound:hello-world"]).await?;
//!     ChannelOps::hangup(call.channel()).await
//! }
//! ```
//!
//! On a concrete handle (`v22::ChannelHandle`) the inherent method of the
//! same name is the one called; the trait is for generic code.

use crate::client::ResponseFuture;

/// A channel's operations common to every major.
pub trait ChannelOps {
    /// The major's `Channel` model.
    type Snapshot;
    /// `GET /channels/{channelId}`: a fresh snapshot.
    fn get(&self) -> ResponseFuture<Self::Snapshot>;
    /// `POST /channels/{channelId}/answer`.
    fn answer(&self) -> ResponseFuture<()>;
    /// `DELETE /channels/{channelId}`; a channel already gone counts as done.
    fn hangup(&self) -> ResponseFuture<()>;
    /// `POST /channels/{channelId}/continue`.
    fn continue_in_dialplan(&self) -> ResponseFuture<()>;
    /// `POST /channels/{channelId}/ring`.
    fn ring(&self) -> ResponseFuture<()>;
    /// `DELETE /channels/{channelId}/ring`.
    fn ring_stop(&self) -> ResponseFuture<()>;
    /// `POST /channels/{channelId}/hold`.
    fn hold(&self) -> ResponseFuture<()>;
    /// `DELETE /channels/{channelId}/hold`.
    fn unhold(&self) -> ResponseFuture<()>;
    /// `POST /channels/{channelId}/moh` with the default class.
    fn start_moh(&self) -> ResponseFuture<()>;
    /// `DELETE /channels/{channelId}/moh`.
    fn stop_moh(&self) -> ResponseFuture<()>;
    /// `POST /channels/{channelId}/silence`.
    fn start_silence(&self) -> ResponseFuture<()>;
    /// `DELETE /channels/{channelId}/silence`.
    fn stop_silence(&self) -> ResponseFuture<()>;
}

/// A bridge's operations common to every major.
pub trait BridgeOps {
    /// The major's `Bridge` model.
    type Snapshot;
    /// `GET /bridges/{bridgeId}`: a fresh snapshot.
    fn get(&self) -> ResponseFuture<Self::Snapshot>;
    /// `DELETE /bridges/{bridgeId}`; a bridge already gone counts as done.
    fn destroy(&self) -> ResponseFuture<()>;
    /// `POST /bridges/{bridgeId}/moh` with the default class.
    fn start_moh(&self) -> ResponseFuture<()>;
    /// `DELETE /bridges/{bridgeId}/moh`.
    fn stop_moh(&self) -> ResponseFuture<()>;
}

/// A playback's operations common to every major.
pub trait PlaybackOps {
    /// The major's `Playback` model.
    type Snapshot;
    /// `GET /playbacks/{playbackId}`: a fresh snapshot.
    fn get(&self) -> ResponseFuture<Self::Snapshot>;
    /// `DELETE /playbacks/{playbackId}`; a playback already over counts as done.
    fn stop(&self) -> ResponseFuture<()>;
}

/// A live recording's operations common to every major.
pub trait LiveRecordingOps {
    /// The major's `LiveRecording` model.
    type Snapshot;
    /// `GET /recordings/live/{recordingName}`: a fresh snapshot.
    fn get_live(&self) -> ResponseFuture<Self::Snapshot>;
    /// `POST /recordings/live/{recordingName}/stop`: stop and keep it.
    fn stop(&self) -> ResponseFuture<()>;
    /// `DELETE /recordings/live/{recordingName}`: stop and discard it.
    fn cancel(&self) -> ResponseFuture<()>;
    /// `POST /recordings/live/{recordingName}/pause`.
    fn pause(&self) -> ResponseFuture<()>;
    /// `DELETE /recordings/live/{recordingName}/pause`.
    fn unpause(&self) -> ResponseFuture<()>;
    /// `POST /recordings/live/{recordingName}/mute`.
    fn mute(&self) -> ResponseFuture<()>;
    /// `DELETE /recordings/live/{recordingName}/mute`.
    fn unmute(&self) -> ResponseFuture<()>;
}
