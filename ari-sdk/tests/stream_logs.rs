//! Everything logged during an event stream session, at TRACE level and
//! including the `log` records of dependencies, never contains the password
//! or the `Authorization` header that encodes it.
//!
//! Its own test binary: it installs the process-wide tracing subscriber.

mod stream_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use ari_sdk::stream::{EventStream, StreamItem};
use futures::StreamExt as _;
use stream_support::*;
use tokio_tungstenite::tungstenite::Message;

/// Collects every formatted log line.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn no_password_in_any_log_line() {
    let captured = Captured::default();
    // `try_init` also routes `log` records (tungstenite's, rustls') here.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .try_init()
        .expect("the only subscriber of this binary");

    // A session with everything that logs: connect, events, a malformed
    // frame, a drop and reconnect, a close.
    let listener = bind().await;
    let settings = settings(listener.local_addr().unwrap());
    tracing::info!(?settings, "settings as a user might log them");
    let stream = EventStream::<TestEvent>::connect(settings).unwrap();
    let mut events = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    send(&mut socket, event("StasisStart", 1)).await;
    send(&mut socket, Message::text("{ not json")).await;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    assert_eq!(next_seq(&mut events).await, 1);
    assert!(matches!(next(&mut events).await, StreamItem::Error(_)));
    drop(socket);
    assert!(matches!(
        next(&mut events).await,
        StreamItem::Disconnected { .. }
    ));
    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(
        next(&mut events).await,
        StreamItem::Reconnected { .. }
    ));
    send(&mut socket, event("StasisEnd", 2)).await;
    assert_eq!(next_seq(&mut events).await, 2);
    // Long enough for a few pings.
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    stream.close();
    stream.closed().await;
    drop(socket);

    // And a stream whose credentials are refused.
    let refusing = bind().await;
    let refused =
        EventStream::<TestEvent>::connect(stream_support::settings(refusing.local_addr().unwrap()))
            .unwrap();
    let mut refused_events = refused.subscribe();
    accept_and_refuse(&refusing).await;
    assert!(matches!(
        next(&mut refused_events).await,
        StreamItem::Error(_)
    ));
    assert!(refused_events.next().await.is_none());

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The capture works and covers the session, dependencies included...
    for expected in [
        "event stream connected",
        "event_type=\"StasisStart\"",
        "malformed event frame",
        "event stream disconnected",
        "event stream reconnected",
        "rejected the event stream's credentials",
        "event stream closed",
        "ping sent",
        // tungstenite's own `log` records, through the bridge.
        "Server handshake done",
    ] {
        assert!(
            logs.contains(expected),
            "no {expected:?} in the logs:\n{logs}"
        );
    }
    // ...and holds no secret in any form.
    for secret in [PASSWORD, basic_token().as_str(), "Authorization: Basic"] {
        assert!(
            !logs.contains(secret),
            "{secret:?} leaked into the logs:\n{logs}"
        );
    }
}
