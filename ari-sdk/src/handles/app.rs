//! The Stasis entry point: an application's API, its event stream, the
//! calls that enter it, and the staged creation of channels and bridges.

use std::fmt;
use std::future::IntoFuture;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};

use futures::{Stream, StreamExt as _};
use tokio::sync::mpsc;

use crate::error::Error;
use crate::stream::{
    ConnectionState, EventKind, EventStream, StreamError, StreamEvent, StreamItem, TypeSet,
};

use super::bridge::BridgeHandle;
use super::channel::ChannelHandle;
use super::ended::HandleError;
use super::hub::Hub;
use super::playback::PlaybackHandle;
use super::recording::LiveRecordingHandle;
use super::version::{ResourceEvent, Signal, VersionApi};
use crate::resource::ResourceKind;

/// A Stasis application: one version module's API, one event stream shared
/// by every handle, and the calls that enter the application.
///
/// Get one from `ari.stasis_app()` in any version module (`V` is that
/// module's `Ari`; `ari_sdk::vNN::StasisApp` names the type). Cheap to
/// clone; the event stream and the dispatcher stop when the last clone and
/// the last handle are dropped.
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use ari_sdk::handles::Prompt;
/// use ari_sdk::v22::Ari;
/// use futures::StreamExt as _;
///
/// let ari = Ari::connect(ari_sdk::Config::from_env()?).await?;
/// let app = ari.stasis_app()?;
/// let mut calls = app.calls();
/// while let Some(call) = calls.next().await {
///     tokio::spawn(async move {
///         call.answer().await?;
///         let pin = call
///             .prompt(&Prompt::new(["sound:enter-password"]).max_digits(4))
///             .await?;
///         println!("{} typed {}", call.id(), pin.digits);
///         call.hangup().await?;
///         Ok::<_, ari_sdk::handles::HandleError>(())
///     });
/// }
/// # Ok(())
/// # }
/// ```
pub struct StasisApp<V: VersionApi> {
    hub: Arc<Hub<V>>,
}

impl<V: VersionApi> StasisApp<V> {
    /// Connects `ari`'s event stream (the config's applications) and starts
    /// following it. Needs a Tokio runtime.
    ///
    /// The dispatcher sees every event from the first one on: no call and
    /// no event is lost, whatever the burst (see [`StasisOptions`] to
    /// declare which events the handles' streams need).
    pub fn new(ari: V) -> Result<Self, StreamError> {
        Self::with_options(ari, StasisOptions::default())
    }

