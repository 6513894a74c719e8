//! A handle on a live recording.

use super::core::{common_handle_methods, Core};
use super::ended::HandleError;
use super::version::{ResourceEvent, Signal, VersionApi};
use crate::resource::ResourceKind;

/// A live recording: its name, its events, its end, and (per version
/// module, as generated methods) every operation of
/// `/recordings/live/{recordingName}`: `recording.stop()`,
/// `recording.pause()`, `recording.cancel()`.
///
/// `ari_sdk::vNN::LiveRecordingHandle` names it for one module. It ends on
/// `RecordingFinished` or `RecordingFailed`.
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(channel: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::handles::HandleError> {
/// use ari_sdk::handles::RecordOptions;
///
/// let recording = channel.record(RecordOptions::new("wav").max_duration_seconds(60)).start().await?;
/// // ... until the caller presses a key we watch for ourselves:
/// recording.stop().await?;
/// let stored = recording.finished().await?;
/// println!("{} lasted {:?} s", stored.name, stored.duration);
/// # Ok(())
/// # }
/// ```
pub struct LiveRecordingHandle<V: VersionApi> {
    pub(crate) core: Core<V>,
}

common_handle_methods!(LiveRecordingHandle, "recording");

impl<V: VersionApi> LiveRecordingHandle<V> {
    pub(crate) fn from_core(core: Core<V>) -> Self {
        LiveRecordingHandle { core }
    }

    /// The channel or bridge it records, when this handle made it.
    pub fn target(&self) -> Option<(ResourceKind, &str)> {
        self.core.target()
    }

    /// Waits for `RecordingFinished` and returns the final `LiveRecording`
    /// (name, format, duration). Fails with [`HandleError::Ended`] on
    /// `RecordingFailed`
    /// ([`HandleEnded::Failed`](super::HandleEnded::Failed)), when the
    /// target went away before the recording reported, when the recording
    /// was gone after a reconnect, or when the event stream stopped.
    pub async fn finished(
        &self,
    ) -> Result<<V::Event as ResourceEvent>::LiveRecording, HandleError> {
        self.core
            .finished(|signal| match signal {
                Signal::RecordingFinished { recording, .. } => Some(recording.clone()),
                _ => None,
            })
            .await
    }
}
