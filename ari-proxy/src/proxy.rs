//! A running proxy: start-up in order, the background tasks, shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ari_proxy_protocol::{Announcement, Subjects};
use ari_sdk::stream::{ConnectionState, EventStream};
use bytes::Bytes;
use futures::StreamExt as _;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::announcer::{self, Announcer};
use crate::config::ProxyConfig;
use crate::dialogs::Dialogs;
use crate::error::StartError;
use crate::events::{Pump, Sequences};
use crate::handler::Handler;
use crate::persist;
use crate::rest;
use crate::serve::Server;
use crate::stats::{Counters, ProxyStats};

/// A proxy bridging one Asterisk's ARI to NATS, running in the background
/// until [`shutdown`](Proxy::shutdown) or drop.
///
/// ```no_run
/// use ari_proxy::{Proxy, ProxyConfig};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let ari = ari_sdk::Config::builder()
///     .url("http://127.0.0.1:8088/ari")
///     .username("proxy")
///     .password("secret")
///     .applications(["ivr"])
///     .build()?;
/// let proxy = Proxy::start(ProxyConfig::new(ari, "nats://127.0.0.1:4222").node("pbx-1")).await?;
/// println!("serving node {} (Asterisk {})", proxy.node(), proxy.asterisk_id());
/// tokio::signal::ctrl_c().await?;
/// proxy.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct Proxy {
    node: Arc<str>,
    instance: String,
    asterisk_id: String,
    apps: Arc<[String]>,
    nats: async_nats::Client,
    events: EventStream<Value>,
    dialogs: Arc<Dialogs>,
    counters: Arc<Counters>,
    takes_creates: Arc<AtomicBool>,
    /// Serving requests and announcing: stopped at once on shutdown.
    tasks: JoinSet<()>,
    /// The event pump and the JetStream ack task: let finish on shutdown,
    /// so what was read from the websocket is published.
    pipeline: JoinSet<()>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("node", &self.node)
            .field("instance", &self.instance)
            .field("asterisk_id", &self.asterisk_id)
            .field("apps", &self.apps)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Starts a proxy: reads Asterisk's entity id, connects to NATS, checks
    /// that no other proxy announces the node name, connects the events
    /// websocket, subscribes to the request subjects and announces itself.
    /// Returns once all of that is done: events flow and requests are
    /// answered.
    pub async fn start(config: ProxyConfig) -> Result<Proxy, StartError> {
        let node: Arc<str> = config.node_name().into();
        Subjects::check_token("node", &node)?;
        let apps: Arc<[String]> = config.ari.applications().to_vec().into();
        if apps.is_empty() {
            return Err(StartError::NoApplication);
        }
        for app in apps.iter() {
            Subjects::check_token("application", app)?;
        }
        let subjects = config.subjects();
        let instance = uuid::Uuid::new_v4().simple().to_string();

        let client = ari_sdk::Client::new(config.ari.clone())?;
        let info: Value = client
            .send_json(rest::request(&rest::ASTERISK_INFO, &[]))
            .await?;
        let asterisk_id = info
            .pointer("/system/entity_id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();

        let nats = async_nats::connect(config.nats_url.as_str())
            .await
            .map_err(|error| StartError::Nats {
                url: config.nats_url.clone(),
                reason: error.to_string(),
            })?;
        announcer::check_name_free(&nats, &subjects, &node, &instance, config.name_check)
            .await
            .map_err(|error| match error {
                StartError::Nats { reason, .. } => StartError::Nats {
                    url: config.nats_url.clone(),
                    reason,
                },
                other => other,
            })?;

        let events =
            EventStream::<Value>::connect(client.stream_settings().buffer(config.event_buffer))
                .map_err(|error| StartError::Events(error.to_string()))?;
        // Subscribed before the socket is up, so no event is missed.
        let subscription = events.subscribe();
        wait_connected(&events, config.connect_timeout).await?;
        wait_registered(&client, &apps, config.connect_timeout).await?;

        let dialogs = Arc::new(Dialogs::default());
        let counters = Arc::new(Counters::default());
        // The pump numbers the events; the announcements say the last
        // number of each application.
        let sequences = Sequences::new(&apps);
        let last_sequences: Vec<_> = apps.iter().map(|app| sequences.last_of(app)).collect();
        let mut tasks = JoinSet::new();
        let mut pipeline = JoinSet::new();
        let store = match &config.store {
            Some(store) => Some(
                persist::start(
                    nats.clone(),
                    store,
                    subjects.prefix(),
                    format!("{node}-{instance}"),
                    Arc::clone(&counters),
                    &mut pipeline,
                )
                .await?,
            ),
            None => None,
        };

        pipeline.spawn(
            Pump {
                nats: nats.clone(),
                subjects: subjects.clone(),
                node: Arc::clone(&node),
                instance: instance.as_str().into(),
                sequences,
                dialogs: Arc::clone(&dialogs),
                counters: Arc::clone(&counters),
                store,
            }
            .run(subscription),
        );

        let server = Server {
            nats: nats.clone(),
            handler: Handler::new(client, Arc::clone(&node), Arc::clone(&dialogs)),
            apps: Arc::clone(&apps),
            events: events.clone(),
            counters: Arc::clone(&counters),
        };
        let nats_error = |error: async_nats::SubscribeError| StartError::Nats {
            url: config.nats_url.clone(),
            reason: error.to_string(),
        };
        server
            .start(&subjects, &node, false, &mut tasks)
            .await
            .map_err(nats_error)?;
        let mut creates = JoinSet::new();
        server
            .start(&subjects, &node, true, &mut creates)
            .await
            .map_err(nats_error)?;
        let announcements: Vec<_> = apps
            .iter()
            .zip(last_sequences)
            .map(|(app, last)| {
                let announcement = Announcement {
                    node: node.to_string(),
                    application: app.clone(),
                    asterisk_id: asterisk_id.clone(),
                    instance: instance.clone(),
                    last_sequence: None,
                };
                (announcement, last)
            })
            .collect();
        let announcer = Announcer::new(nats.clone(), &subjects, announcements);
        let takes_creates = Arc::new(AtomicBool::new(true));
        tasks.spawn(follow_ari(
            server.clone(),
            subjects.clone(),
            Arc::clone(&node),
            events.state_changes(),
            creates,
            Arc::clone(&takes_creates),
            announcer.clone(),
        ));
        let mut pings =
            nats.subscribe(subjects.ping())
                .await
                .map_err(|error| StartError::Nats {
                    url: config.nats_url.clone(),
                    reason: error.to_string(),
                })?;
        let on_ping = announcer.clone();
        let state = events.clone();
        tasks.spawn(async move {
            while pings.next().await.is_some() {
                // As the Go proxy: a node whose ARI is down is not offered.
                if matches!(
                    state.state(),
                    ConnectionState::Connected | ConnectionState::Replaced
                ) {
                    on_ping.announce().await;
                }
            }
        });
        let interval = config.announce_interval;
        let state = events.clone();
        tasks.spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            loop {
                // The first tick is immediate: announce at start.
                ticks.tick().await;
                // Nor is it offered unasked: an application that counts a
                // node alive by its announcements sees it gone.
                if matches!(
                    state.state(),
                    ConnectionState::Connected | ConnectionState::Replaced
                ) {
                    announcer.announce().await;
                }
            }
        });
        sync_with_server(&nats).await;
        tracing::info!(node = %node, asterisk_id, apps = ?apps, "ARI proxy started");

        Ok(Proxy {
            node,
            instance,
            asterisk_id,
            apps,
            nats,
            events,
            dialogs,
            counters,
            takes_creates,
            tasks,
            pipeline,
        })
    }

    /// The node name (the last token of this node's subjects).
    pub fn node(&self) -> &str {
        &self.node
    }

    /// This process's random instance id, as announced.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Asterisk's entity id, as `/asterisk/info` gave it at start.
    pub fn asterisk_id(&self) -> &str {
        &self.asterisk_id
    }

    /// The applications served.
    pub fn applications(&self) -> &[String] {
        &self.apps
    }

    /// Whether the proxy is in the create queue group now: false while its
    /// Asterisk's websocket is down (once the server has dropped the
    /// subscriptions), so that new calls land on other nodes.
    pub fn takes_creates(&self) -> bool {
        self.takes_creates.load(Ordering::SeqCst)
    }

    /// The proxy's counters now.
    pub fn stats(&self) -> ProxyStats {
        self.counters.snapshot(self.dialogs.len())
    }

    /// Stops the proxy: stops answering, closes the ARI websocket, publishes
    /// the events already read (waiting up to 10 seconds for JetStream's
    /// acks), and returns once the server has dropped its subscriptions.
    pub async fn shutdown(mut self) {
        self.tasks.shutdown().await;
        self.events.close();
        let drained = tokio::time::timeout(Duration::from_secs(10), async {
            while self.pipeline.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("events still unpublished at shutdown: abandoned");
            self.pipeline.shutdown().await;
        }
        // The unsubscriptions are done at the server when this returns.
        sync_with_server(&self.nats).await;
        tracing::info!(node = %self.node, "ARI proxy stopped");
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.tasks.abort_all();
        self.pipeline.abort_all();
        self.events.close();
    }
}