    /// [`new`](Self::new) with options.
    ///
    /// ```no_run
    /// # #[cfg(feature = "asterisk-22")]
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use ari_sdk::handles::StasisOptions;
    /// use ari_sdk::v22::{Ari, EventType, StasisApp};
    ///
    /// let ari = Ari::connect(ari_sdk::Config::from_env()?).await?;
    /// // The calls' event streams only need key presses: other events
    /// // (variables, dialplan steps, ...) are not even decoded.
    /// let app = StasisApp::with_options(
    ///     ari,
    ///     StasisOptions::new().handle_events([EventType::ChannelDtmfReceived]),
    /// )?;
    /// # let _ = app;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_options(
        ari: V,
        options: StasisOptions<<V::Event as StreamEvent>::Kind>,
    ) -> Result<Self, StreamError> {
        let mut settings = ari.http().stream_settings();
        if let Some(buffer) = options.buffer {
            settings = settings.buffer(buffer);
        }
        let (stream, prepared) = EventStream::prepare(settings, false)?;
        ari.http().restore_subscriptions_on(&stream);
        let hub = Hub::start(ari, stream, options.handle_events)?;
        // Started once the dispatcher is attached: it misses nothing.
        prepared.start();
        Ok(StasisApp { hub })
    }

    /// Follows an event stream connected elsewhere (custom
    /// [`StreamSettings`](crate::stream::StreamSettings)). Only what the
    /// stream delivers from now on is seen.
    pub fn with_stream(ari: V, stream: EventStream<V::Event>) -> Result<Self, StreamError> {
        Ok(StasisApp {
            hub: Hub::start(ari, stream, None)?,
        })
    }

    pub(crate) fn from_hub(hub: Arc<Hub<V>>) -> Self {
        StasisApp { hub }
    }

    /// The version module's API.
    pub fn ari(&self) -> &V {
        &self.hub.ari
    }

    /// The event stream, for subscribing to everything.
    pub fn event_stream(&self) -> &EventStream<V::Event> {
        &self.hub.stream
    }

    /// Waits until Asterisk has registered the application, that is until
    /// the event stream is connected: from then on no call into the
    /// application is missed (calls that arrive before they are taken wait
    /// in [`calls`](Self::calls)).
    ///
    /// While Asterisk cannot be reached this keeps waiting (the stream
    /// retries); wrap it in a timeout to give up. A stream that stopped for
    /// good gives its fatal error ([`Error::Stream`]: refused credentials,
    /// a refused request, [`StreamError::Closed`]).
    ///
    /// ```no_run
    /// # #[cfg(feature = "asterisk-22")]
    /// # async fn run() -> Result<(), ari_sdk::Error> {
    /// let ari = ari_sdk::v22::Ari::connect(ari_sdk::Config::from_env()?).await?;
    /// let app = ari.stasis_app()?;
    /// app.registered().await?;
    /// println!("ready: calls into the application reach it now");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn registered(&self) -> Result<(), Error> {
        let stream = self.event_stream();
        let mut state = stream.state_changes();
        let settled = state
            .wait_for(|s| matches!(s, ConnectionState::Connected | ConnectionState::Closed))
            .await
            .map(|state| *state);
        if settled.is_ok_and(|state| state == ConnectionState::Connected) {
            return Ok(());
        }
        // Stopped for good: a subscription made now holds the fatal error,
        // if there was one, and then ends.
        let mut items = stream.subscribe();
        while let Some(item) = items.next().await {
            if let StreamItem::Error(error) = item {
                return Err(Error::Stream(error));
            }
        }
        Err(StreamError::Closed.into())
    }

    /// The calls entering the application (`StasisStart` of a channel no
    /// handle follows yet), in order, from the moment the application was
    /// made: none is lost waiting for this call.
    ///
    /// There is one stream of calls: calling this again hands the calls to
    /// the new stream, and the earlier one ends. The stream ends when the
    /// event stream stops for good.
    pub fn calls(&self) -> Calls<V> {
        let (receiver, generation) = self.hub.take_calls();
        Calls {
            receiver,
            generation,
            hub: Arc::downgrade(&self.hub),
        }
    }

    /// How many channels, bridges, playbacks and recordings the handles
    /// follow now.
    pub fn followed(&self) -> usize {
        self.hub.registry.len()
    }

    /// A handle on an existing channel. Its events start now.
    pub fn channel(&self, id: &str) -> ChannelHandle<V> {
        ChannelHandle::from_core(self.hub.attach(ResourceKind::Channel, id))
    }

    /// A handle on an existing bridge. Its events start now.
    pub fn bridge(&self, id: &str) -> BridgeHandle<V> {
        BridgeHandle::from_core(self.hub.attach(ResourceKind::Bridge, id))
    }

    /// A handle on an existing playback. Its events start now.
    pub fn playback(&self, id: &str) -> PlaybackHandle<V> {
        PlaybackHandle::from_core(self.hub.attach(ResourceKind::Playback, id))
    }

    /// A handle on an existing live recording. Its events start now.
    pub fn live_recording(&self, name: &str) -> LiveRecordingHandle<V> {
        LiveRecordingHandle::from_core(self.hub.attach(ResourceKind::LiveRecording, name))
    }

    /// The channels `StasisBroadcast` offers to this application, to
    /// [`claim`](super::Broadcast::claim) (Asterisk 20.20.0, 22.10.0,
    /// 23.4.0 and later; see [`Broadcast`](super::Broadcast)). Offers come
    /// only while the stream exists; a newer one replaces it.
    pub fn broadcasts(&self) -> super::Broadcasts<V> {
        self.hub.broadcasts()
    }

    /// Originates a channel without missing any of its events: picks its id
    /// (a UUID), opens its event stream, then lets `originate` send the
    /// request with that id.
    ///
    /// ```no_run
    /// # #[cfg(feature = "asterisk-22")]
    /// # async fn run(app: ari_sdk::v22::StasisApp) -> Result<(), ari_sdk::handles::HandleError> {
    /// let bob = app
    ///     .originate_staged(|ari, id| {
    ///         ari.channels()
    ///             .originate_with_id(id, "PJSIP/bob")
    ///             .app("my-app")
    ///             .caller_id("Robot <100>")
    ///     })
    ///     .await?;
    /// let mut events = bob.events(); // from before the originate
    /// # Ok(())
    /// # }
    /// ```
    pub async fn originate_staged<F, R, T>(
        &self,
        originate: F,
    ) -> Result<ChannelHandle<V>, HandleError>
    where
        F: FnOnce(&V, &str) -> R,
        R: IntoFuture<Output = Result<T, Error>>,
    {
        let ari = &self.hub.ari;
        let core = self
            .hub
            .staged(ResourceKind::Channel, None, |id| originate(ari, id))
            .await?;
        Ok(ChannelHandle::from_core(core))
    }

    /// Creates a media-over-websocket channel (`externalMedia` with
    /// `transport=websocket`, `encapsulation=none`,
    /// `connection_type=server`) and connects its media websocket: the
    /// channel's handle, staged like [`originate_staged`](Self::originate_staged)
    /// (its `StasisStart`, which Asterisk sends once the websocket is up and
    /// the channel answered, is among its events), and the
    /// [`MediaChannel`](crate::media::MediaChannel).
    ///
    /// `request` builds the `externalMedia` request with the given channel
    /// id (`|ari, id| ari.channels().external_media(..).channel_id(id)...
    /// .into_request()`). The connection id comes from the answer's
    /// `channelvars` (`MEDIA_WEBSOCKET_CONNECTION_ID`); the websocket uses
    /// the client's host, credentials and TLS settings
    /// ([`MediaSettings::for_client`](crate::media::MediaSettings::for_client)).
    /// If it cannot connect, the channel is hung up.
    ///
    /// See [`MediaChannel`](crate::media::MediaChannel) for an example.
    pub async fn external_media<F>(
        &self,
        request: F,
    ) -> Result<(ChannelHandle<V>, crate::media::MediaChannel), crate::media::MediaError>
    where
        F: FnOnce(&V, &str) -> crate::request::Request,
    {
        use crate::media::{MediaChannel, MediaError, MediaSettings};
        let ari = &self.hub.ari;
        if ari.http().is_outbound() {
            // Checked before the channel exists: nothing to clean up.
            return Err(MediaError::InvalidSettings(
                "an outbound websocket session does not know Asterisk's HTTP address to \
                 connect a media websocket to: use connection_type=client and \
                 external_media_dialed"
                    .to_owned(),
            ));
        }
        let answer = Arc::new(std::sync::Mutex::new(None::<serde_json::Value>));
        let slot = Arc::clone(&answer);
        let core = self
            .hub
            .staged(ResourceKind::Channel, None, |id| {
                let sent = ari.http().send_json::<serde_json::Value>(request(ari, id));
                async move {
                    let value = sent.await?;
                    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
                    Ok::<(), Error>(())
                }
            })
            .await
            .map_err(MediaError::Setup)?;
        let channel = ChannelHandle::from_core(core);
        let connection_id = answer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .and_then(|value| {
                value
                    .get("channelvars")?
                    .get("MEDIA_WEBSOCKET_CONNECTION_ID")?
                    .as_str()
                    .map(str::to_owned)
            });
        // The commands are checked against the server's release.
        ari.http().learn_release().await;
        let connected = match connection_id {
            Some(id) => MediaChannel::connect(&MediaSettings::for_client(ari.http()), &id).await,
            None => Err(MediaError::NoConnectionId),
        };
        self.media_connected(channel, connected).await
    }

    /// The channel and its media connection; without a connection, the
    /// channel is hung up (nobody will ever connect: it must not wait).
    async fn media_connected(
        &self,
        channel: ChannelHandle<V>,
        connected: Result<crate::media::MediaChannel, crate::media::MediaError>,
    ) -> Result<(ChannelHandle<V>, crate::media::MediaChannel), crate::media::MediaError> {
        match connected {
            Ok(media) => Ok((channel, media)),
            Err(error) => {
                let hangup = crate::request::Request::new(
                    &crate::media::HANGUP,
                    &[("channelId", channel.id())],
                );
                let _ = self.hub.ari.http().send_unit(hangup).await;
                Err(error)
            }
        }
    }

    /// Creates a media-over-websocket channel that Asterisk connects to the
    /// application (`externalMedia` with `transport=websocket`,
    /// `encapsulation=none`, `connection_type=client`, `external_host` the
    /// `websocket_client.conf` connection that reaches this program's
    /// [`OutboundServer`](crate::outbound::OutboundServer)): the channel's
    /// handle, staged, and the [`MediaChannel`](crate::media::MediaChannel)
    /// of the connection chan_websocket dials for it.
    ///
    /// The connection is [expected](crate::outbound::MediaConnections::expect)
    /// before the request is sent, so one that arrives before the answer
    /// is not missed. If none comes within 10 s (or the request fails), the
    /// channel is hung up. See
    /// [`MediaConnections`](crate::outbound::MediaConnections) for an example.
    pub async fn external_media_dialed<F>(
        &self,
        media: &crate::outbound::MediaConnections,
        request: F,
    ) -> Result<(ChannelHandle<V>, crate::media::MediaChannel), crate::media::MediaError>
    where
        F: FnOnce(&V, &str) -> crate::request::Request,
    {
        use crate::media::MediaError;
        /// How long chan_websocket may take to dial and say `MEDIA_START`.
        const DIAL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
        let ari = &self.hub.ari;
        let expected = Arc::new(std::sync::Mutex::new(None));
        let slot = Arc::clone(&expected);
        let core = self
            .hub
            .staged(ResourceKind::Channel, None, |id| {
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(media.expect(id));
                ari.http().send_unit(request(ari, id))
            })
            .await
            .map_err(MediaError::Setup)?;
        let channel = ChannelHandle::from_core(core);
        let expected = expected.lock().unwrap_or_else(|e| e.into_inner()).take();
        let connected = match expected {
            Some(expected) => tokio::time::timeout(DIAL_TIMEOUT, expected)
                .await
                .unwrap_or(Err(MediaError::Timeout(DIAL_TIMEOUT))),
            None => Err(MediaError::Closed),
        };
        self.media_connected(channel, connected).await
    }

    /// Creates a bridge without missing any of its events: picks its id,
    /// opens its event stream, then lets `create` send the request with it
    /// (`|ari, id| ari.bridges().create_with_id(id).r#type(..)`).
    pub async fn create_bridge_staged<F, R, T>(
        &self,
        create: F,
    ) -> Result<BridgeHandle<V>, HandleError>
    where
        F: FnOnce(&V, &str) -> R,
        R: IntoFuture<Output = Result<T, Error>>,
    {
        let ari = &self.hub.ari;
        let core = self
            .hub
            .staged(ResourceKind::Bridge, None, |id| create(ari, id))
            .await?;
        Ok(BridgeHandle::from_core(core))
    }

    /// Creates a bridge of the given `type` flags (`mixing`, `holding`,
    /// `dtmf_events`, `proxy_media`, `video_sfu`, ...), staged.
    pub async fn create_bridge(
        &self,
        types: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<BridgeHandle<V>, HandleError> {
        let types: Vec<String> = types.into_iter().map(Into::into).collect();
        let ari = &self.hub.ari;
        let core = self
            .hub
            .staged(ResourceKind::Bridge, None, |id| {
                ari.http().send_unit(ari.create_bridge_request(id, types))
            })
            .await?;
        Ok(BridgeHandle::from_core(core))
    }

    /// Puts channels in a new mixing bridge: the usual way to connect two
    /// calls.
    ///
    /// ```no_run
    /// # #[cfg(feature = "asterisk-22")]
    /// # async fn run(app: ari_sdk::v22::StasisApp, alice: ari_sdk::v22::ChannelHandle, bob: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::handles::HandleError> {
    /// let bridge = app.bridge_channels([&alice, &bob]).await?;
    /// bob.ended().await; // the callee hung up
    /// bridge.destroy().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bridge_channels<'c>(
        &self,
        channels: impl IntoIterator<Item = &'c ChannelHandle<V>>,
    ) -> Result<BridgeHandle<V>, HandleError> {
        let ids: Vec<String> = channels.into_iter().map(|c| c.id().to_string()).collect();
        let bridge = self.create_bridge(["mixing"]).await?;
        let ari = &self.hub.ari;
        ari.http()
            .send_unit(ari.add_channels_request(bridge.id(), ids))
            .await?;
        Ok(bridge)
    }
}

