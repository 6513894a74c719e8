//! The event stream surviving a bad network: dropped sockets, a restarted
//! server, a silent peer, a server closing politely, rejected credentials.
//! Loopback servers only.

mod stream_support;

use std::time::{Duration, Instant};

use ari_sdk::stream::{ConnectionState, DisconnectReason, EventStream, StreamError, StreamItem};
use futures::{SinkExt as _, StreamExt as _};
use stream_support::*;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn reconnects_after_the_server_drops_the_socket_mid_stream() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut first = stream.subscribe();
    let mut second = stream.subscribe();

    let (mut socket, upgrade) = accept(&listener).await;
    assert_eq!(upgrade.target, format!("/ari/events?{APPS}"));
    for seq in 1..=3 {
        send(&mut socket, event("ChannelVarset", seq)).await;
    }
    // Gone without a close frame, like a crashed Asterisk.
    drop(socket);

    let (mut socket, upgrade) = accept(&listener).await;
    // The applications are registered again.
    assert_eq!(upgrade.target, format!("/ari/events?{APPS}"));
    assert_eq!(
        upgrade.authorization,
        Some(format!("Basic {}", basic_token()))
    );
    send(&mut socket, event("StasisStart", 4)).await;

    // Every subscriber sees the gap in order with the events.
    for events in [&mut first, &mut second] {
        assert!(matches!(next(events).await, StreamItem::Connected));
        for seq in 1..=3 {
            assert_eq!(next_seq(events).await, seq);
        }
        match next(events).await {
            StreamItem::Disconnected {
                reason: DisconnectReason::ConnectionLost { .. },
            } => {}
            other => panic!("expected a disconnection, got {other:?}"),
        }
        match next(events).await {
            StreamItem::Reconnected { attempts, downtime } => {
                assert!(attempts >= 1);
                assert!(downtime < PATIENCE);
            }
            other => panic!("expected a reconnection, got {other:?}"),
        }
        assert_eq!(next_seq(events).await, 4);
    }
    assert_eq!(stream.state(), ConnectionState::Connected);
}

#[tokio::test]
async fn resumes_when_a_restarted_server_comes_back_on_the_same_port() {
    let listener = bind().await;
    let addr = listener.local_addr().unwrap();
    let stream = EventStream::<TestEvent>::connect(settings(addr)).unwrap();
    let mut events = stream.subscribe();
    let mut states = stream.state_changes();

    let (mut socket, _) = accept(&listener).await;
    send(&mut socket, event("StasisStart", 1)).await;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    assert_eq!(next_seq(&mut events).await, 1);

    // The server goes away entirely: connections are refused meanwhile.
    socket
        .close(Some(CloseFrame {
            code: CloseCode::Away,
            reason: "shutting down".into(),
        }))
        .await
        .unwrap();
    drop(socket);
    drop(listener);
    let down_since = Instant::now();
    match next(&mut events).await {
        StreamItem::Disconnected {
            reason: DisconnectReason::ClosedByServer { code, reason },
        } => assert_eq!((code, reason.as_str()), (1001, "shutting down")),
        other => panic!("expected a disconnection, got {other:?}"),
    }
    // Several attempts fail while the server is down.
    tokio::time::timeout(
        PATIENCE,
        states.wait_for(
            |state| matches!(state, ConnectionState::Disconnected { attempt } if *attempt >= 3),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let listener = TcpListener::bind(addr)
        .await
        .expect("the port is free again");
    let (mut socket, upgrade) = accept(&listener).await;
    assert_eq!(upgrade.target, format!("/ari/events?{APPS}"));
    send(&mut socket, event("StasisStart", 2)).await;
    match next(&mut events).await {
        StreamItem::Reconnected { downtime, attempts } => {
            assert!(attempts > 3, "{attempts} attempts");
            assert!(downtime >= Duration::from_millis(300), "{downtime:?}");
            assert!(downtime <= down_since.elapsed(), "{downtime:?}");
        }
        other => panic!("expected a reconnection, got {other:?}"),
    }
    assert_eq!(next_seq(&mut events).await, 2);
}

#[tokio::test]
async fn keepalive_catches_a_silent_peer_and_reconnects() {
    let listener = bind().await;
    // Pings every 100 ms; dead after 400 ms of silence.
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut events = stream.subscribe();

    // Accepts, then neither reads (so never answers a ping) nor writes: a
    // half-open connection as far as the client can tell.
    let (silent, _) = accept(&listener).await;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    let connected_at = Instant::now();
    match next(&mut events).await {
        StreamItem::Disconnected {
            reason: DisconnectReason::KeepaliveTimeout { silence },
        } => {
            assert!(silence >= Duration::from_millis(400), "{silence:?}");
            let detected_after = connected_at.elapsed();
            // ping interval + idle timeout, plus scheduling slack.
            assert!(
                detected_after < Duration::from_millis(500 + 1000),
                "{detected_after:?}"
            );
        }
        other => panic!("expected a keepalive timeout, got {other:?}"),
    }

    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(
        next(&mut events).await,
        StreamItem::Reconnected { .. }
    ));
    send(&mut socket, event("StasisStart", 1)).await;
    assert_eq!(next_seq(&mut events).await, 1);
    drop(silent);
}

#[tokio::test]
async fn a_quiet_but_healthy_peer_is_kept() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut events = stream.subscribe();
    let (socket, _) = accept(&listener).await;
    // Reads (tungstenite answers each ping with a pong) but sends no event.
    let (mut sink, mut source) = socket.split();
    let pings = tokio::spawn(async move {
        let mut pings = 0;
        while let Some(Ok(message)) = source.next().await {
            if message.is_ping() {
                pings += 1;
            }
        }
        pings
    });
    assert!(matches!(next(&mut events).await, StreamItem::Connected));

    // Three idle timeouts without an event: still connected.
    assert!(stays_quiet(&mut events, Duration::from_millis(1200)).await);
    assert_eq!(stream.state(), ConnectionState::Connected);
    sink.send(event("StasisStart", 1)).await.unwrap();
    assert_eq!(next_seq(&mut events).await, 1);

    stream.close();
    drop(events);
    let pings = tokio::time::timeout(PATIENCE, pings)
        .await
        .unwrap()
        .unwrap();
    assert!(pings >= 8, "{pings} pings in 1.2 s at 100 ms");
}