/// Leaves the create queue group while the ARI websocket is down and joins
/// it again when it is back, each change confirmed with the server before
/// `takes_creates` says so; announces the node as soon as it is back, so
/// applications that saw it go do not wait for a ping or the next tick.
async fn follow_ari(
    server: Server,
    subjects: Subjects,
    node: Arc<str>,
    mut states: tokio::sync::watch::Receiver<ConnectionState>,
    creates: JoinSet<()>,
    takes_creates: Arc<AtomicBool>,
    announcer: Announcer,
) {
    let mut creates = Some(creates);
    loop {
        let up = matches!(
            *states.borrow_and_update(),
            ConnectionState::Connected | ConnectionState::Replaced
        );
        match (up, creates.take()) {
            (false, Some(mut held)) => {
                // Dropping the subscribers unsubscribes them.
                held.shutdown().await;
                sync_with_server(&server.nats).await;
                takes_creates.store(false, Ordering::SeqCst);
                tracing::warn!(node = %node, "ARI down: left the create queue group");
            }
            (true, None) => {
                let mut joined = JoinSet::new();
                match server.start(&subjects, &node, true, &mut joined).await {
                    Ok(()) => {
                        sync_with_server(&server.nats).await;
                        creates = Some(joined);
                        takes_creates.store(true, Ordering::SeqCst);
                        tracing::info!(node = %node, "ARI back: joined the create queue group");
                        announcer.announce().await;
                    }
                    Err(error) => {
                        tracing::error!(%error, "cannot join the create queue group again");
                    }
                }
            }
            (_, held) => creates = held,
        }
        if states.changed().await.is_err() {
            return;
        }
    }
}

