//! A handle on a channel.

use super::core::{common_handle_methods, Core};
use super::media::{Play, Record};
use super::options::RecordOptions;
use super::version::VersionApi;
use crate::resource::ResourceKind;

/// A channel: its id, its events, its end, and (per version module, as
/// generated methods) every operation of `/channels/{channelId}/...`:
/// `channel.answer().await?`, `channel.hangup().await?`; and playing and
/// recording, staged: `channel.play(["sound:hello"]).await?`.
///
/// `ari_sdk::vNN::ChannelHandle` names it for one module. It ends when the
/// channel leaves the application or hangs up.
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(channel: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::handles::HandleError> {
/// channel.answer().await?;
/// let done = channel.play(["sound:hello-world"]).await?; // the final `Playback`
/// println!("{:?}", done.state);
/// # Ok(())
/// # }
/// ```
pub struct ChannelHandle<V: VersionApi> {
    pub(crate) core: Core<V>,
}

common_handle_methods!(ChannelHandle, "channel");

impl<V: VersionApi> ChannelHandle<V> {
    pub(crate) fn from_core(core: Core<V>) -> Self {
        ChannelHandle { core }
    }

    /// Plays media (`sound:`, `recording:`, `number:`, `digits:`,
    /// `characters:`, `tone:`, `file://`) in order: awaited, to the end;
    /// [`start`](Play::start)ed, in the background with its handle. See
    /// [`Play`].
    pub fn play(&self, media: impl IntoIterator<Item = impl Into<String>>) -> Play<'_, V> {
        let media = media.into_iter().map(Into::into).collect();
        Play::new(&self.core, ResourceKind::Channel, media)
    }

    /// Records the channel: awaited, until the recording stops;
    /// [`start`](Record::start)ed, in the background with its handle. See
    /// [`Record`].
    pub fn record(&self, options: RecordOptions) -> Record<'_, V> {
        Record::new(&self.core, ResourceKind::Channel, options)
    }
}
