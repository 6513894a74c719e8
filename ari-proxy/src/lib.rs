//! The ARI proxy: runs beside an Asterisk and bridges its ARI (the events
//! websocket and REST) to NATS, speaking the protocol of CyCoreSystems'
//! Go `ari-proxy` (described, with every difference, in
//! [`ari_proxy_protocol`]).
//!
//! One [`Proxy`] serves one Asterisk node and any number of its ARI
//! applications:
//!
//! - every event of the node's websocket is published on
//!   `ari.event.<app>.<node>`, Asterisk's JSON with `asterisk_id` set to the
//!   node name and the headers `Ari-Proxy-Instance` and `Ari-Proxy-Seq`
//!   (numbered per application, lost events keeping their numbers: see
//!   the protocol's *Sequence headers*), and on `ari.dialogevent.<dialog>`
//!   for each dialog bound to a resource it names;
//! - requests on `ari.get|data|command|create[.<app>[.<node>]]` are answered
//!   by calling the node's ARI REST and replying with a typed
//!   [`Response`](ari_proxy_protocol::Response) (a failure carries its class
//!   and HTTP status); create requests are shared with the other proxies of
//!   the application through the queue group `ariproxy`. An `AriRest`
//!   request, on any of these subjects, is sent to Asterisk as given
//!   ([`ari_sdk::Client::send_raw`]) and answered with Asterisk's status
//!   and body, an HTTP error status included;
//! - `ari.ping` is answered at once with one announcement per application
//!   on `ari.announce`, carrying the node name, Asterisk's entity id and the
//!   proxy's instance id; the proxy also announces at start, every
//!   [`ProxyConfig::announce_interval`] (a minute by default; shorter for
//!   faster failure detection) and as soon as its Asterisk is back, and
//!   refuses to start under a node name another proxy announces.
//!
//! The node's ARI connection is ari-sdk's: its REST client and its event
//! stream, which reconnects by itself and counts exactly what a slow reader
//! missed ([`ProxyStats::events_lost`]). While the websocket is down, the
//! node is not announced (pings are not answered, ticks skipped), it leaves
//! the create queue group, and requests get
//! [`ErrorClass::Unavailable`](ari_proxy_protocol::ErrorClass::Unavailable).
//!
//! Without an event store, events go out on core NATS: at most once, like
//! every core NATS message; one written to a connection that just died (the
//! NATS server restarting) is lost without a trace, and an application
//! that is down misses everything meanwhile. With an [`EventStore`]
//! ([`ProxyConfig::event_store`]) the events are kept in a JetStream stream
//! and each counts as published only once the server acknowledged storing
//! it (an event never stored is counted in [`ProxyStats::events_lost`]), so
//! an application that restarts resumes from its durable consumer without
//! losing any.
//!
//! The `ari-proxy` binary runs one from the command line or the
//! environment (`ari-proxy --help`).
//!
//! ```no_run
//! use ari_proxy::{Proxy, ProxyConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let ari = ari_sdk::Config::builder()
//!     .url("http://127.0.0.1:8088/ari")
//!     .username("proxy")
//!     .password("secret")
//!     .applications(["ivr", "queue"])
//!     .build()?;
//! let proxy = Proxy::start(ProxyConfig::new(ari, "nats://127.0.0.1:4222")).await?;
//! println!("node {} serves {:?}", proxy.node(), proxy.applications());
//! # Ok(())
//! # }
//! ```

mod announcer;
mod config;
mod dialogs;
mod error;
mod events;
mod failure;
mod handler;
mod persist;
mod proxy;
mod rest;
mod serve;
mod stats;

pub use config::{
    default_node_name, ProxyConfig, DEFAULT_ANNOUNCE_INTERVAL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_NAME_CHECK,
};
pub use error::StartError;
pub use persist::EventStore;
pub use proxy::Proxy;
pub use stats::ProxyStats;
