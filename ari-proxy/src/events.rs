//! The event pump: every event of the node's websocket onto
//! `ari.event.<app>.<node>`, and onto `ari.dialogevent.<dialog>` for each
//! dialog bound to a resource it names.
//!
//! Each event on `ari.event.<app>.<node>` carries the headers
//! `Ari-Proxy-Instance` (this process's instance id) and `Ari-Proxy-Seq`
//! (1, 2, ... per application): a receiver counts what it missed as the
//! gap between two numbers. Events lost before publishing still take their
//! numbers (see [`Sequences`]). Dialog copies carry no headers: they repeat
//! events already numbered on their application's subject.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ari_proxy_protocol::{event, Subjects, INSTANCE_HEADER, SEQUENCE_HEADER};
use ari_sdk::stream::{StreamError, StreamItem, Subscription};
use async_nats::HeaderMap;
use bytes::Bytes;
use futures::StreamExt as _;
use serde_json::Value;

use crate::dialogs::Dialogs;
use crate::persist::StorePublisher;
use crate::stats::Counters;

/// The next sequence number of each application's events.
///
/// Losses take numbers too, so that a receiver's `seq - last_seq - 1` is
/// exactly what it missed: an event taken a number is published with it or,
/// if it never reaches NATS (its publish failed for good), leaves its gap;
/// events lost before they were numbered advance the numbering of their
/// application by their count, or of every application when which one they
/// were for is unknown (a websocket lag, a frame that does not decode):
/// receivers then over-count, never under-count.
#[derive(Debug)]
pub(crate) struct Sequences {
    /// The served applications' last numbers, read by the announcements.
    served: HashMap<String, Arc<AtomicU64>>,
    /// Other applications an event named.
    others: HashMap<String, u64>,
}

impl Sequences {
    /// Numbering from 1 for each of `apps` (and for any other application
    /// an event names).
    pub(crate) fn new(apps: &[String]) -> Sequences {
        Sequences {
            served: apps
                .iter()
                .map(|app| (app.clone(), Arc::new(AtomicU64::new(0))))
                .collect(),
            others: HashMap::new(),
        }
    }

    /// The last number of served application `app`, as it moves.
    pub(crate) fn last_of(&self, app: &str) -> Option<Arc<AtomicU64>> {
        self.served.get(app).map(Arc::clone)
    }

    /// The number of `app`'s next event.
    pub(crate) fn next(&mut self, app: &str) -> u64 {
        if let Some(last) = self.served.get(app) {
            return last.fetch_add(1, Ordering::AcqRel) + 1;
        }
        let last = match self.others.get_mut(app) {
            Some(last) => last,
            None => self.others.entry(app.to_string()).or_default(),
        };
        *last += 1;
        *last
    }

    /// Skips `lost` numbers of every application.
    pub(crate) fn skip_all(&mut self, lost: u64) {
        for last in self.served.values() {
            last.fetch_add(lost, Ordering::AcqRel);
        }
        for last in self.others.values_mut() {
            *last += lost;
        }
    }
}

/// What the pump needs.
pub(crate) struct Pump {
    pub(crate) nats: async_nats::Client,
    pub(crate) subjects: Subjects,
    pub(crate) node: Arc<str>,
    /// This process's instance id, as announced.
    pub(crate) instance: Arc<str>,
    pub(crate) sequences: Sequences,
    pub(crate) dialogs: Arc<Dialogs>,
    pub(crate) counters: Arc<Counters>,
    /// With an event store, events (not their dialog copies) go through
    /// JetStream.
    pub(crate) store: Option<StorePublisher>,
}

