//! What the applications subscribed to (`applications.subscribe`: device
//! states, endpoints, channels, bridges), restored after a reconnection.
//!
//! Asterisk forgets an application's subscriptions when its websocket goes
//! away (the application is destroyed once no channel is in it), and a new
//! websocket registers it afresh: without this, `DeviceStateChanged` and the
//! like stop arriving after any reconnection, silently. The client records
//! every subscription Asterisk accepted (and every unsubscription), and the
//! event streams it connects re-send them when they are back, saying so in
//! the log.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use percent_encoding::percent_decode_str;

use crate::client::Client;
use crate::request::{Method, OperationMeta, Request};
use crate::stream::fanout::Tap;
use crate::stream::queue::Wakes;
use crate::stream::{StreamEvent, StreamItem};
use crate::sync::lock;

/// `POST /applications/{applicationName}/subscription`, as the restorer
/// sends it (the same in every major).
static SUBSCRIBE: OperationMeta = OperationMeta {
    name: "applications.subscribe",
    method: Method::Post,
    path: "/applications/{applicationName}/subscription",
    errors: &[],
    since: &[],
    params_since: &[],
};

const UNSUBSCRIBE: &str = "applications.unsubscribe";

/// A subscription change a request will make if Asterisk accepts it.
pub(crate) struct Change {
    subscribe: bool,
    application: String,
    sources: Vec<String>,
}

impl Change {
    /// The change `request` asks for, if it is a (un)subscription.
    pub(crate) fn of(request: &Request) -> Option<Change> {
        let name = request.operation().name;
        let subscribe = match name {
            _ if name == SUBSCRIBE.name => true,
            UNSUBSCRIBE => false,
            _ => return None,
        };
        // `/applications/{applicationName}/subscription`, encoded.
        let segment = request.path().split('/').nth(2)?;
        let application = percent_decode_str(segment).decode_utf8().ok()?.into_owned();
        let sources = request
            .query_pairs()
            .iter()
            .filter(|(key, _)| *key == "eventSource")
            .flat_map(|(_, value)| value.split(','))
            .filter(|source| !source.is_empty())
            .map(str::to_owned)
            .collect();
        Some(Change {
            subscribe,
            application,
            sources,
        })
    }
}

/// Every application's accepted subscriptions.
#[derive(Default)]
pub(crate) struct AppSubscriptions {
    by_application: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

impl AppSubscriptions {
    /// Records a change Asterisk accepted.
    pub(crate) fn apply(&self, change: Change) {
        let mut map = lock(&self.by_application);
        if change.subscribe {
            map.entry(change.application)
                .or_default()
                .extend(change.sources);
        } else if let Some(sources) = map.get_mut(&change.application) {
            for source in &change.sources {
                sources.remove(source);
            }
            if sources.is_empty() {
                map.remove(&change.application);
            }
        }
    }

    fn snapshot(&self) -> Vec<(String, Vec<String>)> {
        lock(&self.by_application)
            .iter()
            .map(|(app, sources)| (app.clone(), sources.iter().cloned().collect()))
            .collect()
    }
}

/// Re-sends the recorded subscriptions whenever `stream` is back.
pub(crate) fn restore_on<E: StreamEvent>(client: &Client, stream: &crate::stream::EventStream<E>) {
    let tap = Arc::new(Restorer {
        client: client.clone(),
    });
    // Notices only: no event is decoded for it.
    let _ = stream.add_tap(tap, Some(crate::stream::TypeSet::none()));
}

struct Restorer {
    client: Client,
}

impl<E: StreamEvent> Tap<E> for Restorer {
    fn on_item(&self, item: &StreamItem<E>, _wakes: &mut Wakes) {
        if !matches!(item, StreamItem::Reconnected { .. }) {
            return;
        }
        let wanted = self.client.app_subscriptions().snapshot();
        if wanted.is_empty() {
            return;
        }
        let client = self.client.clone();
        // The connection task must not wait: the requests go in a task.
        tokio::spawn(async move {
            for (application, sources) in wanted {
                let mut request = Request::new(&SUBSCRIBE, &[("applicationName", &application)]);
                request.query_list("eventSource", sources.clone());
                match client.send_unit(request).await {
                    Ok(()) => tracing::info!(
                        %application,
                        sources = %sources.join(","),
                        "subscriptions restored after the reconnection"
                    ),
                    Err(error) => tracing::warn!(
                        %application,
                        sources = %sources.join(","),
                        error = %error,
                        "cannot restore subscriptions after the reconnection"
                    ),
                }
            }
        });
    }

    fn on_end(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    static UNSUBSCRIBE_META: OperationMeta = OperationMeta {
        name: UNSUBSCRIBE,
        method: Method::Delete,
        path: "/applications/{applicationName}/subscription",
        errors: &[],
        since: &[],
        params_since: &[],
    };

    fn change(meta: &'static OperationMeta, app: &str, sources: &[&str]) -> Change {
        let mut request = Request::new(meta, &[("applicationName", app)]);
        request.query_list(
            "eventSource",
            sources.iter().map(|s| s.to_string()).collect(),
        );
        Change::of(&request).expect("a subscription change")
    }

    #[test]
    fn records_what_asterisk_accepted_and_forgets_what_was_unsubscribed() {
        let subscriptions = AppSubscriptions::default();
        subscriptions.apply(change(
            &SUBSCRIBE,
            "my app",
            &["deviceState:Custom:lamp", "endpoint:PJSIP/alice"],
        ));
        subscriptions.apply(change(&SUBSCRIBE, "other", &["bridge:b1"]));
        assert_eq!(
            subscriptions.snapshot(),
            [
                (
                    "my app".to_string(),
                    vec![
                        "deviceState:Custom:lamp".to_string(),
                        "endpoint:PJSIP/alice".to_string()
                    ]
                ),
                ("other".to_string(), vec!["bridge:b1".to_string()]),
            ]
        );
        subscriptions.apply(change(
            &UNSUBSCRIBE_META,
            "my app",
            &["endpoint:PJSIP/alice"],
        ));
        subscriptions.apply(change(&UNSUBSCRIBE_META, "other", &["bridge:b1"]));
        assert_eq!(
            subscriptions.snapshot(),
            [(
                "my app".to_string(),
                vec!["deviceState:Custom:lamp".to_string()]
            )]
        );
        // Any other request is no change.
        let request = Request::new(&SUBSCRIBE_LIKE_BUT_OTHER, &[]);
        assert!(Change::of(&request).is_none());
    }

    static SUBSCRIBE_LIKE_BUT_OTHER: OperationMeta = OperationMeta {
        name: "applications.list",
        method: Method::Get,
        path: "/applications",
        errors: &[],
        since: &[],
        params_since: &[],
    };
}
