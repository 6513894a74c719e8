//! The event stream: Asterisk's `/ari/events` websocket as a
//! [`futures::Stream`] of typed events, shared by any number of subscribers.
//!
//! Named *stream* so it does not collide with the REST operations of the
//! `events` resource (`userEvent`, `claimChannel`), which keep their
//! generated group.
//!
//! One [`EventStream`] owns one websocket, kept by a background task that
//!
//! - authenticates the upgrade with the `Authorization` header (never
//!   `api_key` in the query string, which would put the password in URLs and
//!   access logs), with a handshake of its own so not even a TRACE-level log
//!   of a dependency sees the header;
//! - decodes each text frame **once** into an `Arc<E>` and hands the same
//!   `Arc` to every [`Subscription`] (a frame only one subscriber takes is
//!   decoded by that subscriber, in its own task, so the reading and the
//!   decoding run side by side; one that several take is decoded by the
//!   reading task, once, and freed there too), so filtering by type or
//!   resource ([`Subscription::filter_events`],
//!   [`Subscription::only_types`]) never decodes anything a second time;
//!   when every subscriber declared the
//!   types it wants ([`Subscription::only_types`]), a frame of another type
//!   is not decoded at all (its `type` is read, and that is all);
//! - never waits long for a subscriber: each has a bounded buffer (a full
//!   one gets a grace of at most 50 ms, once, before anything is counted as
//!   lost, so a consumer thread the OS did not schedule for a moment loses
//!   nothing), and one that falls behind for good keeps what it holds and is
//!   told exactly what it missed: a
//!   [`StreamItem::Lagged`] with the count and the resources those events
//!   named, in the place of the gap. The socket goes on being drained
//!   (Asterisk drops a websocket whose writes block for its
//!   `websocket_write_timeout`, 100 ms by default). Connection notices are
//!   never dropped;
//! - yields to the scheduler every few frames, so that subscribers in other
//!   tasks keep up with a burst instead of overflowing, and wakes them per
//!   batch of frames rather than per frame (see `connection.rs`); a
//!   subscriber takes everything queued for it at once;
//! - pings the server and declares the connection dead after
//!   [`StreamSettings::idle_timeout`] of silence, so a half-open TCP
//!   connection does not look healthy for long;
//! - reconnects forever with exponential backoff and jitter (see [`Backoff`]),
//!   re-registering the applications named in the URL, and tells every
//!   subscriber, in order with the events, when the connection was lost
//!   ([`StreamItem::Disconnected`]) and when it is back
//!   ([`StreamItem::Reconnected`]). Asterisk replays nothing: events sent
//!   while the socket was down are gone, and the notice is the application's
//!   cue to reconcile its state over REST;
//! - stops for good on credentials Asterisk rejects (HTTP 401/403 on the
//!   upgrade) with [`StreamError::Unauthorized`] instead of hammering the
//!   server, or when [`EventStream::close`] is called, or when every handle
//!   and subscription is dropped.
//!
//! A frame that does not decode is a [`StreamItem::Error`] carrying the raw
//! text and the decoder's error; the stream goes on with the next frame.
//!
//! Throughput: one subscriber gets 0.8-1.0 of the events per second of a
//! bare tokio-tungstenite loop running the same decode; ten subscribers, each
//! getting every event, 0.5-0.9 of it on two cores, more than the same loop
//! fanning out through `tokio::sync::broadcast` (`BENCHMARKS.md`, "Event
//! stream against raw loops"). An application that fans a very high event
//! rate out to many subscribers may gain from a multi-threaded global
//! allocator (jemalloc, mimalloc) instead of the system's: side by side on
//! two cores, ten subscribers got about 14 % more events per second with
//! jemalloc.
//!
//! The stream is generic over the event type, so every version module's
//! generated `Event` enum shares it through [`StreamEvent`]; an untyped
//! stream of [`serde_json::Value`]s works too:
//!
//! ```no_run
//! use ari_sdk::stream::{EventStream, StreamItem, StreamSettings};
//! use futures::StreamExt as _;
//! use secrecy::SecretString;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = StreamSettings::new(
//!     "ws://127.0.0.1:8088/ari/events?app=my-app&subscribeAll=true",
//!     // `Basic base64(username:password)`
//!     SecretString::from("Basic YXN0ZXJpc2s6c2VjcmV0"),
//! );
//! let stream = EventStream::<serde_json::Value>::connect(settings)?;
//! let mut events = stream.subscribe();
//! while let Some(item) = events.next().await {
//!     match item {
//!         StreamItem::Event(event) => println!("{}", event["type"]),
//!         StreamItem::Reconnected { downtime, .. } => {
//!             println!("events of the last {downtime:?} are lost: reconcile")
//!         }
//!         StreamItem::Lagged { missed, .. } => println!("too slow, missed {missed}"),
//!         other => println!("{other:?}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

pub(crate) mod accepted;
mod backoff;
mod connection;
mod error;
mod event;
pub(crate) mod fanout;
pub(crate) mod feed;
mod frame;
mod handle;
pub(crate) mod handshake;
mod item;
mod node;
pub(crate) mod queue;
mod reclaim;
mod settings;
mod subscription;
pub(crate) mod transport;
mod types;

pub use backoff::{Backoff, Jitter};
pub use error::StreamError;
pub use event::{AnyEventType, EventKind, StreamEvent};
pub use handle::{ConnectionState, EventStream};
pub use item::{DisconnectReason, StreamItem};
pub use node::NodeNotice;
pub use settings::StreamSettings;
pub use subscription::{EventFilter, Filtered, Subscription, TypeFilter};
pub use types::TypeSet;

/// The TLS library `wss://` connections use, for building a
/// [`StreamSettings::tls`] configuration (a private CA, a pinned certificate).
pub use rustls;
