//! Playing and recording through a channel's or a bridge's handle.
//!
//! Both are staged: the playback's (or recording's) events are followed
//! from before the request, so nothing it does is missed. Awaiting one waits
//! for its end, so `call.play(..).await?; call.hangup()` cannot cut the
//! sound short; [`Play::start`] and [`Record::start`] give the handle at once
//! instead, to stop or control it, or to wait for it later.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::core::Core;
use super::ended::HandleError;
use super::options::RecordOptions;
use super::playback::PlaybackHandle;
use super::recording::LiveRecordingHandle;
use super::version::{ResourceEvent, VersionApi};
use crate::request::Request;
use crate::resource::ResourceKind;

/// Stages the playback or recording `id` on `target`, a channel or a
/// bridge (`kind`): its tracker and first event stream exist before the
/// request `build` makes (from the API, the target's id and `id`) is sent.
/// `operations` names the channel's and the bridge's operation, for the
/// error of a release that has no such operation for that target.
async fn stage_on<V: VersionApi>(
    target: &Core<V>,
    kind: ResourceKind,
    what: ResourceKind,
    id: String,
    operations: (&'static str, &'static str),
    build: impl FnOnce(&V, &str, &str) -> Option<Request>,
) -> Result<Core<V>, HandleError> {
    let ari = &target.hub.ari;
    let target_id = target.id();
    let operation = match kind {
        ResourceKind::Bridge => operations.1,
        _ => operations.0,
    };
    target
        .hub
        .staged_with_id(what, id, Some((kind, target_id)), |id| {
            let request = build(ari, target_id, id);
            super::send_optional(ari, request, operation)
        })
        .await
}

/// What a playback's or recording's await gives.
type Finished<'a, T> = Pin<Box<dyn Future<Output = Result<T, HandleError>> + Send + 'a>>;

/// Media to play on a channel or a bridge: from
/// [`ChannelHandle::play`](super::ChannelHandle::play) and
/// [`BridgeHandle::play`](super::BridgeHandle::play).
///
/// Awaited, it plays to the end and gives the final `Playback`; an error
/// [`HandleEnded::Failed`](super::HandleEnded::Failed) when it could not be
/// heard to the end (the channel hung up, the sound could not be played).
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(call: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::Error> {
/// call.play(["sound:hello-world"]).await?; // to the end
/// let music = call.play(["sound:tt-monkeys"]).start().await?; // in the background
/// music.stop().await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "nothing plays until it is awaited or started"]
pub struct Play<'a, V: VersionApi> {
    target: &'a Core<V>,
    kind: ResourceKind,
    media: Vec<String>,
}

impl<'a, V: VersionApi> Play<'a, V> {
    pub(crate) fn new(target: &'a Core<V>, kind: ResourceKind, media: Vec<String>) -> Self {
        Play {
            target,
            kind,
            media,
        }
    }

    /// Starts playing and gives the playback's handle as soon as Asterisk
    /// has accepted it.
    pub async fn start(self) -> Result<PlaybackHandle<V>, HandleError> {
        let Play {
            target,
            kind,
            media,
        } = self;
        let id = uuid::Uuid::new_v4().to_string();
        let operations = ("channels.playWithId", "bridges.playWithId");
        let core = stage_on(
            target,
            kind,
            ResourceKind::Playback,
            id,
            operations,
            |ari, on, id| ari.play_request(kind, on, id, media),
        )
        .await?;
        Ok(PlaybackHandle::from_core(core))
    }
}

impl<'a, V: VersionApi> IntoFuture for Play<'a, V> {
    type Output = Result<<V::Event as ResourceEvent>::Playback, HandleError>;
    type IntoFuture = Finished<'a, <V::Event as ResourceEvent>::Playback>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.start().await?.finished().await })
    }
}

/// A recording of a channel or a bridge's mix: from
/// [`ChannelHandle::record`](super::ChannelHandle::record) and
/// [`BridgeHandle::record`](super::BridgeHandle::record).
///
/// Awaited, it records until the recording stops (silence, a key, the
/// maximum duration or the caller hanging up: see [`RecordOptions`]) and
/// gives its final `LiveRecording` (its `name` is the stored recording's,
/// `duration` its length in seconds).
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(call: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::Error> {
/// use ari_sdk::handles::{RecordOptions, TerminateOn};
///
/// let options = RecordOptions::new("wav")
///     .max_silence_seconds(3)
///     .terminate_on(TerminateOn::Hash)
///     .beep(true);
/// let message = call.record(options).await?;
/// println!("stored as {} ({:?} s)", message.name, message.duration);
/// # Ok(())
/// # }
/// ```
#[must_use = "nothing is recorded until it is awaited or started"]
pub struct Record<'a, V: VersionApi> {
    target: &'a Core<V>,
    kind: ResourceKind,
    options: RecordOptions,
}

impl<'a, V: VersionApi> Record<'a, V> {
    pub(crate) fn new(target: &'a Core<V>, kind: ResourceKind, options: RecordOptions) -> Self {
        Record {
            target,
            kind,
            options,
        }
    }

    /// Starts recording and gives the recording's handle as soon as
    /// Asterisk has accepted it (named by a random UUID unless the options
    /// name it).
    pub async fn start(self) -> Result<LiveRecordingHandle<V>, HandleError> {
        let Record {
            target,
            kind,
            options,
        } = self;
        let options = options.named_or(|| uuid::Uuid::new_v4().to_string());
        let name = options.name.clone().unwrap_or_default();
        let operations = ("channels.record", "bridges.record");
        let core = stage_on(
            target,
            kind,
            ResourceKind::LiveRecording,
            name,
            operations,
            |ari, on, _| ari.record_request(kind, on, &options),
        )
        .await?;
        Ok(LiveRecordingHandle::from_core(core))
    }
}

impl<'a, V: VersionApi> IntoFuture for Record<'a, V> {
    type Output = Result<<V::Event as ResourceEvent>::LiveRecording, HandleError>;
    type IntoFuture = Finished<'a, <V::Event as ResourceEvent>::LiveRecording>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.start().await?.finished().await })
    }
}
