//! Typed async client for the Asterisk REST Interface (ARI).
//!
//! One module per Asterisk major, each generated from the api-docs that
//! release publishes and turned on by its Cargo feature: `v13` (`asterisk-13`)
//! ... `v23` (`asterisk-23`). The features are additive: a fleet in the middle
//! of an upgrade turns on both majors and talks to each server with its own
//! module. The default is the newest LTS, `asterisk-22`.
//!
//! Inside a module the surface is exactly what that release publishes
//! (`v19` has no `claim_channel`, `v20` has). `API_MATRIX.md` lists every
//! operation and event by major with the release it appeared in.
//!
//! ```no_run
//! # #[cfg(feature = "asterisk-22")]
//! # async fn run() -> Result<(), ari_sdk::Error> {
//! use ari_sdk::v22::{Ari, Event};
//!
//! let ari = Ari::connect(ari_sdk::Config::from_env()?).await?;
//! let channel = ari
//!     .channels()
//!     .originate("PJSIP/alice")
//!     .app("my-app")
//!     .caller_id("Robot <100>")
//!     .variables([("CALL_REASON", "reminder")])
//!     .send()
//!     .await?;
//! ari.channels().play(&channel.id, ["sound:hello-world", "digits:42"]).await?;
//!
//! match ari.channels().hangup(&channel.id).await {
//!     Ok(()) => {}
//!     Err(e) if e.is_not_found() => {} // already gone
//!     Err(e) => return Err(e),
//! }
//!
//! let frame = r#"{"type":"StasisEnd","application":"my-app","timestamp":"2026-11-22T18:02:24.382+0000","channel":{"id":"1","name":"PJSIP/alice-1","state":"Up","caller":{"name":"","number":""},"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"default","exten":"s","priority":1,"app_name":"","app_data":""},"creationtime":"2026-11-22T18:02:20.000+0000","language":"en"}}"#;
//! let event = Event::from_json(frame).expect("a StasisEnd");
//! assert_eq!(event.application(), Some("my-app"));
//! # Ok(())
//! # }
//! ```
//!
//! Names: endpoint methods are the operations' `nickname`s in snake_case,
//! grouped by resource (`ari.channels().originate_with_id(..)`); required
//! parameters are arguments, optional ones builder methods, and `.send()` (or
//! `.await` on the builder) runs the request. Models and events keep the
//! names the api-docs give them (`Channel`, `StasisStart`, `RESTResponse`).
//! A name that is a Rust keyword is a raw identifier:
//! `ari.channels().r#move(..)`, `log_channel.r#type`.
//!
//! - [`Client`] (cheap to clone) holds the HTTP client, the base URL and the
//!   credentials of a [`Config`]; each module's `Ari` wraps one.
//! - Every failure is an [`Error`]; HTTP errors carry the documented reason,
//!   Asterisk's message and an [`HttpErrorKind`].
//! - [`Client::send_raw`] sends any request as given and returns
//!   Asterisk's status and body verbatim ([`raw`]).
//! - [`Timestamp`] reads Asterisk's `2026-11-22T18:02:24.382+0000`.
//! - [`stream`] is the `/events` websocket as a stream of typed events
//!   (`Ari::event_stream()` in every version module).
//! - [`handles`] is the application layer on top: `ari.stasis_app()` hands
//!   out incoming calls, and channels, bridges, playbacks and recordings
//!   become handles with their own events, their end, staged creation that
//!   loses no event, and reconciliation after a websocket drop.
//! - [`enabled_majors`] and [`Client::asterisk_major`] tell which module fits
//!   the server an application reached.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod client;
#[cfg(feature = "cluster")]
#[cfg_attr(docsrs, doc(cfg(feature = "cluster")))]
pub mod cluster;
pub mod config;
pub mod decode;
pub mod error;
mod error_body;
pub mod event_tag;
pub mod handles;
pub mod media;
pub mod outbound;
pub mod raw;
pub mod request;
pub mod resource;
pub mod runtime;
pub mod stream;
pub(crate) mod subscriptions;
mod sync;
pub mod timestamp;
pub mod unknown_event;
mod ws_rest;

pub use client::Client;
pub use config::{Config, ConfigBuilder, RestTransport};
pub use error::{Error, HttpErrorKind, Unroutable};
pub use raw::{RawRequest, RawResponse};
pub use timestamp::Timestamp;

/// The Asterisk majors whose module this build has (`v13` ... `v23`, by
/// Cargo feature), oldest first.
///
/// With [`Client::asterisk_major`] an application serving several majors
/// picks the module that fits the server it reached:
///
/// ```no_run
/// # async fn run() -> Result<(), ari_sdk::Error> {
/// let client = ari_sdk::Client::from_env()?;
/// let major = client.asterisk_major().await?;
/// if !ari_sdk::enabled_majors().contains(&major) {
///     eprintln!("Asterisk {major} is not supported by this build");
/// }
/// # #[cfg(feature = "asterisk-22")]
/// if major == 22 {
///     let ari = ari_sdk::v22::Ari::new(client);
///     // ...
/// #   let _ = ari;
/// }
/// # Ok(())
/// # }
/// ```
pub fn enabled_majors() -> &'static [u32] {
    &[
        #[cfg(feature = "asterisk-13")]
        13,
        #[cfg(feature = "asterisk-14")]
        14,
        #[cfg(feature = "asterisk-15")]
        15,
        #[cfg(feature = "asterisk-16")]
        16,
        #[cfg(feature = "asterisk-17")]
        17,
        #[cfg(feature = "asterisk-18")]
        18,
        #[cfg(feature = "asterisk-19")]
        19,
        #[cfg(feature = "asterisk-20")]
        20,
        #[cfg(feature = "asterisk-21")]
        21,
        #[cfg(feature = "asterisk-22")]
        22,
        #[cfg(feature = "asterisk-23")]
        23,
    ]
}

// The generated version modules: formatted by prettyplease, linted by their
// generator's tests, not by hand.

// What several majors publish alike, generated once; each version module
// re-exports what it has (`v22::Channel` is `v23::Channel`). Private: users
// reach these items through their `vNN`.
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/shared/mod.rs"]
mod shared;

#[cfg(feature = "asterisk-13")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-13")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v13/mod.rs"]
pub mod v13;

#[cfg(feature = "asterisk-14")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-14")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v14/mod.rs"]
pub mod v14;

#[cfg(feature = "asterisk-15")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-15")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v15/mod.rs"]
pub mod v15;

#[cfg(feature = "asterisk-16")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-16")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v16/mod.rs"]
pub mod v16;

#[cfg(feature = "asterisk-17")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-17")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v17/mod.rs"]
pub mod v17;

#[cfg(feature = "asterisk-18")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-18")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v18/mod.rs"]
pub mod v18;

#[cfg(feature = "asterisk-19")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-19")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v19/mod.rs"]
pub mod v19;

#[cfg(feature = "asterisk-20")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-20")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v20/mod.rs"]
pub mod v20;

#[cfg(feature = "asterisk-21")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-21")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v21/mod.rs"]
pub mod v21;

#[cfg(feature = "asterisk-22")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-22")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v22/mod.rs"]
pub mod v22;

#[cfg(feature = "asterisk-23")]
#[cfg_attr(docsrs, doc(cfg(feature = "asterisk-23")))]
#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated/v23/mod.rs"]
pub mod v23;
