//! What the proxy tests share: a NATS server, fake Asterisk nodes with a
//! proxy each, and a plain NATS client speaking the protocol's subjects and
//! payloads.

#![allow(dead_code)]

pub mod nats;

use std::collections::BTreeMap;
use std::time::Duration;

use ari_proxy::{Proxy, ProxyConfig, StartError};
use ari_proxy_protocol::{Announcement, Request, Response, Subjects};
use fake_asterisk::FakeAsterisk;
use futures::StreamExt as _;

pub use self::nats::NatsServer;

/// The application every node serves.
pub const APP: &str = "demo";

/// How long a test waits for something that should happen, as a guard
/// against a hang, not a measurement.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A fake Asterisk and the proxy beside it.
pub struct Node {
    pub name: String,
    pub fake: FakeAsterisk,
    pub proxy: Option<Proxy>,
}

/// A NATS server, nodes `node-1` ... `node-N` (their fakes all share one
/// Asterisk entity id, as containers started from one image can), and an
/// application's NATS client.
pub struct Cluster {
    pub nats: NatsServer,
    pub nodes: Vec<Node>,
    pub client: async_nats::Client,
    pub subjects: Subjects,
}

/// A fake Asterisk with the proxy's ARI user.
pub async fn start_fake() -> FakeAsterisk {
    FakeAsterisk::builder()
        .username("proxy")
        .password("secret")
        .build()
        .start()
        .await
        .expect("fake Asterisk")
}

/// The ARI configuration of a proxy beside `fake`, serving `apps`.
pub fn ari_config(fake: &FakeAsterisk, apps: &[&str]) -> ari_sdk::Config {
    ari_sdk::Config::builder()
        .url(fake.url())
        .username(fake.username())
        .password(fake.password())
        .applications(apps.iter().copied())
        .build()
        .expect("ARI config")
}

impl Cluster {
    pub async fn start(nodes: usize) -> Cluster {
        let nats = NatsServer::start();
        let mut cluster_nodes = Vec::new();
        for index in 1..=nodes {
            let fake = start_fake().await;
            cluster_nodes.push(Node {
                name: format!("node-{index}"),
                fake,
                proxy: None,
            });
        }
        let client = async_nats::connect(nats.url()).await.expect("NATS client");
        let mut cluster = Cluster {
            nats,
            nodes: cluster_nodes,
            client,
            subjects: Subjects::default(),
        };
        for index in 0..nodes {
            cluster.start_proxy(index).await.expect("proxy starts");
        }
        cluster
    }

    /// The configuration of node `index`'s proxy.
    pub fn proxy_config(&self, index: usize) -> ProxyConfig {
        let node = &self.nodes[index];
        ProxyConfig::new(ari_config(&node.fake, &[APP]), self.nats.url()).node(node.name.clone())
    }

    /// Starts node `index`'s proxy.
    pub async fn start_proxy(&mut self, index: usize) -> Result<(), StartError> {
        let proxy = Proxy::start(self.proxy_config(index)).await?;
        self.nodes[index].proxy = Some(proxy);
        Ok(())
    }

    /// Stops node `index`'s proxy.
    pub async fn stop_proxy(&mut self, index: usize) {
        if let Some(proxy) = self.nodes[index].proxy.take() {
            proxy.shutdown().await;
        }
    }

    /// Sends `request` to `subject` as the Go client does, and decodes the
    /// answer.
    pub async fn request(&self, subject: &str, request: &Request) -> Response {
        let payload = serde_json::to_vec(request).expect("encode request");
        let message = tokio::time::timeout(
            PATIENCE,
            self.client.request(subject.to_string(), payload.into()),
        )
        .await
        .expect("answered in time")
        .expect("request delivered");
        serde_json::from_slice(&message.payload).expect("a Response")
    }

    /// A subscription to `subject`, in place at the server when returned.
    pub async fn listen(&self, subject: &str) -> async_nats::Subscriber {
        let subscriber = self
            .client
            .subscribe(subject.to_string())
            .await
            .expect("subscribe");
        synced(&self.client).await;
        subscriber
    }

    /// A call from `endpoint` on node `index` straight into the application.
    pub fn call_in(&self, index: usize, endpoint: &str, args: &[&str]) -> fake_asterisk::Call {
        self.nodes[index]
            .fake
            .phone(endpoint)
            .expect("phone")
            .call_into_app(APP, args)
            .expect("call")
    }

