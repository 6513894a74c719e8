//! After a reconnect, bringing the handles back in line with Asterisk.
//!
//! Asterisk replays nothing: whatever ended while the websocket was down
//! ended silently. One listing per kind (`GET /channels`, `GET /bridges`)
//! says which channels and bridges still exist, whatever the number of live
//! handles; a followed one missing from its listing ended during the gap.
//! Playbacks and live recordings have no listing: each one still running on
//! a live channel or bridge is read on its own, a few at a time. Failures
//! are summed up in one warning, not one per handle.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt as _;
use serde::Deserialize;

use crate::error::Error;
use crate::request::{Method, OperationMeta, Request};
use crate::resource::ResourceKind;

use super::ended::HandleEnded;
use super::hub::Hub;
use super::tracker::Tracker;
use super::version::VersionApi;

/// Reads of single playbacks and recordings in flight at once.
const CONCURRENT_READS: usize = 8;

static CHANNELS_LIST: OperationMeta = OperationMeta {
    name: "channels.list",
    method: Method::Get,
    path: "/channels",
    errors: &[],
};

static BRIDGES_LIST: OperationMeta = OperationMeta {
    name: "bridges.list",
    method: Method::Get,
    path: "/bridges",
    errors: &[],
};

/// Only the id of each listed channel or bridge.
#[derive(Deserialize)]
struct Listed {
    id: String,
}

/// What one reconciliation found, for its summary.
#[derive(Default)]
struct Outcome {
    checked: usize,
    vanished: usize,
    failed: usize,
    first_failure: Option<String>,
}

impl Outcome {
    fn failure(&mut self, what: &str, error: &Error) {
        self.failed += 1;
        self.first_failure
            .get_or_insert_with(|| format!("{what}: {error}"));
    }
}

async fn list_ids<V: VersionApi>(
    ari: &V,
    op: &'static OperationMeta,
) -> Result<HashSet<String>, Error> {
    let listed: Vec<Listed> = ari.http().send_json(Request::new(op, &[])).await?;
    Ok(listed.into_iter().map(|item| item.id).collect())
}

/// Re-reads what the hub follows; ends what is gone.
pub(crate) async fn run<V: VersionApi>(hub: &Arc<Hub<V>>) {
    let live: Vec<Arc<Tracker<V::Event>>> = hub
        .registry
        .live()
        .into_iter()
        .filter(|tracker| !tracker.is_ended())
        .collect();
    if live.is_empty() {
        return;
    }
    let mut outcome = Outcome::default();
    let wants = |kind| live.iter().any(|t| t.kind == kind);
    let channels = if wants(ResourceKind::Channel) {
        Some(list_ids(&hub.ari, &CHANNELS_LIST).await)
    } else {
        None
    };
    let bridges = if wants(ResourceKind::Bridge) {
        Some(list_ids(&hub.ari, &BRIDGES_LIST).await)
    } else {
        None
    };
    if let Some(Err(error)) = &channels {
        outcome.failure("GET /channels", error);
    }
    if let Some(Err(error)) = &bridges {
        outcome.failure("GET /bridges", error);
    }

    let mut singles = Vec::new();
    for tracker in live {
        let listing = match tracker.kind {
            ResourceKind::Channel => &channels,
            ResourceKind::Bridge => &bridges,
            _ => {
                singles.push(tracker);
                continue;
            }
        };
        if let Some(Ok(ids)) = listing {
            outcome.checked += 1;
            if !ids.contains(&*tracker.id)
                && tracker.end(HandleEnded::VanishedDuringReconnect, None)
            {
                outcome.vanished += 1;
                end_dependents(hub, &tracker);
            }
        }
    }

    // Playbacks and recordings: those whose channel or bridge just ended
    // ended with it; read the others, a few at a time.
    let reads = singles
        .into_iter()
        .filter(|tracker| !tracker.is_ended())
        .filter_map(|tracker| {
            let request = hub.ari.get_request(tracker.kind, &tracker.id)?;
            let sent = hub.ari.http().send_unit(request);
            Some(async move { (tracker, sent.await) })
        });
    let mut results = futures::stream::iter(reads).buffer_unordered(CONCURRENT_READS);
    while let Some((tracker, result)) = results.next().await {
        outcome.checked += 1;
        match result {
            Ok(()) => {}
            Err(error) if error.is_not_found() => {
                if tracker.end(HandleEnded::VanishedDuringReconnect, None) {
                    outcome.vanished += 1;
                }
            }
            Err(error) => {
                let what = format!("{} {}", tracker.kind, tracker.id);
                outcome.failure(&what, &error);
            }
        }
    }

    if outcome.failed > 0 {
        tracing::warn!(
            checked = outcome.checked,
            vanished = outcome.vanished,
            failed = outcome.failed,
            first_failure = outcome.first_failure.as_deref().unwrap_or(""),
            "reconciling after a reconnect: some resources could not be re-read; they stay \
             as they were"
        );
    } else {
        tracing::info!(
            checked = outcome.checked,
            vanished = outcome.vanished,
            "reconciled after a reconnect"
        );
    }
}

/// A channel or bridge that vanished takes its playbacks and recordings.
fn end_dependents<V: VersionApi>(hub: &Hub<V>, tracker: &Tracker<V::Event>) {
    for dependent in hub.registry.dependents(tracker.kind, &tracker.id) {
        dependent.end(
            HandleEnded::TargetGone {
                kind: tracker.kind,
                id: tracker.id.to_string(),
            },
            None,
        );
    }
}
