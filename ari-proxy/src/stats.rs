//! What a running proxy has done, counted.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of a running proxy, for logs, tests and monitoring.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) events_published: AtomicU64,
    pub(crate) events_lost: AtomicU64,
    pub(crate) dialog_events_published: AtomicU64,
    pub(crate) requests_served: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, dialog_bindings: usize) -> ProxyStats {
        ProxyStats {
            events_published: self.events_published.load(Ordering::Relaxed),
            events_lost: self.events_lost.load(Ordering::Relaxed),
            dialog_events_published: self.dialog_events_published.load(Ordering::Relaxed),
            requests_served: self.requests_served.load(Ordering::Relaxed),
            dialog_bindings,
        }
    }
}

/// A snapshot of a proxy's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ProxyStats {
    /// Events published on `ari.event.<app>.<node>`.
    pub events_published: u64,
    /// Events that did not reach NATS: missed because the proxy fell behind
    /// the websocket (counted exactly by the SDK's stream), or refused by
    /// the NATS client.
    pub events_lost: u64,
    /// Copies published on `ari.dialogevent.<dialog>`.
    pub dialog_events_published: u64,
    /// Requests answered.
    pub requests_served: u64,
    /// Resources bound to at least one dialog now.
    pub dialog_bindings: usize,
}
