//! The sequence headers of published events: `Ari-Proxy-Instance` names
//! the proxy process (as its announcement does), `Ari-Proxy-Seq` numbers
//! each application's events 1, 2, ... with no gap when nothing was lost,
//! on core NATS and through the JetStream store alike; a restarted proxy
//! is a new instance and starts again at 1.
//!
//! The reference is the fake Asterisk's own record of every event it sent.
//!
//! Run by `cargo xtask test` (`NATS_SERVER`); otherwise listed as ignored.

mod support;

use std::collections::BTreeMap;

use ari_proxy::{Proxy, ProxyConfig};
use ari_proxy_protocol::{Subjects, INSTANCE_HEADER, SEQUENCE_HEADER};
use async_nats::jetstream::{self, consumer};
use fake_asterisk::FakeAsterisk;
use futures::StreamExt as _;
use support::{
    all_published, ari_config, discover, start_fake, stored_proxy, synced, whole_call, NatsServer,
    APP, PATIENCE,
};

/// One published event's application (from its subject) and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Numbered {
    app: String,
    instance: String,
    seq: u64,
}

fn numbered(subject: &str, headers: Option<&async_nats::HeaderMap>) -> Numbered {
    let headers = headers.expect("an event carries headers");
    let header = |name: &str| {
        headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .as_str()
            .to_string()
    };
    Numbered {
        app: subject
            .split('.')
            .nth(2)
            .expect("ari.event.<app>.<node>")
            .into(),
        instance: header(INSTANCE_HEADER),
        seq: header(SEQUENCE_HEADER).parse().expect("a decimal number"),
    }
}

/// Calls into each of `apps` in turn, `calls` times, each hung up once in
/// the application.
async fn calls(fake: &FakeAsterisk, apps: &[&str], calls: usize) {
    let phone = fake.phone("PJSIP/alice").unwrap();
    for _ in 0..calls {
        for app in apps {
            whole_call(fake, &phone, app).await;
        }
    }
}

/// How many events the fake sent to each application.
fn sent_per_app(fake: &FakeAsterisk) -> BTreeMap<String, usize> {
    let mut sent = BTreeMap::new();
    for delivered in fake.delivered_events() {
        *sent.entry(delivered.application).or_default() += 1;
    }
    sent
}

/// Reads `subscriber` until `count` events arrived.
async fn receive(subscriber: &mut async_nats::Subscriber, count: usize) -> Vec<Numbered> {
    let mut got = Vec::new();
    while got.len() < count {
        let message = tokio::time::timeout(PATIENCE, subscriber.next())
            .await
            .expect("event in time")
            .expect("subscription open");
        got.push(numbered(&message.subject, message.headers.as_ref()));
    }
    got
}

/// Checks that each application's numbers are exactly 1..=sent, in
/// order, all from `instance`.
fn assert_contiguous(got: &[Numbered], sent: &BTreeMap<String, usize>, instance: &str) {
    for (app, count) in sent {
        let seqs: Vec<u64> = got
            .iter()
            .filter(|n| &n.app == app)
            .map(|n| n.seq)
            .collect();
        let expected: Vec<u64> = (1..=*count as u64).collect();
        assert_eq!(seqs, expected, "{app}");
    }
    assert!(got.iter().all(|n| n.instance == instance), "{got:?}");
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn each_application_is_numbered_from_one_without_gaps_and_a_restart_starts_again() {
    let apps = ["ivr", "queue"];
    let nats = NatsServer::start();
    let fake = start_fake().await;
    let client = async_nats::connect(nats.url()).await.unwrap();
    // In place before the proxy starts, so its first event is seen.
    let mut events = client.subscribe("ari.event.>").await.unwrap();
    synced(&client).await;
    let config = || ProxyConfig::new(ari_config(&fake, &apps), nats.url()).node("pbx-1");
    let proxy = Proxy::start(config()).await.unwrap();
    let subjects = Subjects::default();
    let announced = discover(&client, &subjects, "ivr", 1).await;
    assert_eq!(announced["pbx-1"].instance, proxy.instance());

    calls(&fake, &apps, 5).await;
    let sent = sent_per_app(&fake);
    assert_eq!(sent.len(), 2, "{sent:?}");
    let total = sent.values().sum();
    let got = receive(&mut events, total).await;
    assert_contiguous(&got, &sent, &announced["pbx-1"].instance);
    let first_instance = proxy.instance().to_string();
    proxy.shutdown().await;

    // A new process: a new instance, numbered from 1 again.
    let restarted = Proxy::start(config()).await.unwrap();
    assert_ne!(restarted.instance(), first_instance);
    let before: usize = total;
    calls(&fake, &["queue"], 1).await;
    let after = fake.delivered_events().len() - before;
    let got = receive(&mut events, after).await;
    let queue_seqs: Vec<u64> = got.iter().map(|n| n.seq).collect();
    assert_eq!(queue_seqs, (1..=after as u64).collect::<Vec<_>>());
    assert!(got.iter().all(|n| n.instance == restarted.instance()));
    let announced = discover(&client, &subjects, "queue", 1).await;
    assert_eq!(announced["pbx-1"].instance, restarted.instance());
    restarted.shutdown().await;
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn events_kept_in_jetstream_carry_the_same_headers() {
    const STREAM: &str = "ARI_EVENTS";
    let store = tempfile::tempdir().unwrap();
    let nats = NatsServer::start_jetstream(store.path().to_path_buf());
    let fake = start_fake().await;
    let proxy = stored_proxy(&nats, &fake, "node-1", STREAM).await;
    calls(&fake, &[APP], 3).await;
    let sent = sent_per_app(&fake);
    let total: usize = sent.values().sum();
    all_published(&proxy, &fake).await;

    let client = async_nats::connect(nats.url()).await.unwrap();
    let mut stream = jetstream::new(client)
        .get_stream(STREAM)
        .await
        .expect("the proxy made the stream");
    // Each event stored once.
    assert_eq!(stream.info().await.unwrap().state.messages, total as u64);
    let consumer = stream
        .create_consumer(consumer::pull::Config {
            filter_subject: format!("ari.event.{APP}.>"),
            ack_policy: consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let mut got = Vec::new();
    while got.len() < total {
        let message = tokio::time::timeout(PATIENCE, messages.next())
            .await
            .expect("stored event in time")
            .expect("consumer open")
            .expect("a message");
        got.push(numbered(&message.subject, message.headers.as_ref()));
    }
    assert_contiguous(&got, &sent, proxy.instance());
    proxy.shutdown().await;
}