#[tokio::test]
async fn rejected_credentials_are_fatal_and_not_retried() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut events = stream.subscribe();

    let upgrade = accept_and_refuse(&listener).await;
    assert_eq!(upgrade.target, format!("/ari/events?{APPS}"));
    match next(&mut events).await {
        StreamItem::Error(error) => {
            assert!(
                matches!(*error, StreamError::Unauthorized { status: 401 }),
                "{error}"
            );
            assert!(error.is_fatal());
            assert!(!error.to_string().contains(PASSWORD));
        }
        other => panic!("expected the fatal error, got {other:?}"),
    }
    assert!(tokio::time::timeout(PATIENCE, events.next())
        .await
        .unwrap()
        .is_none());
    tokio::time::timeout(PATIENCE, stream.closed())
        .await
        .unwrap();
    assert_eq!(stream.state(), ConnectionState::Closed);

    // No reconnection storm: nobody knocks again.
    let again = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await;
    assert!(again.is_err(), "the stream tried again after a 401");
}

/// Asterisk's answer to an `/events` upgrade without `app`, as sent by
/// Asterisk 22 (an HTML error page; the connection stays open).
const MISSING_APP: &str =
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n\
    <title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n\
    <p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n\
    <address>Asterisk Server</address>\r\n</body></html>\r\n";

#[tokio::test]
async fn a_bad_request_is_fatal_with_asterisks_message_and_not_retried() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut events = stream.subscribe();

    let (mut tcp, _) = tokio::time::timeout(PATIENCE, listener.accept())
        .await
        .unwrap()
        .unwrap();
    let mut request = vec![0u8; 4096];
    let _ = tokio::io::AsyncReadExt::read(&mut tcp, &mut request)
        .await
        .unwrap();
    let reply = format!(
        "HTTP/1.1 400 Bad Request\r\nServer: Asterisk/22.10.1\r\nConnection: keep-alive\r\n\
         Content-Type: text/html\r\nContent-Length: {}\r\n\r\n{MISSING_APP}",
        MISSING_APP.len()
    );
    tokio::io::AsyncWriteExt::write_all(&mut tcp, reply.as_bytes())
        .await
        .unwrap();
    // The socket stays open, as Asterisk keeps it: the error must not wait
    // for it to close.
    match next(&mut events).await {
        StreamItem::Error(error) => {
            match &*error {
                StreamError::Refused { status, message } => {
                    assert_eq!(*status, 400);
                    assert_eq!(message, "HTTP request is missing param: [app]");
                }
                other => panic!("expected a refusal, got {other:?}"),
            }
            assert!(error.is_fatal());
        }
        other => panic!("expected the fatal error, got {other:?}"),
    }
    assert!(tokio::time::timeout(PATIENCE, events.next())
        .await
        .unwrap()
        .is_none());
    assert_eq!(stream.state(), ConnectionState::Closed);
    // A subscriber that comes later learns why the stream stopped.
    let mut late = stream.subscribe();
    assert!(matches!(
        next(&mut late).await,
        StreamItem::Error(error) if matches!(*error, StreamError::Refused { status: 400, .. })
    ));
    let again = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await;
    assert!(again.is_err(), "the stream tried again after a 400");
    drop(tcp);
}

