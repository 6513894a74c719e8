//! What a version module provides so the hand-written handles work with it:
//! its `Ari` implements [`VersionApi`], its `Event` [`ResourceEvent`]. Both
//! impls are generated, and only build requests or read fields: everything
//! that waits (and so every future) is hand-written here, once, generic.

use std::fmt;

use crate::client::Client;
use crate::request::Request;
use crate::stream::{EventStream, StreamError, StreamEvent};

use super::options::RecordOptions;
use crate::resource::ResourceKind;

/// One version module's REST API, as the handles need it. Implemented by
/// every `ari_sdk::vNN::Ari`.
///
/// Each method builds the request of one operation of that release (with
/// that release's parameter types) without sending it; `None` means the
/// release has no such operation for that kind of target.
pub trait VersionApi: Clone + fmt::Debug + Send + Sync + 'static {
    /// The module's event enum.
    type Event: ResourceEvent;

    /// The HTTP client.
    fn http(&self) -> &Client;

    /// Connects the module's event websocket.
    fn connect_events(&self) -> Result<EventStream<Self::Event>, StreamError>;

    /// `GET` of one resource (`channels.get`, `recordings.getLive`, ...).
    fn get_request(&self, kind: ResourceKind, id: &str) -> Option<Request>;

    /// `POST /{channels|bridges}/{id}/play/{playbackId}`.
    fn play_request(
        &self,
        target: ResourceKind,
        target_id: &str,
        playback_id: &str,
        media: Vec<String>,
    ) -> Option<Request>;

    /// `DELETE /playbacks/{playbackId}`.
    fn stop_playback_request(&self, playback_id: &str) -> Request;

    /// `POST /{channels|bridges}/{id}/record`.
    fn record_request(
        &self,
        target: ResourceKind,
        target_id: &str,
        options: &RecordOptions,
    ) -> Option<Request>;

    /// `POST /bridges/{bridgeId}` with the bridge's `type` flags (`mixing`).
    fn create_bridge_request(&self, bridge_id: &str, types: Vec<String>) -> Request;

    /// `POST /bridges/{bridgeId}/addChannel`.
    fn add_channels_request(&self, bridge_id: &str, channels: Vec<String>) -> Request;

    /// `POST /events/claim` of a broadcast channel for `application`;
    /// `None` for a major without it (before 20).
    fn claim_request(&self, channel_id: &str, application: &str) -> Option<Request>;
}

/// What the handles read from one version module's events. Implemented by
/// every `ari_sdk::vNN::Event`.
pub trait ResourceEvent: StreamEvent + fmt::Debug {
    /// The module's `Channel` model.
    type Channel: Clone + fmt::Debug + Send + Sync + 'static;
    /// The module's `Playback` model.
    type Playback: Clone + fmt::Debug + Send + Sync + 'static;
    /// The module's `LiveRecording` model.
    type LiveRecording: Clone + fmt::Debug + Send + Sync + 'static;

    /// Calls `f` with every resource the event is about: each channel,
    /// bridge, playback and live recording it carries, and the channel or
    /// bridge a playback or recording runs on.
    fn for_each_resource(&self, f: &mut dyn FnMut(ResourceKind, &str));

    /// What the event means for the lifecycle of the resources it names.
    fn signal(&self) -> Signal<'_, Self>;
}

/// The lifecycle meaning of an event, the same for every Asterisk major.
#[derive(Debug)]
#[non_exhaustive]
pub enum Signal<'a, E: ResourceEvent> {
    /// `StasisStart`: a channel entered the application.
    StasisStart {
        /// The channel's snapshot.
        channel: &'a E::Channel,
        /// Its id.
        channel_id: &'a str,
        /// The arguments of `Stasis(app,args...)`.
        args: &'a [String],
    },
    /// `StasisEnd`: a channel left the application.
    StasisEnd {
        /// The channel's id.
        channel_id: &'a str,
    },
    /// `ChannelDestroyed`: a channel hung up.
    ChannelDestroyed {
        /// The channel's id.
        channel_id: &'a str,
        /// The Q.850 cause.
        cause: i64,
        /// Its text.
        cause_txt: &'a str,
    },
    /// `ChannelDtmfReceived`: a key was pressed.
    Dtmf {
        /// The channel's id.
        channel_id: &'a str,
        /// `0`-`9`, `*`, `#`, `A`-`D`.
        digit: &'a str,
    },
    /// `PlaybackStarted`.
    PlaybackStarted {
        /// The playback's id.
        playback_id: &'a str,
    },
    /// `PlaybackFinished`.
    PlaybackFinished {
        /// The final snapshot.
        playback: &'a E::Playback,
        /// The playback's id.
        playback_id: &'a str,
        /// Its final state: `done` (played to the end, stopped or
        /// cancelled) or `failed` (the channel hung up while it played, a
        /// file Asterisk could not play).
        state: &'a str,
    },
    /// `RecordingStarted`.
    RecordingStarted {
        /// The recording's name.
        name: &'a str,
    },
    /// `RecordingFinished`.
    RecordingFinished {
        /// The final snapshot.
        recording: &'a E::LiveRecording,
        /// The recording's name.
        name: &'a str,
    },
    /// `RecordingFailed`.
    RecordingFailed {
        /// The final snapshot.
        recording: &'a E::LiveRecording,
        /// The recording's name.
        name: &'a str,
        /// Why, when Asterisk says.
        cause: Option<&'a str>,
    },
    /// `CallBroadcast`: a channel in `StasisBroadcast` offered to the
    /// application, which may claim it.
    CallBroadcast {
        /// The channel's id.
        channel_id: &'a str,
        /// The application it was offered to.
        application: &'a str,
        /// The caller's number, when Asterisk says.
        caller: Option<&'a str>,
        /// The dialled extension, when Asterisk says.
        called: Option<&'a str>,
    },
    /// `BridgeDestroyed`.
    BridgeDestroyed {
        /// The bridge's id.
        bridge_id: &'a str,
    },
    /// Any other event.
    Other,
}
