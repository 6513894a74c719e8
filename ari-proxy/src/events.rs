//! The event pump: every event of the node's websocket onto
//! `ari.event.<app>.<node>`, and onto `ari.dialogevent.<dialog>` for each
//! dialog bound to a resource it names.

use std::sync::Arc;

use ari_proxy_protocol::{event, Subjects};
use ari_sdk::stream::{StreamItem, Subscription};
use bytes::Bytes;
use futures::StreamExt as _;
use serde_json::Value;

use crate::dialogs::Dialogs;
use crate::persist::StorePublisher;
use crate::stats::Counters;

/// What the pump needs.
pub(crate) struct Pump {
    pub(crate) nats: async_nats::Client,
    pub(crate) subjects: Subjects,
    pub(crate) node: Arc<str>,
    pub(crate) dialogs: Arc<Dialogs>,
    pub(crate) counters: Arc<Counters>,
    /// With an event store, events (not their dialog copies) go through
    /// JetStream.
    pub(crate) store: Option<StorePublisher>,
}

impl Pump {
    /// Runs until the subscription ends (the stream was closed).
    pub(crate) async fn run(self, mut events: Subscription<Value>) {
        while let Some(item) = events.next().await {
            match item {
                StreamItem::Event(event) => self.publish(&event).await,
                StreamItem::Lagged { missed, .. } => {
                    Counters::add(&self.counters.events_lost, missed);
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
                StreamItem::Error(error) => {
                    tracing::warn!(%error, "ARI event stream error");
                }
                _ => {}
            }
        }
    }

    async fn publish(&self, original: &Value) {
        let app = original
            .get("application")
            .and_then(Value::as_str)
            .unwrap_or("");
        if Subjects::check_token("application", app).is_err() {
            tracing::warn!(app, "event without a usable application: not published");
            Counters::add(&self.counters.events_lost, 1);
            return;
        }
        let mut stamped = original.clone();
        event::stamp_node(&mut stamped, &self.node);
        self.send(self.subjects.event(app, &self.node), &stamped, false)
            .await;

        let resources = event::resources(original);
        for dialog in self.dialogs.for_resources(&resources) {
            let mut copy = stamped.clone();
            event::stamp_dialog(&mut copy, &dialog);
            self.send(self.subjects.dialog_event(&dialog), &copy, true)
                .await;
        }
        if let Some((kind, id)) = event::ended_resource(original) {
            self.dialogs.unbind(kind, &id);
        }
    }

    async fn send(&self, subject: String, event: &Value, dialog: bool) {
        let payload = match serde_json::to_vec(event) {
            Ok(bytes) => Bytes::from(bytes),
            Err(error) => {
                tracing::error!(%error, "cannot encode an event");
                Counters::add(&self.counters.events_lost, 1);
                return;
            }
        };
        if let (Some(store), false) = (&self.store, dialog) {
            store.publish(subject, payload).await;
            return;
        }
        match self.nats.publish(subject, payload).await {
            Ok(()) if dialog => Counters::add(&self.counters.dialog_events_published, 1),
            Ok(()) => Counters::add(&self.counters.events_published, 1),
            Err(error) => {
                tracing::error!(%error, "cannot publish an event");
                Counters::add(&self.counters.events_lost, 1);
            }
        }
    }
}
