//! Media connections Asterisk dials (`externalMedia` with
//! `connection_type=client`): chan_websocket connects to the
//! `websocket_client.conf` connection named by `external_host` and starts
//! with `MEDIA_START`, which names the channel. They are handed to whoever
//! [expects](MediaConnections::expect) that channel, else to the
//! [`unexpected`](MediaConnections::unexpected) stream.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::{mpsc, oneshot};

use crate::media::{MediaChannel, MediaError};
use crate::sync::lock;

/// The media connections of an [`OutboundServer`](super::OutboundServer);
/// cheap to clone.
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run(server: ari_sdk::outbound::OutboundServer, app: ari_sdk::v22::StasisApp) -> Result<(), ari_sdk::media::MediaError> {
/// use ari_sdk::v22::channels::{ConnectionType, Encapsulation, Transport};
///
/// let media = server.media();
/// // Asterisk dials the `websocket_client.conf` connection `media_app`.
/// let (channel, mut audio) = app
///     .external_media_dialed(&media, |ari, id| {
///         ari.channels()
///             .external_media("my-app", "ulaw")
///             .channel_id(id)
///             .transport(Transport::Websocket)
///             .encapsulation(Encapsulation::None)
///             .connection_type(ConnectionType::Client)
///             .external_host("media_app")
///             .into_request()
///     })
///     .await?;
/// println!("{} sends {} byte frames", channel.id(), audio.start().optimal_frame_size);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MediaConnections {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Channel id -> who waits for its connection.
    expected: HashMap<String, oneshot::Sender<MediaChannel>>,
    /// Where unexpected connections go, once someone takes them.
    unexpected: Option<mpsc::UnboundedSender<MediaChannel>>,
}

impl MediaConnections {
    pub(crate) fn new() -> Self {
        MediaConnections {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Waits for the media connection of channel `channel_id` (the
    /// `channel_id` of its `MEDIA_START`). Call it before creating the
    /// channel, so a connection that comes first is not missed (what
    /// [`StasisApp::external_media_dialed`](crate::handles::StasisApp::external_media_dialed)
    /// does). A later call for the same id replaces this one.
    pub fn expect(&self, channel_id: &str) -> ExpectedMedia {
        let (sender, receiver) = oneshot::channel();
        lock(&self.shared.state)
            .expected
            .insert(channel_id.to_owned(), sender);
        ExpectedMedia {
            receiver,
            channel_id: channel_id.to_owned(),
            shared: Arc::clone(&self.shared),
        }
    }

    /// The media connections nobody [expects](Self::expect). Without this
    /// stream they are closed (and reported as
    /// [`OutboundError::MediaNotServed`](super::OutboundError::MediaNotServed));
    /// a newer stream replaces an older one.
    pub fn unexpected(&self) -> UnexpectedMedia {
        let (sender, receiver) = mpsc::unbounded_channel();
        lock(&self.shared.state).unexpected = Some(sender);
        UnexpectedMedia { receiver }
    }

    /// Hands a connection to its taker; false (and the connection dropped,
    /// which closes it) when nobody takes it.
    pub(crate) fn deliver(&self, media: MediaChannel) -> bool {
        let mut state = lock(&self.shared.state);
        let media = match state.expected.remove(&media.start().channel_id) {
            Some(waiter) => match waiter.send(media) {
                Ok(()) => return true,
                // It stopped waiting: unexpected after all.
                Err(media) => media,
            },
            None => media,
        };
        state
            .unexpected
            .as_ref()
            .is_some_and(|sender| sender.send(media).is_ok())
    }
}

/// The media connection of one channel, once Asterisk has dialled it:
/// a future of [`MediaChannel`]. Fails with [`MediaError::Closed`] when the
/// listener is gone first.
#[derive(Debug)]
pub struct ExpectedMedia {
    receiver: oneshot::Receiver<MediaChannel>,
    channel_id: String,
    shared: Arc<Shared>,
}

impl Future for ExpectedMedia {
    type Output = Result<MediaChannel, MediaError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.receiver)
            .poll(cx)
            .map(|received| received.map_err(|_| MediaError::Closed))
    }
}

impl Drop for ExpectedMedia {
    fn drop(&mut self) {
        let mut state = lock(&self.shared.state);
        // Only its own entry: a newer `expect` may have replaced it.
        if state
            .expected
            .get(&self.channel_id)
            .is_some_and(oneshot::Sender::is_closed)
        {
            state.expected.remove(&self.channel_id);
        }
    }
}

/// Media connections nobody expected, as a [`Stream`].
#[derive(Debug)]
pub struct UnexpectedMedia {
    receiver: mpsc::UnboundedReceiver<MediaChannel>,
}

impl Stream for UnexpectedMedia {
    type Item = MediaChannel;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<MediaChannel>> {
        self.get_mut().receiver.poll_recv(cx)
    }
}