#[tokio::test]
async fn other_upgrade_failures_are_retried() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut events = stream.subscribe();

    // Not a websocket server at all: an HTTP 503, then garbage, then a
    // connection closed before any answer.
    for reply in [
        &b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"[..],
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
        b"",
    ] {
        let (mut tcp, _) = tokio::time::timeout(PATIENCE, listener.accept())
            .await
            .unwrap()
            .unwrap();
        let mut request = vec![0u8; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut tcp, &mut request)
            .await
            .unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut tcp, reply)
            .await
            .unwrap();
        drop(tcp);
    }
    let (mut socket, _) = accept(&listener).await;
    send(&mut socket, event("StasisStart", 1)).await;
    // The first connection that worked is announced as the first.
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    assert_eq!(next_seq(&mut events).await, 1);
}

#[tokio::test]
async fn an_unresponsive_upgrade_times_out_and_is_retried() {
    let listener = bind().await;
    let settings =
        settings(listener.local_addr().unwrap()).connect_timeout(Duration::from_millis(300));
    let stream = EventStream::<TestEvent>::connect(settings).unwrap();
    let mut events = stream.subscribe();

    // Accepts the TCP connection and never answers the upgrade.
    let (hung, _) = tokio::time::timeout(PATIENCE, listener.accept())
        .await
        .unwrap()
        .unwrap();
    let started = Instant::now();
    let (mut socket, _) = accept(&listener).await;
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    send(&mut socket, event("StasisStart", 1)).await;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    assert_eq!(next_seq(&mut events).await, 1);
    drop(hung);
}

#[tokio::test]
async fn an_oversized_message_ends_the_connection_not_the_stream() {
    let listener = bind().await;
    let settings = settings(listener.local_addr().unwrap()).max_message_size(1024);
    let stream = EventStream::<TestEvent>::connect(settings).unwrap();
    let mut events = stream.subscribe();

    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    let huge = format!(
        r#"{{"type":"ChannelVarset","value":"{}"}}"#,
        "x".repeat(4096)
    );
    // The client may hang up while this is still being written.
    let _ = socket.send(Message::text(huge)).await;
    match next(&mut events).await {
        StreamItem::Disconnected {
            reason: DisconnectReason::ConnectionLost { error },
        } => assert!(error.contains("too long"), "{error}"),
        other => panic!("expected a disconnection, got {other:?}"),
    }
    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(
        next(&mut events).await,
        StreamItem::Reconnected { .. }
    ));
    send(&mut socket, event("StasisStart", 1)).await;
    assert_eq!(next_seq(&mut events).await, 1);
}

#[tokio::test]
async fn a_replaced_application_is_a_state_and_reconnect_takes_it_back() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut events = stream.subscribe();
    let mut states = stream.state_changes();

    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    // Another client registered the same application name.
    send(&mut socket, event("ApplicationReplaced", 1)).await;
    assert_eq!(next_seq(&mut events).await, 1);
    tokio::time::timeout(
        PATIENCE,
        states.wait_for(|state| *state == ConnectionState::Replaced),
    )
    .await
    .expect("the state says so")
    .unwrap();

    // The application takes it back: a new connection registers it again.
    stream.reconnect();
    let (mut socket, upgrade) = accept(&listener).await;
    assert_eq!(upgrade.target, format!("/ari/events?{APPS}"));
    match next(&mut events).await {
        StreamItem::Disconnected {
            reason: DisconnectReason::Requested,
        } => {}
        other => panic!("expected the requested disconnection, got {other:?}"),
    }
    assert!(matches!(
        next(&mut events).await,
        StreamItem::Reconnected { .. }
    ));
    assert_eq!(stream.state(), ConnectionState::Connected);
    send(&mut socket, event("StasisStart", 2)).await;
    assert_eq!(next_seq(&mut events).await, 2);
}
