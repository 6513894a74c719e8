//! A handle on a bridge.

use super::core::{common_handle_methods, Core};
use super::ended::HandleError;
use super::options::RecordOptions;
use super::playback::PlaybackHandle;
use super::recording::LiveRecordingHandle;
use super::version::VersionApi;
use crate::resource::ResourceKind;

/// A bridge: its id, its events, its end, and (per version module, as
/// generated methods) every operation of `/bridges/{bridgeId}/...`:
/// `bridge.add_channel([channel.id()]).await?`, `bridge.destroy().await?`.
///
/// `ari_sdk::vNN::BridgeHandle` names it for one module. It ends on
/// `BridgeDestroyed`, which Asterisk sends to the applications subscribed to
/// the bridge: those with a channel in it (or an explicit subscription,
/// `applications.subscribe` with `bridge:{id}`).
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(app: ari_sdk::v22::StasisApp, channel: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::handles::HandleError> {
/// let bridge = app.create_bridge(["mixing"]).await?;
/// bridge.add_channel([channel.id()]).await?;
/// bridge.play_staged(["sound:conf-onlyperson"]).await?.finished().await?;
/// # Ok(())
/// # }
/// ```
pub struct BridgeHandle<V: VersionApi> {
    pub(crate) core: Core<V>,
}

common_handle_methods!(BridgeHandle, "bridge");

impl<V: VersionApi> BridgeHandle<V> {
    pub(crate) fn from_core(core: Core<V>) -> Self {
        BridgeHandle { core }
    }

    /// Plays media to everyone in the bridge, staged (see
    /// [`ChannelHandle::play_staged`](super::ChannelHandle::play_staged)).
    pub async fn play_staged(
        &self,
        media: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<PlaybackHandle<V>, HandleError> {
        let media: Vec<String> = media.into_iter().map(Into::into).collect();
        let ari = &self.core.hub.ari;
        let bridge_id = self.id();
        let core = self
            .core
            .hub
            .staged(
                ResourceKind::Playback,
                Some((ResourceKind::Bridge, bridge_id)),
                |playback_id| {
                    let request =
                        ari.play_request(ResourceKind::Bridge, bridge_id, playback_id, media);
                    super::send_optional(ari, request, "bridges.playWithId")
                },
            )
            .await?;
        Ok(PlaybackHandle::from_core(core))
    }

    /// Records the bridge's mix, staged.
    pub async fn record_staged(
        &self,
        options: RecordOptions,
    ) -> Result<LiveRecordingHandle<V>, HandleError> {
        super::channel::record_staged(&self.core, ResourceKind::Bridge, options).await
    }
}
