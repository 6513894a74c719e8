//! One application over many Asterisk nodes, through NATS and an
//! `ari-proxy` beside each node.
//!
//! [`connect`] gives an ordinary [`Client`]: wrap it in any version
//! module's `Ari`, and `stasis_app()`, the calls, the handles and every
//! generated operation work as they do against one Asterisk, reaching
//! every node of the cluster:
//!
//! - **Events** of every node come in one stream, each tagged with its
//!   node (the proxy sets `asterisk_id` to the node's name), with
//!   [`StreamItem::Node`](crate::stream::StreamItem::Node) notices in
//!   order with them: a node up, a node lost (silent for
//!   [`ClusterSettings::node_timeout`]), and events of a node that never
//!   arrived, counted exactly from the proxies' sequence numbers. After
//!   each gap the handles are reconciled as after a reconnect: one listing
//!   per kind over every node up, so the calls of a lost node end, and
//!   calls that came in unseen are recovered.
//! - **Requests** go to the node of the resource they are about (learned
//!   from the events and from the answers of creations); a request about
//!   something not known goes to every node and gets the answer of the node
//!   that has it; a listing (`GET /channels`) merges every node's, and
//!   fails unless every node up answered. A creation goes to the node
//!   [`Placement`] picks, or the one [`Client::on_node`] names; so does a
//!   user event, unless its `source` names a resource of a known node.
//! - **Restarts lose nothing** with [`ClusterSettings::durable`]: the
//!   events are read through a JetStream durable consumer (the proxies keep
//!   them in a stream: `ari-proxy --event-store`), each acknowledged once
//!   the event stream has routed it to its subscribers and handles, so an
//!   application that restarts resumes where it stopped. What the stream
//!   had not routed when it was closed (or its process died) is delivered
//!   again to the next run; what was routed but not yet read by the
//!   application is not: for a clean deploy,
//!   [`close`](crate::stream::EventStream::close) the stream and read each
//!   subscription to its end (it ends once drained).
//! - **Several instances** of one application share the calls with
//!   [`ClusterSettings::shared_calls`]: every instance reads every event, a
//!   call is served by the instance that claims its `StasisStart` first (a
//!   key created in a JetStream key-value bucket: the server decides), the
//!   others never see the call's channel events; a channel an instance
//!   creates is claimed by it before it exists (the request gets a
//!   `channelId` of the client's), so its events come back to it.
//!
//! The proxies must be this workspace's `ari-proxy` (requests travel as
//! `AriRest`, an addition to CyCoreSystems' protocol: see
//! `ari_proxy_protocol`); Go applications can use the same proxies.
//!
//! ```no_run
//! # #[cfg(feature = "asterisk-22")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use ari_sdk::cluster::{self, ClusterSettings};
//! use futures::StreamExt as _;
//!
//! let client = cluster::connect(ClusterSettings::new("nats://127.0.0.1:4222", ["ivr"])).await?;
//! let ari = ari_sdk::v22::Ari::new(client);
//! let app = ari.stasis_app()?;
//! let mut calls = app.calls();
//! while let Some(call) = calls.next().await {
//!     let node = call.node().unwrap_or_default();
//!     tokio::spawn(async move {
//!         println!("call {} on node {node}", call.id());
//!         let _ = call.answer().await;
//!     });
//! }
//! # Ok(())
//! # }
//! ```

mod claims;
mod error;
mod feed;
mod link;
mod nodes;
mod owners;
mod route;
mod sequence;
mod settings;

use std::sync::{Arc, Mutex};

use ari_proxy_protocol::Announcement;
use async_nats::jetstream;
use futures::StreamExt as _;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

pub use error::ClusterError;
pub use settings::{ClusterSettings, DurableEvents, Placement, SharedCalls};

use crate::client::Client;
use crate::config::Config;
use crate::stream::feed::FeedItem;
use crate::stream::DisconnectReason;
use crate::sync::lock;
use link::{Link, NoticeSink, TailSink};
use nodes::Nodes;
use owners::Owners;

pub(crate) use link::Link as ClusterLink;

/// The URL a cluster client's [`Config`] shows: it reaches no Asterisk
/// itself (`.invalid` never resolves).
pub const CLUSTER_URL: &str = "http://ari-cluster.invalid/ari";

