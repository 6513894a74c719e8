//! Nothing lost across an application's restart: a proxy with an
//! [`EventStore`] keeps the events in a JetStream stream, and an
//! application reading through a durable consumer resumes, after a
//! restart, with exactly the events it had not acknowledged, in order,
//! none twice.
//!
//! The reference is the fake Asterisk's own record of every event it sent
//! on the websocket.
//!
//! Run by `cargo xtask test` (`NATS_SERVER`); otherwise listed as ignored.

mod support;

use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt as _;
use serde_json::Value;
use support::{all_published, start_fake, stored_proxy, whole_call, NatsServer, APP, PATIENCE};

const STREAM: &str = "ARI_EVENTS";
const DURABLE: &str = "demo-reader";

/// What identifies an event in the comparison: its type and channel.
fn identity(event: &Value) -> (String, String) {
    (
        event["type"].as_str().unwrap_or("").to_string(),
        event["channel"]["id"].as_str().unwrap_or("").to_string(),
    )
}

/// An application instance reading through the durable consumer.
struct Reader {
    client: async_nats::Client,
    consumer: consumer::PullConsumer,
}

impl Reader {
    async fn start(url: &str) -> Reader {
        let client = async_nats::connect(url).await.unwrap();
        let stream = jetstream::new(client.clone())
            .get_stream(STREAM)
            .await
            .expect("the proxy made the stream");
        let consumer = stream
            .get_or_create_consumer(
                DURABLE,
                consumer::pull::Config {
                    durable_name: Some(DURABLE.into()),
                    filter_subject: format!("ari.event.{APP}.>"),
                    ack_policy: consumer::AckPolicy::Explicit,
                    // Bounds the wait for a message handed to a reader that
                    // stopped before taking it.
                    ack_wait: Duration::from_secs(2),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        Reader { client, consumer }
    }

    /// Reads and acknowledges until `done` says so; returns what it read.
    ///
    /// One message is pulled at a time, so that no pull request is left
    /// waiting at the server when the reader stops: the server would hand
    /// the next event to it, and redeliver it only after `ack_wait`, behind
    /// later ones.
    async fn read_until(&self, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let mut read = Vec::new();
        while !done(&read) {
            let mut one = self
                .consumer
                .batch()
                .max_messages(1)
                .expires(PATIENCE)
                .messages()
                .await
                .unwrap();
            let message = tokio::time::timeout(PATIENCE * 2, one.next())
                .await
                .expect("event in time")
                .expect("an event before the pull expired")
                .expect("a message");
            read.push(serde_json::from_slice(&message.payload).unwrap());
            message.double_ack().await.unwrap();
        }
        read
    }

    async fn stop(self) {
        self.client.drain().await.unwrap();
    }
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn a_restarted_reader_resumes_with_no_event_lost_or_repeated() {
    let store = tempfile::tempdir().unwrap();
    let nats = NatsServer::start_jetstream(store.path().to_path_buf());
    let fake = start_fake().await;
    let proxy = stored_proxy(&nats, &fake, "node-1", STREAM).await;
    let phone = fake.phone("PJSIP/alice").unwrap();

    // The application reads the first call to its end (StasisEnd: the application hears nothing of the channel after it), then stops.
    let reader = Reader::start(&nats.url()).await;
    let first_id = whole_call(&fake, &phone, APP).await;
    let before = reader
        .read_until(|read| {
            read.last()
                .is_some_and(|e| identity(e) == ("StasisEnd".into(), first_id.clone()))
        })
        .await;
    reader.stop().await;

    // Three calls while it is away (a deploy).
    for _ in 0..3 {
        whole_call(&fake, &phone, APP).await;
    }
    all_published(&proxy, &fake).await;

    // Back: it reads exactly what it missed.
    let sent: Vec<(String, String)> = fake
        .delivered_events()
        .iter()
        .map(|d| identity(&d.event))
        .collect();
    let reader = Reader::start(&nats.url()).await;
    let missed = sent.len() - before.len();
    let after = reader.read_until(|read| read.len() == missed).await;
    let mut info = reader.consumer.clone();
    let info = info.info().await.unwrap();
    assert_eq!(info.num_pending, 0, "nothing left unread");
    assert_eq!(
        info.num_ack_pending, 0,
        "nothing read twice or left unacknowledged"
    );
    reader.stop().await;

    let received: Vec<(String, String)> = before.iter().chain(&after).map(identity).collect();
    assert_eq!(received, sent);
    assert!(after.iter().all(|e| e["asterisk_id"] == "node-1"));
    assert!(
        sent.len() >= 4 * 3,
        "each call sent several events: {}",
        sent.len()
    );
    let stats = proxy.stats();
    assert_eq!(stats.events_lost, 0);
    assert_eq!(stats.events_published, sent.len() as u64);
    proxy.shutdown().await;
}
