//! Broadcast and claim (Asterisk 20.20.0, 22.10.0, 23.4.0): a worker pool
//! of application instances sharing the calls.
//!
//! The dialplan's `StasisBroadcast(timeout,app_filter,args,notify_claimed)`
//! (modules `app_stasis_broadcast` and `res_stasis_broadcast`) offers a
//! channel to every registered application whose name matches the filter
//! (`^ivr-` for instances `ivr-1`, `ivr-2`, ...) with a `CallBroadcast`
//! event, in a random order. Each instance may claim it (`POST
//! /events/claim`); Asterisk lets exactly one win, and the winner gets the
//! channel as with `Stasis(winner,args)`. No claim within the timeout (500
//! ms by default): the dialplan goes on with `STASISSTATUS=TIMEOUT`.
//!
//! [`StasisApp::broadcasts`](super::StasisApp::broadcasts) gives the offers;
//! [`Broadcast::claim`] claims one and gives [`Claimed::Won`] with the
//! call (staged: its `StasisStart` is not missed, even when it arrives
//! before the claim's answer), [`Claimed::Lost`] when another instance was
//! first, or [`Claimed::Gone`] when the offer is over.
//!
//! ```no_run
//! # #[cfg(feature = "asterisk-22")]
//! # async fn run(app: ari_sdk::v22::StasisApp) -> Result<(), ari_sdk::handles::HandleError> {
//! use ari_sdk::handles::Claimed;
//! use futures::StreamExt as _;
//!
//! let mut offers = app.broadcasts();
//! while let Some(offer) = offers.next().await {
//!     match offer.claim().await? {
//!         Claimed::Won(call) => {
//!             tokio::spawn(async move {
//!                 call.answer().await?;
//!                 call.play(["sound:hello-world"]).await?;
//!                 call.hangup().await
//!             });
//!         }
//!         Claimed::Lost | Claimed::Gone => {} // another instance serves it
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt as _};
use tokio::sync::mpsc;

use super::app::Call;
use super::channel::ChannelHandle;
use super::core::Core;
use super::ended::HandleError;
use super::hub::Hub;
use super::version::{ResourceEvent, Signal, VersionApi};
use crate::resource::ResourceKind;
use crate::stream::StreamItem;

/// A channel offered to the application by `StasisBroadcast`.
pub struct Broadcast<V: VersionApi> {
    hub: Arc<Hub<V>>,
    event: Arc<V::Event>,
}

/// What a [`Broadcast::claim`] came to: Asterisk answers a claim with one
/// of exactly these three.
#[derive(Debug)]
pub enum Claimed<V: VersionApi> {
    /// This application won: the call, as [`StasisApp::calls`] would give
    /// it (its `StasisStart` carries the broadcast's arguments).
    ///
    /// [`StasisApp::calls`]: super::StasisApp::calls
    Won(Call<V>),
    /// Another application claimed it first (`409`).
    Lost,
    /// The offer is over: the claim window closed, the caller hung up, or
    /// the channel was never offered (`404`).
    Gone,
}

impl<V: VersionApi> Broadcast<V> {
    /// An offer from a `CallBroadcast` event; `None` for any other event.
    pub(crate) fn new(hub: Arc<Hub<V>>, event: Arc<V::Event>) -> Option<Self> {
        matches!(event.signal(), Signal::CallBroadcast { .. }).then_some(Broadcast { hub, event })
    }

    fn fields(&self) -> (&str, &str, Option<&str>, Option<&str>) {
        match self.event.signal() {
            Signal::CallBroadcast {
                channel_id,
                application,
                caller,
                called,
            } => (channel_id, application, caller, called),
            // `Broadcast::new` accepts nothing else.
            _ => unreachable!("a Broadcast holds its CallBroadcast"),
        }
    }

    /// The offered channel's id.
    pub fn channel_id(&self) -> &str {
        self.fields().0
    }

    /// The application it was offered to (the one that claims it).
    pub fn application(&self) -> &str {
        self.fields().1
    }

    /// The caller's number.
    pub fn caller(&self) -> Option<&str> {
        self.fields().2
    }

    /// The dialled extension.
    pub fn called(&self) -> Option<&str> {
        self.fields().3
    }

    /// The `CallBroadcast` event (with the channel's snapshot).
    pub fn event(&self) -> &Arc<V::Event> {
        &self.event
    }

    /// Claims the channel for [`application`](Broadcast::application).
    ///
    /// The channel's handle is staged before the claim is sent, so the
    /// winner's `StasisStart` is not missed. A release without broadcast
    /// (before 20) fails with [`Error::InvalidArgument`]; one of a line
    /// before the claim's release with [`Error::NotInRelease`].
    ///
    /// [`Error::InvalidArgument`]: crate::Error::InvalidArgument
    /// [`Error::NotInRelease`]: crate::Error::NotInRelease
    pub async fn claim(self) -> Result<Claimed<V>, HandleError> {
        let (channel_id, application, ..) = self.fields();
        let hub = &self.hub;
        let tracker = hub.track(ResourceKind::Channel, channel_id, None);
        let pending = tracker.subscribe();
        let mut waiting = tracker.subscribe();
        let request = hub.ari.claim_request(channel_id, application);
        match super::send_optional(&hub.ari, request, "events.claimChannel").await {
            Ok(()) => {}
            Err(error) if error.status() == Some(409) => return Ok(Claimed::Lost),
            Err(error) if error.status() == Some(404) => return Ok(Claimed::Gone),
            Err(error) => return Err(error.into()),
        }
        let core = Core::new(Arc::clone(hub), Arc::clone(&tracker), Some(pending));
        // Won: the channel enters this application next.
        loop {
            tokio::select! {
                item = waiting.next() => match item {
                    Some(StreamItem::Event(event)) => {
                        if let Signal::StasisStart { channel_id: id, .. } = event.signal() {
                            if id == channel_id {
                                let channel = ChannelHandle::from_core(core);
                                if let Some(call) = Call::new(channel, Arc::clone(&event)) {
                                    return Ok(Claimed::Won(call));
                                }
                                return Ok(Claimed::Gone);
                            }
                        }
                    }
                    Some(_) => {}
                    None => break,
                },
                ending = tracker.ended() => return Err(core.error(ending.reason)),
            }
        }
        let ending = tracker.ended().await;
        Err(core.error(ending.reason))
    }
}

impl<V: VersionApi> fmt::Debug for Broadcast<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broadcast")
            .field("channel_id", &self.channel_id())
            .field("application", &self.application())
            .field("caller", &self.caller())
            .field("called", &self.called())
            .finish()
    }
}

/// The offers of a [`StasisApp`](super::StasisApp): a [`Stream`] of
/// [`Broadcast`]s, from [`StasisApp::broadcasts`](super::StasisApp::broadcasts).
///
/// Offers come only while a `Broadcasts` stream exists (a newer one
/// replaces an older one); an offer nobody takes simply times out in
/// Asterisk, whose dialplan then goes on.
pub struct Broadcasts<V: VersionApi> {
    pub(crate) receiver: mpsc::UnboundedReceiver<Broadcast<V>>,
}

impl<V: VersionApi> Stream for Broadcasts<V> {
    type Item = Broadcast<V>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Broadcast<V>>> {
        self.get_mut().receiver.poll_recv(cx)
    }
}

impl<V: VersionApi> fmt::Debug for Broadcasts<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broadcasts")
            .field("waiting", &self.receiver.len())
            .finish()
    }
}