    /// Pings and collects announcements until `count` distinct nodes of
    /// the application have announced themselves, keyed by node. Pings
    /// again every half second meanwhile, as a proxy that was reconnecting
    /// to NATS misses a ping.
    pub async fn discover(&self, count: usize) -> BTreeMap<String, Announcement> {
        discover(&self.client, &self.subjects, APP, count).await
    }
}

/// Pings until `count` distinct nodes announced `app`, keyed by node.
pub async fn discover(
    client: &async_nats::Client,
    subjects: &Subjects,
    app: &str,
    count: usize,
) -> BTreeMap<String, Announcement> {
    let mut announcements = client
        .subscribe(subjects.announce())
        .await
        .expect("subscribe");
    synced(client).await;
    let mut found = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while found.len() < count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "found only {found:?}"
        );
        client
            .publish(subjects.ping(), r#"{"kind":"","key":null}"#.into())
            .await
            .expect("ping");
        let round = tokio::time::Instant::now() + Duration::from_millis(500);
        while let Ok(Some(message)) = tokio::time::timeout_at(round, announcements.next()).await {
            let announcement: Announcement =
                serde_json::from_slice(&message.payload).expect("an Announcement");
            if announcement.application == app {
                found.insert(announcement.node.clone(), announcement);
            }
        }
    }
    found
}

/// Returns once the server has processed what `client` sent before:
/// `flush` only writes it out. A request nobody serves is answered "no
/// responders" by the server, after what preceded it on the connection.
/// A request written to a connection that just died is lost: asked again.
pub async fn synced(client: &async_nats::Client) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let asked = client.request(client.new_inbox(), "".into());
        match tokio::time::timeout(Duration::from_secs(1), asked).await {
            Ok(Err(error)) if error.kind() == async_nats::RequestErrorKind::NoResponders => {
                return;
            }
            Ok(Ok(_)) => panic!("an inbox answered"),
            _ => assert!(
                tokio::time::Instant::now() < deadline,
                "NATS never answered"
            ),
        }
    }
}

/// The next message of `messages` whose JSON satisfies `wanted`, with its
/// subject.
pub async fn next_event(
    messages: &mut async_nats::Subscriber,
    wanted: impl Fn(&serde_json::Value) -> bool,
) -> (String, serde_json::Value) {
    loop {
        let message = tokio::time::timeout(PATIENCE, messages.next())
            .await
            .expect("event in time")
            .expect("subscription open");
        let event: serde_json::Value =
            serde_json::from_slice(&message.payload).expect("event JSON");
        if wanted(&event) {
            return (message.subject.to_string(), event);
        }
    }
}

/// Waits until `done` holds, polling; fails the test, naming `what`, after
/// [`PATIENCE`] (a hang guard).
pub async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A proxy beside `fake` serving [`APP`] as `node`, keeping events in the
/// JetStream stream `stream`.
pub async fn stored_proxy(
    nats: &NatsServer,
    fake: &FakeAsterisk,
    node: &str,
    stream: &str,
) -> Proxy {
    Proxy::start(
        ProxyConfig::new(ari_config(fake, &[APP]), nats.url())
            .node(node)
            .event_store(ari_proxy::EventStore::new(stream)),
    )
    .await
    .expect("proxy starts")
}

/// A call from `phone` into `app`, hung up once in it; returns when the
/// fake has sent its `StasisEnd`. Its channel id.
pub async fn whole_call(fake: &FakeAsterisk, phone: &fake_asterisk::Phone, app: &str) -> String {
    let call = phone.call_into_app(app, &[]).expect("call");
    let id = call.channel_id().to_string();
    let sent = |event_type: &'static str| {
        let id = id.clone();
        move |d: &fake_asterisk::DeliveredEvent| {
            d.event["type"] == event_type && d.event["channel"]["id"] == id.as_str()
        }
    };
    fake.wait_for_event(PATIENCE, sent("StasisStart"))
        .await
        .expect("StasisStart sent");
    call.hangup();
    fake.wait_for_event(PATIENCE, sent("StasisEnd"))
        .await
        .expect("StasisEnd sent");
    id
}

/// Waits until `proxy` has published (with a store: stored) every event
/// `fake` sent.
pub async fn all_published(proxy: &Proxy, fake: &FakeAsterisk) {
    let sent = fake.delivered_events().len() as u64;
    wait_until("every event published", || {
        proxy.stats().events_published >= sent
    })
    .await;
}

impl Cluster {
    /// The phone `endpoint` on every node (registered while kept).
    pub fn phones(&self, endpoint: &str) -> Vec<fake_asterisk::Phone> {
        self.nodes
            .iter()
            .map(|n| n.fake.phone(endpoint).expect("phone"))
            .collect()
    }
}