impl<V: VersionApi> Clone for StasisApp<V> {
    fn clone(&self) -> Self {
        StasisApp {
            hub: Arc::clone(&self.hub),
        }
    }
}

impl<V: VersionApi> fmt::Debug for StasisApp<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StasisApp")
            .field("ari", &self.hub.ari)
            .field("stream", &self.hub.stream)
            .finish()
    }
}

/// The calls entering a [`StasisApp`]: a [`Stream`] of [`Call`]s.
///
/// Calls wait here, without limit, until they are taken: none is ever
/// dropped. Dropping the stream hands the calls it still holds to the next
/// [`StasisApp::calls`].
pub struct Calls<V: VersionApi> {
    receiver: mpsc::UnboundedReceiver<Call<V>>,
    generation: u64,
    hub: Weak<Hub<V>>,
}

impl<V: VersionApi> Calls<V> {
    /// Calls waiting to be taken.
    pub fn waiting(&self) -> usize {
        self.receiver.len()
    }
}

impl<V: VersionApi> Stream for Calls<V> {
    type Item = Call<V>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Call<V>>> {
        self.get_mut().receiver.poll_recv(cx)
    }
}

impl<V: VersionApi> Drop for Calls<V> {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.give_back(&mut self.receiver, self.generation);
        }
    }
}