/// Waits until the server has processed everything this connection sent
/// (the subscriptions above): `flush` only writes them out, so a request
/// from another connection could still overtake them. A request to a
/// subject nobody serves comes back (as "no responders") only after the
/// server handled what preceded it on this connection.
pub(crate) async fn sync_with_server(nats: &async_nats::Client) {
    let nobody = nats.new_inbox();
    match nats.request(nobody, Bytes::new()).await {
        Err(error) if error.kind() == async_nats::RequestErrorKind::NoResponders => {}
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "cannot confirm the subscriptions with NATS"),
    }
}

/// Waits until Asterisk knows every application: it registers them after
/// the websocket upgrade, so a call arriving in between would find no
/// application (Asterisk answers `GET /applications/{name}` 404 until then).
async fn wait_registered(
    client: &ari_sdk::Client,
    apps: &[String],
    timeout: Duration,
) -> Result<(), StartError> {
    let registered = async {
        for app in apps {
            loop {
                let request = rest::request(&rest::APPLICATION_GET, &[("applicationName", app)]);
                match client.send_json::<Value>(request).await {
                    Ok(_) => break,
                    Err(error) if error.is_not_found() => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err(error) => return Err(StartError::Ari(error)),
                }
            }
        }
        Ok(())
    };
    tokio::time::timeout(timeout, registered)
        .await
        .unwrap_or_else(|_| {
            Err(StartError::Events(format!(
                "applications not registered after {timeout:?}"
            )))
        })
}

/// Waits until the events websocket is connected, or fails after `timeout`
/// or on a refusal.
async fn wait_connected(events: &EventStream<Value>, timeout: Duration) -> Result<(), StartError> {
    let mut states = events.state_changes();
    let connected = async {
        loop {
            let state = *states.borrow_and_update();
            match state {
                ConnectionState::Connected | ConnectionState::Replaced => return Ok(()),
                ConnectionState::Closed => {
                    return Err(StartError::Events(format!("{state:?}")));
                }
                _ => {}
            }
            if states.changed().await.is_err() {
                return Err(StartError::Events("the stream ended".into()));
            }
        }
    };
    tokio::time::timeout(timeout, connected)
        .await
        .unwrap_or_else(|_| {
            Err(StartError::Events(format!(
                "not connected after {timeout:?}"
            )))
        })
}
