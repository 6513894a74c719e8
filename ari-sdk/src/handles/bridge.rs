//! A handle on a bridge.

use super::core::{common_handle_methods, Core};
use super::media::{Play, Record};
use super::options::RecordOptions;
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
/// bridge.play(["sound:conf-onlyperson"]).await?;
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

    /// Plays media to everyone in the bridge (see
    /// [`ChannelHandle::play`](super::ChannelHandle::play)).
    pub fn play(&self, media: impl IntoIterator<Item = impl Into<String>>) -> Play<'_, V> {
        let media = media.into_iter().map(Into::into).collect();
        Play::new(&self.core, ResourceKind::Bridge, media)
    }

    /// Records the bridge's mix (see
    /// [`ChannelHandle::record`](super::ChannelHandle::record)).
    pub fn record(&self, options: RecordOptions) -> Record<'_, V> {
        Record::new(&self.core, ResourceKind::Bridge, options)
    }
}
