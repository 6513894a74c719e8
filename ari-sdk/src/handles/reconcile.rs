//! After a reconnect, bringing the handles back in line with Asterisk.
//!
//! Asterisk replays nothing: whatever ended while the websocket was down
//! ended silently. One listing per kind (`GET /channels`, `GET /bridges`)
//! says which channels and bridges still exist, whatever the number of live
//! handles; a followed one missing from its listing ended during the gap.
//! Playbacks and live recordings have no listing: each one still running on
//! a live channel or bridge is read on its own, a few at a time. Failures
//! are summed up in one warning, not one per handle.
//!
//! The channel listing also shows the calls whose `StasisStart` was lost:
//! a channel in `Stasis(app,...)` of one of this connection's applications
//! that no handle follows, and that the application never took and let go
//! of (see `registry.rs`), entered while the connection was down (or while
//! a dead connection still looked alive). Each becomes a [`Call`] like any
//! other, marked [`recovered`](Call::is_recovered), its `StasisStart` rebuilt
//! from the listing; then it is read once more, so that a call that ended
//! while this ran does not wait forever.
//!
//! [`Call`]: super::Call
//! [`Call::is_recovered`]: super::Call::is_recovered

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
    since: &[],
    params_since: &[],
};

static BRIDGES_LIST: OperationMeta = OperationMeta {
    name: "bridges.list",
    method: Method::Get,
    path: "/bridges",
    errors: &[],
    since: &[],
    params_since: &[],
};

/// Only the id of each listed bridge.
#[derive(Deserialize)]
struct Listed {
    id: String,
}

/// A listed channel: its id and where it is in the dialplan, the rest kept
/// whole to rebuild a `StasisStart`.
#[derive(Deserialize)]
struct ListedChannel {
    id: String,
    #[serde(default)]
    dialplan: Option<Dialplan>,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize, serde::Serialize)]
struct Dialplan {
    #[serde(default)]
    app_name: String,
    #[serde(default)]
    app_data: String,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

/// What one reconciliation found, for its summary.
#[derive(Default)]
struct Outcome {
    checked: usize,
    vanished: usize,
    recovered: usize,
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

/// `Stasis(app,args...)`: the application and the arguments, when the
/// channel is in one of `apps`.
fn stasis_of<'a>(dialplan: &'a Dialplan, apps: &[String]) -> Option<(&'a str, Vec<String>)> {
    if dialplan.app_name != "Stasis" {
        return None;
    }
    let mut parts = dialplan.app_data.split(',');
    let app = parts.next()?;
    apps.iter()
        .any(|known| known == app)
        .then(|| (app, parts.map(str::to_owned).collect()))
}

/// The listed channels, and the calls among them nobody follows.
async fn list_channels<V: VersionApi>(
    hub: &Arc<Hub<V>>,
    outcome: &mut Outcome,
) -> Result<HashSet<String>, Error> {
    let listed: Vec<ListedChannel> = hub
        .ari
        .http()
        .send_json(Request::new(&CHANNELS_LIST, &[]))
        .await?;
    let apps = hub.ari.http().config().applications();
    let mut ids = HashSet::with_capacity(listed.len());
    let mut recovered = Vec::new();
    for channel in listed {
        let stasis = channel
            .dialplan
            .as_ref()
            .and_then(|dialplan| stasis_of(dialplan, apps));
        if let Some((app, args)) = stasis {
            // Followed, or taken and let go of: not a lost call.
            let followed = hub.registry.has_call(&channel.id);
            // In a cluster whose instances share the calls, another one
            // may serve it.
            if !followed && hub.ari.http().serves_listed_call(&channel.id).await {
                let frame = stasis_start(app, &args, &channel);
                match <V::Event as crate::stream::StreamEvent>::decode(&frame) {
                    Ok(event) => {
                        if let Some(tracker) = hub.recover(&channel.id, Arc::new(event)) {
                            recovered.push(tracker);
                        }
                    }
                    Err(error) => tracing::warn!(
                        channel_id = %channel.id,
                        %error,
                        "a call in the application that no handle follows cannot be rebuilt"
                    ),
                }
            }
        }
        ids.insert(channel.id);
    }
    // The calls let go of that are not listed left meanwhile.
    hub.registry.keep_released_in(&ids);
    outcome.recovered = recovered.len();
    if !recovered.is_empty() {
        tracing::warn!(
            calls = recovered.len(),
            "calls entered the application while the event stream was down; handed to calls() \
             as recovered"
        );
    }
    // Ended while this ran? Its end event may have come before its tracker.
    let reads = recovered.into_iter().filter_map(|tracker| {
        let request = hub.ari.get_request(tracker.kind, &tracker.id)?;
        let sent = hub.ari.http().send_unit(request);
        Some(async move { (tracker, sent.await) })
    });
    let mut results = futures::stream::iter(reads).buffer_unordered(CONCURRENT_READS);
    while let Some((tracker, result)) = results.next().await {
        match result {
            Err(error) if error.is_not_found() => {
                tracker.end(HandleEnded::VanishedDuringReconnect, None);
            }
            Err(error) => outcome.failure(&format!("channel {}", tracker.id), &error),
            Ok(()) => {}
        }
    }
    Ok(ids)
}

/// A `StasisStart` frame for a channel found in the application.
fn stasis_start(app: &str, args: &[String], channel: &ListedChannel) -> String {
    let mut object = channel.rest.clone();
    object.insert("id".into(), channel.id.clone().into());
    if let Some(dialplan) = &channel.dialplan {
        if let Ok(value) = serde_json::to_value(dialplan) {
            object.insert("dialplan".into(), value);
        }
    }
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    serde_json::json!({
        "type": "StasisStart",
        "timestamp": now.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string(),
        "args": args,
        "channel": object,
        "application": app,
    })
    .to_string()
}

/// Re-reads what the hub follows; ends what is gone. False when a listing
/// failed (the hub tries again later: see `Hub::reconcile`).
pub(crate) async fn run<V: VersionApi>(hub: &Arc<Hub<V>>) -> bool {
    let live: Vec<Arc<Tracker<V::Event>>> = hub
        .registry
        .live()
        .into_iter()
        .filter(|tracker| !tracker.is_ended())
        .collect();
    let mut outcome = Outcome::default();
    let wants = |kind| live.iter().any(|t| t.kind == kind);
    // Always listed: it also finds the calls whose `StasisStart` was lost.
    let channels = Some(list_channels(hub, &mut outcome).await);
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

    let listed = !matches!(channels, Some(Err(_))) && !matches!(bridges, Some(Err(_)));
    if outcome.failed > 0 {
        tracing::warn!(
            checked = outcome.checked,
            vanished = outcome.vanished,
            recovered = outcome.recovered,
            failed = outcome.failed,
            first_failure = outcome.first_failure.as_deref().unwrap_or(""),
            retried = !listed,
            "reconciling after a reconnect: some resources could not be re-read; they stay \
             as they were"
        );
    } else {
        tracing::info!(
            checked = outcome.checked,
            vanished = outcome.vanished,
            recovered = outcome.recovered,
            "reconciled after a reconnect"
        );
    }
    listed
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