impl<V: VersionApi> fmt::Debug for Calls<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calls")
            .field("waiting", &self.receiver.len())
            .finish()
    }
}

/// Options of a [`StasisApp`], for [`StasisApp::with_options`].
#[derive(Clone)]
pub struct StasisOptions<K> {
    handle_events: Option<TypeSet<K>>,
    buffer: Option<usize>,
}

impl<K: EventKind> fmt::Debug for StasisOptions<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StasisOptions")
            .field("handle_events", &self.handle_events)
            .field("buffer", &self.buffer)
            .finish()
    }
}

impl<K: EventKind> Default for StasisOptions<K> {
    fn default() -> Self {
        StasisOptions {
            handle_events: None,
            buffer: None,
        }
    }
}

impl<K: EventKind> StasisOptions<K> {
    /// The defaults: the handles' event streams get every event about
    /// their resources.
    pub fn new() -> Self {
        Self::default()
    }

    /// The event types the handles' event streams ([`ChannelHandle::events`])
    /// get. The types that start calls and end resources (`StasisStart`,
    /// `StasisEnd`, `ChannelDestroyed`, `BridgeDestroyed`,
    /// `PlaybackFinished`, `RecordingFinished`, `RecordingFailed`) are
    /// always added. When the application's other subscribers declared
    /// their types too ([`Subscription::only_types`]), frames of any other
    /// type are not decoded at all.
    ///
    /// [`Subscription::only_types`]: crate::stream::Subscription::only_types
    pub fn handle_events(mut self, types: impl IntoIterator<Item = K>) -> Self {
        self.handle_events = Some(types.into_iter().collect());
        self
    }

