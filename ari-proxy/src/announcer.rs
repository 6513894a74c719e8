//! Discovery: the announcements a proxy publishes on `ari.announce`, and
//! the check at start that no other proxy announces the same node name.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ari_proxy_protocol::{Announcement, Subjects};
use bytes::Bytes;
use futures::StreamExt as _;

use crate::error::StartError;

/// The announcements of one proxy, one per application, each with the last
/// number its events were given.
#[derive(Clone)]
pub(crate) struct Announcer {
    nats: async_nats::Client,
    subject: String,
    announcements: Vec<(Announcement, Option<Arc<AtomicU64>>)>,
}

impl Announcer {
    pub(crate) fn new(
        nats: async_nats::Client,
        subjects: &Subjects,
        announcements: Vec<(Announcement, Option<Arc<AtomicU64>>)>,
    ) -> Announcer {
        Announcer {
            nats,
            subject: subjects.announce(),
            announcements,
        }
    }

    /// Publishes every announcement.
    pub(crate) async fn announce(&self) {
        for (announcement, last) in &self.announcements {
            let mut announcement = announcement.clone();
            announcement.last_sequence = last.as_ref().map(|last| last.load(Ordering::Acquire));
            let Ok(payload) = serde_json::to_vec(&announcement) else {
                continue;
            };
            if let Err(error) = self
                .nats
                .publish(self.subject.clone(), Bytes::from(payload))
                .await
            {
                tracing::warn!(%error, "cannot publish the announcement");
            }
        }
    }
}

/// Pings the cluster and listens for `window`: an announcement of `node`
/// from another proxy instance (or a Go proxy, which has none) means the
/// name is taken.
pub(crate) async fn check_name_free(
    nats: &async_nats::Client,
    subjects: &Subjects,
    node: &str,
    instance: &str,
    window: Duration,
) -> Result<(), StartError> {
    let nats_error = |reason: String| StartError::Nats {
        url: String::new(),
        reason,
    };
    let mut announcements = nats
        .subscribe(subjects.announce())
        .await
        .map_err(|e| nats_error(e.to_string()))?;
    // Go's ping: an empty request. The server handles it after the
    // subscription above (one connection's messages stay in order), so
    // every answer is heard.
    nats.publish(
        subjects.ping(),
        Bytes::from_static(br#"{"kind":"","key":null}"#),
    )
    .await
    .map_err(|e| nats_error(e.to_string()))?;
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, announcements.next()).await {
        let Ok(other) = serde_json::from_slice::<Announcement>(&message.payload) else {
            continue;
        };
        if other.node == node && other.instance != instance {
            return Err(StartError::NodeNameTaken {
                node: node.to_string(),
                instance: other.instance,
                asterisk_id: other.asterisk_id,
            });
        }
    }
    Ok(())
}