impl Pump {
    /// Runs until the subscription ends (the stream was closed).
    pub(crate) async fn run(mut self, mut events: Subscription<Value>) {
        while let Some(item) = events.next().await {
            match item {
                StreamItem::Event(event) => self.publish(&event).await,
                StreamItem::Lagged { missed, .. } => {
                    Counters::add(&self.counters.events_lost, missed);
                    // Which applications the missed events were for is
                    // unknown: every one's numbering skips them all.
                    self.sequences.skip_all(missed);
                    tracing::error!(missed, "fell behind the ARI websocket: events lost");
                }
                StreamItem::Disconnected { reason } => {
                    tracing::warn!(
                        ?reason,
                        "ARI events websocket lost; Asterisk replays nothing sent meanwhile"
                    );
                }
                StreamItem::Reconnected { downtime, .. } => {
                    tracing::info!(?downtime, "ARI events websocket back");
                }
                StreamItem::Error(error)
                    if matches!(
                        *error,
                        StreamError::MalformedFrame { .. } | StreamError::NonUtf8Frame { .. }
                    ) =>
                {
                    // A frame that does not decode: an event of an unknown
                    // application, lost.
                    Counters::add(&self.counters.events_lost, 1);
                    self.sequences.skip_all(1);
                    tracing::warn!(%error, "an ARI event that does not decode: lost");
                }
                StreamItem::Error(error) => {
                    tracing::warn!(%error, "ARI event stream error");
                }
                _ => {}
            }
        }
    }

    async fn publish(&mut self, original: &Value) {
        let app = original
            .get("application")
            .and_then(Value::as_str)
            .unwrap_or("");
        if Subjects::check_token("application", app).is_err() {
            tracing::warn!(app, "event without a usable application: not published");
            Counters::add(&self.counters.events_lost, 1);
            // Without an application it could be anyone's; with a name no
            // subject can carry, it is none of the served applications'.
            if app.is_empty() {
                self.sequences.skip_all(1);
            }
            return;
        }
        let mut headers = HeaderMap::new();
        headers.insert(INSTANCE_HEADER, &*self.instance);
        headers.insert(
            SEQUENCE_HEADER,
            self.sequences.next(app).to_string().as_str(),
        );
        let mut stamped = original.clone();
        event::stamp_node(&mut stamped, &self.node);
        self.send(
            self.subjects.event(app, &self.node),
            &stamped,
            Some(headers),
        )
        .await;

        let resources = event::resources(original);
        for dialog in self.dialogs.for_resources(&resources) {
            let mut copy = stamped.clone();
            event::stamp_dialog(&mut copy, &dialog);
            self.send(self.subjects.dialog_event(&dialog), &copy, None)
                .await;
        }
        if let Some((kind, id)) = event::ended_resource(original) {
            self.dialogs.unbind(kind, &id);
        }
    }

    /// Publishes an event with its sequence `headers`, or a dialog copy
    /// (no headers).
    async fn send(&self, subject: String, event: &Value, headers: Option<HeaderMap>) {
        let dialog = headers.is_none();
        let payload = match serde_json::to_vec(event) {
            Ok(bytes) => Bytes::from(bytes),
            Err(error) => {
                tracing::error!(%error, "cannot encode an event");
                Counters::add(&self.counters.events_lost, 1);
                return;
            }
        };
        let published = match (&self.store, headers) {
            (Some(store), Some(headers)) => {
                store.publish(subject, headers, payload).await;
                return;
            }
            (None, Some(headers)) => {
                self.nats
                    .publish_with_headers(subject, headers, payload)
                    .await
            }
            (_, None) => self.nats.publish(subject, payload).await,
        };
        match published {
            Ok(()) if dialog => Counters::add(&self.counters.dialog_events_published, 1),
            Ok(()) => Counters::add(&self.counters.events_published, 1),
            Err(error) => {
                tracing::error!(%error, "cannot publish an event");
                Counters::add(&self.counters.events_lost, 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Sequences;

    #[test]
    fn each_application_counts_from_one_and_losses_take_numbers() {
        let mut sequences = Sequences::new(&["ivr".into(), "queue".into()]);
        assert_eq!(sequences.next("ivr"), 1);
        assert_eq!(sequences.next("ivr"), 2);
        assert_eq!(sequences.next("queue"), 1);
        // Lost for an unknown application: every one skips them.
        sequences.skip_all(3);
        assert_eq!(sequences.next("ivr"), 6);
        assert_eq!(sequences.next("queue"), 5);
        // An application not configured, named by an event.
        assert_eq!(sequences.next("other"), 1);
        sequences.skip_all(1);
        assert_eq!(sequences.next("other"), 3);
    }
}