    /// The event stream's per-subscriber buffer (see
    /// [`StreamSettings::buffer`](crate::stream::StreamSettings::buffer)).
    pub fn buffer(mut self, items: usize) -> Self {
        self.buffer = Some(items);
        self
    }
}

/// A channel that entered the application: its handle (the call
/// dereferences to it: `call.answer().await?`), the `Stasis()` arguments and
/// the `StasisStart` event.
///
/// The call's [`events`](ChannelHandle::events) start right after its
/// `StasisStart`, and [`ended`](ChannelHandle::ended) resolves when the
/// channel leaves the application or hangs up.
pub struct Call<V: VersionApi> {
    channel: ChannelHandle<V>,
    /// Always a `StasisStart` (checked by [`Call::new`]): the arguments and
    /// the snapshot are read from it, not copied (a copy of the channel
    /// cost ~1 KiB per live call).
    start: Arc<V::Event>,
    recovered: bool,
}

impl<V: VersionApi> Call<V> {
    /// A call from its `StasisStart`; `None` for any other event.
    pub(crate) fn new(channel: ChannelHandle<V>, start: Arc<V::Event>) -> Option<Self> {
        matches!(start.signal(), Signal::StasisStart { .. }).then_some(Call {
            channel,
            start,
            recovered: false,
        })
    }

