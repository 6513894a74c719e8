//! Handles: a channel, bridge, playback or recording as an object that
//! knows its id, its events and its end, with the Stasis entry point that
//! hands out calls.
//!
//! Every version module turns this on for its own API: `vNN::StasisApp`,
//! `vNN::Call`, `vNN::ChannelHandle`, `vNN::BridgeHandle`,
//! `vNN::PlaybackHandle` and `vNN::LiveRecordingHandle` name the generic
//! types below for that module, and each handle has, generated, one method
//! per operation of its resource in that release (`channel.answer()`,
//! `bridge.add_channel(..)`, `playback.control(..)`), returning the same
//! request builder as `ari.channels().answer(id)` would.
//!
//! What the handles add to the plain API:
//!
//! - **Events per resource**, routed by one dispatcher from the application's
//!   single event stream: each event is decoded once and handed (as the
//!   same `Arc`) to the handles of every channel, bridge, playback and
//!   recording it names ([`ChannelHandle::events`]).
//! - **No lost event, no lost call.** The dispatcher runs inside the event
//!   stream's connection task, so it sees every event of any burst; a call
//!   waits in [`StasisApp::calls`] until the application takes it, never
//!   dropped. A handle's own event stream is bounded (1,024 events); one
//!   that is not read that far behind gets an exact
//!   [`StreamItem::Lagged`](crate::stream::StreamItem::Lagged) in the place
//!   of the gap, while its end ([`ChannelHandle::ended`]) is still known.
//! - **Staged creation**: the new resource's id is picked on the client (a
//!   UUID), its event stream opened, and only then the request sent
//!   ([`ChannelHandle::play`], [`ChannelHandle::record`],
//!   [`StasisApp::originate_staged`], [`StasisApp::create_bridge`]). A call
//!   from [`StasisApp::calls`] gets its stream right after its
//!   `StasisStart`.
//! - **Ends**: a playback or a recording awaited ([`Play`], [`Record`]) or
//!   [`PlaybackHandle::finished`] resolves on `PlaybackFinished`
//!   (or fails when the channel goes away first), a channel ends on
//!   `StasisEnd` or `ChannelDestroyed`; [`HandleEnded`] says why.
//! - **Reconciliation**: Asterisk replays nothing after a websocket drop.
//!   When the stream is back, one listing per kind (`GET /channels`,
//!   `GET /bridges`) says what still exists, and the playbacks and
//!   recordings still running are re-read a few at a time; a handle whose
//!   resource is gone ends with [`HandleEnded::VanishedDuringReconnect`]
//!   instead of waiting forever. Every handle's event stream carries the
//!   `Disconnected`/`Reconnected` notices in order with its events.
//! - **Constant cost per event** at any number of live calls: routing and
//!   ending are hash lookups, nothing is swept.
//! - **Helpers**: [`ChannelHandle::prompt`] (play and collect digits),
//!   [`ChannelHandle::record`] (record until silence or a key),
//!   [`StasisApp::bridge_channels`].
//!
//! The waiting is written once, here, generic over [`VersionApi`] (each
//! `vNN::Ari`) and [`ResourceEvent`] (each `vNN::Event`), whose generated
//! impls only build requests and read fields.
//!
//! ```no_run
//! # #[cfg(feature = "asterisk-22")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use ari_sdk::handles::{Prompt, RecordOptions, TerminateOn};
//! use ari_sdk::v22::Ari;
//! use futures::StreamExt as _;
//!
//! let ari = Ari::connect(ari_sdk::Config::from_env()?).await?;
//! let app = ari.stasis_app()?;
//! let mut calls = app.calls();
//! while let Some(call) = calls.next().await {
//!     call.answer().await?;
//!     let choice = call
//!         .prompt(&Prompt::new(["sound:vm-press", "digits:1", "sound:vm-for-voicemail"]).max_digits(1))
//!         .await?;
//!     if choice.digits == "1" {
//!         let message = call
//!             .record(RecordOptions::new("wav").max_silence_seconds(3).terminate_on(TerminateOn::Hash))
//!             .await?;
//!         println!("new message {}", message.name);
//!     }
//!     call.hangup().await?;
//! }
//! # Ok(())
//! # }
//! ```

mod app;
mod bridge;
mod broadcast;
mod channel;
mod core;
mod ended;
mod hub;
mod media;
mod ops;
mod options;
mod playback;
mod prompt;
mod reconcile;
mod recording;
mod registry;
mod tracker;
mod version;

pub use crate::resource::{for_each_target, ResourceKind};
pub use app::{Call, Calls, StasisApp, StasisOptions};
pub use bridge::BridgeHandle;
pub use broadcast::{Broadcast, Broadcasts, Claimed};
pub use channel::ChannelHandle;
pub use ended::{HandleEnded, HandleError};
pub use media::{Play, Record};
pub use ops::{BridgeOps, ChannelOps, LiveRecordingOps, PlaybackOps};
pub use options::{IfExists, RecordOptions, TerminateOn};
pub use playback::PlaybackHandle;
pub use prompt::{Prompt, PromptEnd, PromptReply};
pub use recording::LiveRecordingHandle;
pub use tracker::HandleEvents;
pub use version::{ResourceEvent, Signal, VersionApi};

use crate::client::ResponseFuture;
use crate::error::Error;
use crate::request::Request;

/// Sends a request a version module may not have (`None`): then fails
/// without sending anything.
fn send_optional<V: VersionApi>(
    ari: &V,
    request: Option<Request>,
    operation: &'static str,
) -> ResponseFuture<()> {
    match request {
        Some(request) => ari.http().send_unit(request),
        None => Box::pin(std::future::ready(Err(Error::InvalidArgument {
            operation,
            parameter: "target",
            problem: "this Asterisk release has no such operation for that target",
        }))),
    }
}
