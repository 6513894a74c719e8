//! A handle on a channel.

use super::core::{common_handle_methods, Core};
use super::ended::HandleError;
use super::options::RecordOptions;
use super::playback::PlaybackHandle;
use super::recording::LiveRecordingHandle;
use super::version::{ResourceEvent, VersionApi};
use crate::resource::ResourceKind;

/// A channel: its id, its events, its end, and (per version module, as
/// generated methods) every operation of `/channels/{channelId}/...`:
/// `channel.answer().await?`, `channel.play(["sound:hello"]).await?`.
///
/// `ari_sdk::vNN::ChannelHandle` names it for one module. It ends when the
/// channel leaves the application or hangs up.
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(channel: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::handles::HandleError> {
/// channel.answer().await?;
/// let playback = channel.play_staged(["sound:hello-world"]).await?;
/// let done = playback.finished().await?; // the final `Playback`
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
    /// `characters:`, `tone:`, `file://`) in order, under a playback id
    /// picked here, with the playback's events followed from before the
    /// request: nothing it does is missed.
    pub async fn play_staged(
        &self,
        media: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<PlaybackHandle<V>, HandleError> {
        let media: Vec<String> = media.into_iter().map(Into::into).collect();
        let ari = &self.core.hub.ari;
        let channel_id = self.id();
        let core = self
            .core
            .hub
            .staged(
                ResourceKind::Playback,
                Some((ResourceKind::Channel, channel_id)),
                |playback_id| {
                    let request =
                        ari.play_request(ResourceKind::Channel, channel_id, playback_id, media);
                    super::send_optional(ari, request, "channels.playWithId")
                },
            )
            .await?;
        Ok(PlaybackHandle::from_core(core))
    }

    /// Starts recording, followed from before the request.
    pub async fn record_staged(
        &self,
        options: RecordOptions,
    ) -> Result<LiveRecordingHandle<V>, HandleError> {
        record_staged(&self.core, ResourceKind::Channel, options).await
    }

    /// Records until the recording stops (silence, a key, the maximum
    /// duration, or the caller hanging up: see [`RecordOptions`]) and
    /// returns its final `LiveRecording` (its `name` is the stored
    /// recording's, `duration` its length in seconds).
    ///
    /// ```no_run
    /// # #[cfg(feature = "asterisk-22")]
    /// # async fn run(channel: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::handles::HandleError> {
    /// use ari_sdk::handles::RecordOptions;
    ///
    /// let message = channel
    ///     .record_message(RecordOptions::new("wav").max_silence_seconds(3).terminate_on("#").beep(true))
    ///     .await?;
    /// println!("stored as {} ({:?} s)", message.name, message.duration);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn record_message(
        &self,
        options: RecordOptions,
    ) -> Result<<V::Event as ResourceEvent>::LiveRecording, HandleError> {
        self.record_staged(options).await?.finished().await
    }
}

/// Starts a recording on a channel or bridge, staged.
pub(crate) async fn record_staged<V: VersionApi>(
    target: &Core<V>,
    kind: ResourceKind,
    options: RecordOptions,
) -> Result<LiveRecordingHandle<V>, HandleError> {
    let options = options.named_or(|| uuid::Uuid::new_v4().to_string());
    let name = options.name_value().unwrap_or_default().to_string();
    let ari = &target.hub.ari;
    let target_id = target.id();
    let core = target
        .hub
        .staged_with_id(
            ResourceKind::LiveRecording,
            name,
            Some((kind, target_id)),
            |_| {
                let request = ari.record_request(kind, target_id, &options);
                super::send_optional(ari, request, "record")
            },
        )
        .await?;
    Ok(LiveRecordingHandle::from_core(core))
}