/// Connects to the cluster: NATS, the nodes' announcements (waiting up to
/// [`ClusterSettings::discovery`] for a first node), the durable consumer
/// and the claims bucket when configured. The client's requests and event
/// stream go through the proxies.
///
/// ```no_run
/// # async fn run() -> Result<(), ari_sdk::cluster::ClusterError> {
/// use ari_sdk::cluster::{self, ClusterSettings};
///
/// let client = cluster::connect(ClusterSettings::new("nats://127.0.0.1:4222", ["ivr"])).await?;
/// println!("nodes up: {:?}", client.nodes());
/// # Ok(())
/// # }
/// ```
pub async fn connect(settings: ClusterSettings) -> Result<Client, ClusterError> {
    settings.validate()?;
    let sink: NoticeSink = Arc::new(Mutex::new(None));
    let tails: TailSink = Arc::new(Mutex::new(None));
    let nats = match &settings.nats {
        Some(client) => client.clone(),
        None => {
            let events_sink = Arc::clone(&sink);
            async_nats::ConnectOptions::new()
                .retry_on_initial_connect()
                .event_callback(move |event| {
                    let sink = Arc::clone(&events_sink);
                    async move { on_nats_event(&sink, event).await }
                })
                .connect(&settings.nats_url)
                .await
                .map_err(|error| ClusterError::Connect {
                    url: settings.nats_url.clone(),
                    reason: error.to_string(),
                })?
        }
    };
    let jetstream = jetstream::new(nats.clone());
    let claims = match &settings.shared_calls {
        Some(shared) => Some(
            claims::Claims::open(
                &jetstream,
                shared,
                settings.ping_interval,
                settings.node_timeout,
            )
            .await?,
        ),
        None => None,
    };
    let consumers = match &settings.durable {
        Some(durable) => open_consumers(&jetstream, &settings, durable).await?,
        None => Vec::new(),
    };

    let nodes = Arc::new(Nodes::new(settings.applications.clone()));
    let owners = Arc::new(Owners::default());
    let (watcher, stopped) = watch::channel(());
    let announcements = nats
        .subscribe(settings.subjects.announce())
        .await
        .map_err(|error| ClusterError::Connect {
            url: settings.nats_url.clone(),
            reason: format!("cannot subscribe to the announcements: {error}"),
        })?;
    let (first_up, mut first_up_seen) = watch::channel(false);
    tokio::spawn(watch_nodes(
        nats.clone(),
        settings.clone(),
        Arc::clone(&nodes),
        Arc::clone(&owners),
        Arc::clone(&sink),
        Arc::clone(&tails),
        announcements,
        stopped,
        first_up,
    ));
    // The nodes answer the first ping at once; wait for one of them (an
    // empty cluster is not an error: requests say so until a node comes).
    let _ = tokio::time::timeout(settings.discovery, first_up_seen.wait_for(|up| *up)).await;

    let config = Config::builder()
        .url(CLUSTER_URL)
        .applications(settings.applications.iter().cloned())
        .request_timeout(settings.request_timeout)
        .version_check(settings.version_check)
        .build()
        .map_err(|_| ClusterError::Settings("the applications cannot make a configuration"))?;
    let link = Link::new(
        nats, settings, nodes, owners, claims, consumers, sink, tails, watcher,
    );
    Ok(Client::cluster(config, Arc::new(link)))
}