    /// A call found by the reconciliation, from its rebuilt `StasisStart`.
    pub(crate) fn recovered(channel: ChannelHandle<V>, start: Arc<V::Event>) -> Option<Self> {
        Call::new(channel, start).map(|call| Call {
            recovered: true,
            ..call
        })
    }

    /// True for a call whose `StasisStart` was lost while the event stream
    /// was down: found in the application by the reconciliation after the
    /// reconnect (`GET /channels`), its `StasisStart` rebuilt from the
    /// listing (with the reconciliation's time as its timestamp). What
    /// happened to it during the gap is unknown; its state is the
    /// snapshot's.
    pub fn is_recovered(&self) -> bool {
        self.recovered
    }

    /// The channel.
    pub fn channel(&self) -> &ChannelHandle<V> {
        &self.channel
    }

    /// The channel, keeping nothing else.
    pub fn into_channel(self) -> ChannelHandle<V> {
        self.channel
    }

    /// The arguments of `Stasis(app,args...)`.
    pub fn args(&self) -> &[String] {
        match self.start.signal() {
            Signal::StasisStart { args, .. } => args,
            _ => &[],
        }
    }

    /// The cluster node the call is on (`ari_sdk::cluster`), while its
    /// channel is in the application (from its `StasisStart` to its
    /// `StasisEnd`); `None` outside a cluster. Looked up, not kept: a field
    /// would cost every live call its size.
    pub fn node(&self) -> Option<String> {
        self.channel
            .ari()
            .http()
            .node_of(ResourceKind::Channel, self.channel.id())
    }

    /// The `StasisStart` event.
    pub fn start_event(&self) -> &Arc<V::Event> {
        &self.start
    }

    /// The channel as it was when it entered (caller id, dialplan
    /// position, ...): the `StasisStart`'s channel.
    pub fn snapshot(&self) -> &<V::Event as ResourceEvent>::Channel {
        match self.start.signal() {
            Signal::StasisStart { channel, .. } => channel,
            // `Call::new` accepts nothing else.
            _ => unreachable!("a Call holds its StasisStart"),
        }
    }
}

impl<V: VersionApi> Deref for Call<V> {
    type Target = ChannelHandle<V>;

    fn deref(&self) -> &ChannelHandle<V> {
        &self.channel
    }
}

impl<V: VersionApi> fmt::Debug for Call<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("channel", &self.channel)
            .field("args", &self.args())
            .field("recovered", &self.recovered)
            .finish_non_exhaustive()
    }
}
