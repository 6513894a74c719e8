//! Events kept in a JetStream stream, so an application that restarts
//! reads, through its durable consumer, what was published while it was
//! away.
//!
//! With an [`EventStore`] configured, the proxy makes sure the stream exists
//! (capturing `<prefix>event.>`, shared by every proxy of the cluster) and
//! publishes each event through JetStream: the server acknowledges each one
//! once stored. Publishing is pipelined (many events in flight); the acks
//! are awaited in order by a task of their own, and an event whose ack
//! fails is published again under the same message id (`Nats-Msg-Id`,
//! `<node>-<instance>-<sequence>`), which the stream's duplicate window
//! turns into at most one stored copy. An event still not stored after
//! [`EventStore::retries`] attempts is counted in
//! [`ProxyStats::events_lost`](crate::ProxyStats::events_lost).
//!
//! Dialog copies (`ari.dialogevent.<dialog>`) are not kept: they follow a
//! live application's own calls and go out on core NATS as without a store.
//!
//! Core NATS subscribers (Go applications among them) receive the same
//! messages as without JetStream: a JetStream publish is delivered to plain
//! subscriptions of the subject too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, context::PublishAckFuture, message::PublishMessage};
use async_nats::HeaderMap;
use bytes::Bytes;
use tokio::sync::mpsc;

use crate::error::StartError;
use crate::stats::Counters;

/// The JetStream stream the events are kept in.
///
/// ```
/// use std::time::Duration;
///
/// let store = ari_proxy::EventStore::new("ARI_EVENTS").max_age(Duration::from_secs(3600));
/// assert_eq!(store.name(), "ARI_EVENTS");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStore {
    name: String,
    max_age: Duration,
    retries: u32,
    in_flight: usize,
}

impl EventStore {
    /// The stream `name` (created when missing), keeping events a day.
    pub fn new(name: impl Into<String>) -> EventStore {
        EventStore {
            name: name.into(),
            max_age: Duration::from_secs(24 * 3600),
            retries: 10,
            in_flight: 4096,
        }
    }

    /// How long the stream keeps an event (when the proxy creates it).
    pub fn max_age(mut self, age: Duration) -> EventStore {
        self.max_age = age;
        self
    }

    /// How many times an event is published before it counts as lost.
    pub fn retries(mut self, attempts: u32) -> EventStore {
        self.retries = attempts.max(1);
        self
    }

    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// One event on its way into the stream.
struct Pending {
    subject: String,
    headers: HeaderMap,
    payload: Bytes,
    id: String,
    ack: PublishAckFuture,
}

/// Publishes events through JetStream.
pub(crate) struct StorePublisher {
    jetstream: jetstream::Context,
    id_prefix: String,
    sequence: AtomicU64,
    acks: mpsc::Sender<Pending>,
    retries: u32,
    counters: Arc<Counters>,
}

/// Makes sure the stream exists, capturing `<prefix>event.>`, and starts
/// the task awaiting acks. Returns the publisher.
pub(crate) async fn start(
    nats: async_nats::Client,
    store: &EventStore,
    prefix: &str,
    id_prefix: String,
    counters: Arc<Counters>,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Result<StorePublisher, StartError> {
    let jetstream = jetstream::new(nats);
    let config = jetstream::stream::Config {
        name: store.name.clone(),
        subjects: vec![format!("{prefix}event.>")],
        max_age: store.max_age,
        storage: jetstream::stream::StorageType::File,
        ..Default::default()
    };
    jetstream
        .get_or_create_stream(config)
        .await
        .map_err(|error| StartError::JetStream(error.to_string()))?;
    let (acks, pending) = mpsc::channel(store.in_flight.max(1));
    tasks.spawn(await_acks(
        jetstream.clone(),
        pending,
        store.retries,
        Arc::clone(&counters),
    ));
    Ok(StorePublisher {
        jetstream,
        id_prefix,
        sequence: AtomicU64::new(0),
        acks,
        retries: store.retries,
        counters,
    })
}

impl StorePublisher {
    /// Publishes one event with its `headers` (a retry sends the same);
    /// its ack is awaited by the ack task.
    pub(crate) async fn publish(&self, subject: String, headers: HeaderMap, payload: Bytes) {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}-{sequence}", self.id_prefix);
        match send(&self.jetstream, &subject, &headers, &payload, &id).await {
            Ok(ack) => {
                let pending = Pending {
                    subject,
                    headers,
                    payload,
                    id,
                    ack,
                };
                if self.acks.send(pending).await.is_err() {
                    // The ack task is gone: the proxy is stopping.
                    Counters::add(&self.counters.events_lost, 1);
                }
            }
            Err(error) => {
                tracing::warn!(%error, "JetStream publish failed; retrying");
                let stored = retry(
                    &self.jetstream,
                    &subject,
                    &headers,
                    &payload,
                    &id,
                    self.retries,
                )
                .await;
                count(&self.counters, stored);
            }
        }
    }
}

async fn send(
    jetstream: &jetstream::Context,
    subject: &str,
    headers: &HeaderMap,
    payload: &Bytes,
    id: &str,
) -> Result<PublishAckFuture, jetstream::context::PublishError> {
    jetstream
        .send_publish(
            subject.to_string(),
            PublishMessage::build()
                .payload(payload.clone())
                // Replaces the map: the message id goes in after.
                .headers(headers.clone())
                .message_id(id),
        )
        .await
}

/// Publishes again under the same id until stored or `attempts` are spent,
/// waiting longer after each failure. Whether it was stored.
async fn retry(
    jetstream: &jetstream::Context,
    subject: &str,
    headers: &HeaderMap,
    payload: &Bytes,
    id: &str,
    attempts: u32,
) -> bool {
    let mut wait = Duration::from_millis(50);
    for attempt in 1..=attempts {
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
        match send(jetstream, subject, headers, payload, id).await {
            Ok(ack) => match ack.await {
                Ok(_) => return true,
                Err(error) => tracing::warn!(%error, attempt, "event not stored yet"),
            },
            Err(error) => tracing::warn!(%error, attempt, "event not published yet"),
        }
    }
    false
}

fn count(counters: &Counters, stored: bool) {
    if stored {
        Counters::add(&counters.events_published, 1);
    } else {
        tracing::error!("an event could not be stored in JetStream: lost");
        Counters::add(&counters.events_lost, 1);
    }
}

/// Awaits each event's ack in publishing order; publishes again what was
/// not stored.
async fn await_acks(
    jetstream: jetstream::Context,
    mut pending: mpsc::Receiver<Pending>,
    retries: u32,
    counters: Arc<Counters>,
) {
    while let Some(event) = pending.recv().await {
        let stored = match event.ack.await {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(%error, id = %event.id, "no ack for an event; retrying");
                retry(
                    &jetstream,
                    &event.subject,
                    &event.headers,
                    &event.payload,
                    &event.id,
                    retries,
                )
                .await
            }
        };
        count(&counters, stored);
    }
}
