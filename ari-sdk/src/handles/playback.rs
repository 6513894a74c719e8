//! A handle on a playback.

use super::core::{common_handle_methods, Core};
use super::ended::HandleError;
use super::version::{ResourceEvent, Signal, VersionApi};
use crate::resource::ResourceKind;

/// A playback: its id, its events, its end, and (per version module, as
/// generated methods) every operation of `/playbacks/{playbackId}`:
/// `playback.control(..)`, `playback.stop()`.
///
/// `ari_sdk::vNN::PlaybackHandle` names it for one module. Made by
/// `play(..).start()` on a channel or bridge, it ends on `PlaybackFinished`, or
/// when the channel or bridge goes away first (a queued playback never
/// starts, and Asterisk says nothing about it).
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(channel: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::handles::HandleError> {
/// let playback = channel.play(["sound:tt-monkeys"]).start().await?;
/// tokio::time::sleep(std::time::Duration::from_secs(2)).await;
/// playback.stop().await?;
/// let last = playback.finished().await?;
/// assert_eq!(last.id, playback.id());
/// # Ok(())
/// # }
/// ```
pub struct PlaybackHandle<V: VersionApi> {
    pub(crate) core: Core<V>,
}

common_handle_methods!(PlaybackHandle, "playback");

impl<V: VersionApi> PlaybackHandle<V> {
    pub(crate) fn from_core(core: Core<V>) -> Self {
        PlaybackHandle { core }
    }

    /// The channel or bridge it plays on, when this handle made it.
    pub fn target(&self) -> Option<(ResourceKind, &str)> {
        self.core.target()
    }

    /// Waits for `PlaybackFinished` and returns the final `Playback` when it
    /// played to its end or was stopped (state `done`). Fails with
    /// [`HandleError::Ended`] when it failed
    /// ([`HandleEnded::Failed`](super::HandleEnded::Failed): the channel
    /// hung up while it played, or Asterisk could not play the file), when
    /// the channel or bridge went away first
    /// ([`HandleEnded::TargetGone`](super::HandleEnded::TargetGone)), when
    /// the playback was gone after a reconnect
    /// ([`HandleEnded::VanishedDuringReconnect`](super::HandleEnded::VanishedDuringReconnect)),
    /// or when the event stream stopped: `Ok` means it was heard.
    pub async fn finished(&self) -> Result<<V::Event as ResourceEvent>::Playback, HandleError> {
        self.core
            .finished(|signal| match signal {
                Signal::PlaybackFinished { playback, .. } => Some(playback.clone()),
                _ => None,
            })
            .await
    }
}