/// How long the durable consumer waits for an event's acknowledgement
/// before delivering it again.
const ACK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The durable consumers of `durable`, created when missing: one per
/// application (`<consumer>` alone for one application,
/// `<consumer>_<app>` for each of several: a consumer of several subjects
/// needs NATS 2.10).
async fn open_consumers(
    jetstream: &jetstream::Context,
    settings: &ClusterSettings,
    durable: &DurableEvents,
) -> Result<Vec<jetstream::consumer::PullConsumer>, ClusterError> {
    let stream = jetstream
        .get_stream(&durable.stream)
        .await
        .map_err(|error| {
            ClusterError::JetStream(format!(
                "no event stream {} (are the proxies run with an event store?): {error}",
                durable.stream
            ))
        })?;
    let mut consumers = Vec::with_capacity(settings.applications.len());
    for app in &settings.applications {
        let name = if settings.applications.len() == 1 {
            durable.consumer.clone()
        } else {
            format!("{}_{app}", durable.consumer)
        };
        let config = jetstream::consumer::pull::Config {
            durable_name: Some(name.clone()),
            filter_subject: settings.subjects.app_events(app),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            deliver_policy: jetstream::consumer::DeliverPolicy::All,
            // An event delivered to an instance that died is delivered
            // again after this; one delivered twice to a live instance is
            // recognised by its sequence number and dropped.
            ack_wait: ACK_WAIT,
            ..Default::default()
        };
        let consumer = stream
            .get_or_create_consumer(&name, config)
            .await
            .map_err(|error| {
                ClusterError::JetStream(format!("cannot open the durable consumer {name}: {error}"))
            })?;
        consumers.push(consumer);
    }
    Ok(consumers)
}

/// The NATS connection's news, for the event stream: down while NATS is
/// unreachable, up again when it is back.
async fn on_nats_event(sink: &NoticeSink, event: async_nats::Event) {
    let item = match event {
        async_nats::Event::Disconnected => FeedItem::Down(DisconnectReason::ConnectionLost {
            error: "the NATS connection was lost".to_owned(),
        }),
        async_nats::Event::Connected => FeedItem::Up,
        async_nats::Event::SlowConsumer(sid) => {
            tracing::warn!(
                sid,
                "NATS dropped events this application read too slowly (counted by node)"
            );
            return;
        }
        other => {
            tracing::debug!(event = %other, "NATS");
            return;
        }
    };
    notify(sink, item).await;
}

/// Pings the proxies, takes their announcements in, and declares lost the
/// nodes that fell silent; until the link is dropped.
#[allow(clippy::too_many_arguments)]
async fn watch_nodes(
    nats: async_nats::Client,
    settings: ClusterSettings,
    nodes: Arc<Nodes>,
    owners: Arc<Owners>,
    sink: NoticeSink,
    tails: TailSink,
    mut announcements: async_nats::Subscriber,
    mut stopped: watch::Receiver<()>,
    first_up: watch::Sender<bool>,
) {
    let ping = settings.subjects.ping();
    let mut ticks = tokio::time::interval(settings.ping_interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // While this client's own NATS connection is down, the nodes are not
    // heard, but not lost: none is declared lost until they have had the
    // node timeout to answer again.
    let mut judge_from = Instant::now();
    loop {
        tokio::select! {
            changed = stopped.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = ticks.tick() => {
                if let Err(error) = nats.publish(ping.clone(), bytes::Bytes::from_static(b"{}")).await {
                    tracing::debug!(%error, "ping not sent");
                }
                let now = Instant::now();
                if nats.connection_state() != async_nats::connection::State::Connected {
                    judge_from = now + settings.node_timeout;
                    continue;
                }
                if now < judge_from {
                    continue;
                }
                for (node, notice) in nodes.expire(now, settings.node_timeout) {
                    tracing::warn!(%notice, "node lost");
                    owners.forget_node(&node);
                    notify(&sink, FeedItem::Node(notice)).await;
                }
            }
            message = announcements.next() => {
                let Some(message) = message else {
                    return;
                };
                let Ok(announcement) = serde_json::from_slice::<Announcement>(&message.payload) else {
                    tracing::debug!("an announcement that does not decode");
                    continue;
                };
                if let (Some(last), false) = (announcement.last_sequence, announcement.instance.is_empty()) {
                    if let Some(tails) = lock(&tails).as_ref() {
                        let _ = tails.send((
                            Arc::from(announcement.node.as_str()),
                            announcement.application.clone(),
                            announcement.instance.clone(),
                            last,
                        ));
                    }
                }
                if let Some(notice) = nodes.announced(&announcement, Instant::now()) {
                    tracing::info!(%notice, "node up");
                    first_up.send_replace(true);
                    notify(&sink, FeedItem::Node(notice)).await;
                }
            }
        }
    }
}

/// Hands `item` to the event stream's feed, once it is open.
async fn notify(sink: &NoticeSink, item: FeedItem) {
    let sender = lock(sink).clone();
    if let Some(sender) = sender {
        let _ = sender.send(item).await;
    }
}
