//! Per-call sessions: with `connection_type = per_call_config`, Asterisk
//! dials one connection per call that enters `Stasis(<app>)`, registered
//! under the application id `<app>:<channel name>`.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt as _};
use tokio::sync::mpsc;

use crate::handles::{Call, StasisApp, VersionApi};

/// One call's outbound session: the [`StasisApp`] its connection feeds
/// (events of the application id `<app>:<channel name>` only, REST over
/// that connection), which hands out the one call.
///
/// Asterisk closes the connection a few seconds after the call's
/// `StasisEnd`; the session's event stream then ends. A connection that
/// drops before is dialled again by Asterisk, which the session sees as
/// `Disconnected` then `Reconnected` (nothing is lost: Asterisk keeps the
/// events meanwhile); one not dialled again within the
/// [redial window](super::OutboundSettings::redial_window) ends the stream
/// with [`StreamError::OutboundDropped`](crate::stream::StreamError::OutboundDropped).
pub struct PerCallSession<V: VersionApi> {
    app: StasisApp<V>,
    application: String,
}

impl<V: VersionApi> PerCallSession<V> {
    pub(crate) fn new(app: StasisApp<V>, application: String) -> Self {
        PerCallSession { app, application }
    }

    /// The session's application: its API (REST over this connection),
    /// events and calls.
    pub fn app(&self) -> &StasisApp<V> {
        &self.app
    }

    /// The session's application, keeping nothing else.
    pub fn into_app(self) -> StasisApp<V> {
        self.app
    }

    /// The application id Asterisk registered, `<app>:<channel name>`.
    pub fn application(&self) -> &str {
        &self.application
    }

    /// The base application (`<app>`, what `Stasis()` named).
    pub fn base_application(&self) -> &str {
        split_per_call(&self.application).map_or(self.application.as_str(), |(base, _)| base)
    }

    /// The channel the session was made for (its name, as in the id).
    pub fn channel_name(&self) -> &str {
        split_per_call(&self.application).map_or("", |(_, channel)| channel)
    }

    /// The session's call, once its `StasisStart` has arrived; `None` when
    /// the session ended without one (or the calls were taken already,
    /// through [`StasisApp::calls`]).
    pub async fn call(&self) -> Option<Call<V>> {
        self.app.calls().next().await
    }
}

impl<V: VersionApi> fmt::Debug for PerCallSession<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerCallSession")
            .field("application", &self.application)
            .finish_non_exhaustive()
    }
}

/// The per-call sessions of one application, as a [`Stream`], in the order
/// Asterisk dialled them. Ends when the listener is dropped.
pub struct PerCallSessions<V: VersionApi> {
    pub(crate) receiver: mpsc::UnboundedReceiver<PerCallSession<V>>,
}

impl<V: VersionApi> Stream for PerCallSessions<V> {
    type Item = PerCallSession<V>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().receiver.poll_recv(cx)
    }
}

impl<V: VersionApi> fmt::Debug for PerCallSessions<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerCallSessions")
            .field("waiting", &self.receiver.len())
            .finish()
    }
}

/// `<app>:<channel name>` as its parts, when an application id has that
/// form: a channel name is `<technology>/<resource>`, so the part after
/// the first `:` holds a `/`.
pub(crate) fn split_per_call(application: &str) -> Option<(&str, &str)> {
    let (base, channel) = application.split_once(':')?;
    (!base.is_empty() && channel.contains('/')).then_some((base, channel))
}

#[cfg(test)]
mod tests {
    use super::split_per_call;

    #[test]
    fn splits_per_call_ids() {
        assert_eq!(
            split_per_call("hello:PJSIP/alice-00000001"),
            Some(("hello", "PJSIP/alice-00000001"))
        );
        assert_eq!(
            split_per_call("hello:Local/100@apps-00000002;2"),
            Some(("hello", "Local/100@apps-00000002;2"))
        );
        assert_eq!(split_per_call("hello"), None);
        assert_eq!(split_per_call("a:b"), None);
        assert_eq!(split_per_call(":PJSIP/x"), None);
    }
}
