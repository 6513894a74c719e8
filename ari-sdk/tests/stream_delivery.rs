//! The event stream delivering events: order, several subscribers, filters
//! that decode nothing twice, malformed frames, slow consumers, closing.
//! Loopback servers only.

mod stream_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ari_sdk::stream::{
    ConnectionState, EventStream, StreamError, StreamEvent, StreamItem, Subscription,
};
use futures::StreamExt as _;
use stream_support::*;

use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn upgrade_carries_basic_auth_and_the_apps_never_the_password_in_the_url() {
    let listener = bind().await;
    let addr = listener.local_addr().unwrap();
    let settings = settings(addr);
    assert!(!format!("{settings:?}").contains(&basic_token()));
    let stream = EventStream::<TestEvent>::connect(settings).unwrap();
    let mut events = stream.subscribe();

    let (_socket, upgrade) = accept(&listener).await;
    assert_eq!(upgrade.target, format!("/ari/events?{APPS}"));
    assert_eq!(
        upgrade.authorization,
        Some(format!("Basic {}", basic_token()))
    );
    assert!(!upgrade.target.contains(PASSWORD) && !upgrade.target.contains("api_key"));
    // Like the Go and Node clients: Asterisk picks `ari` when none is named.
    assert_eq!(upgrade.subprotocol, None);

    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    assert_eq!(stream.state(), ConnectionState::Connected);
}

#[tokio::test]
async fn real_asterisk_frames_reach_two_subscribers_in_order() {
    // Every event frame of a capture from a real Asterisk 20, in order.
    let capture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/ari-captures/channels_originate_app.jsonl");
    let text = std::fs::read_to_string(&capture).expect("the captures are in ../shared");
    let frames: Vec<String> = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|record| record["kind"] == "event")
        .map(|record| record["data"].to_string())
        .collect();
    assert!(frames.len() > 10, "the capture has events");

    let listener = bind().await;
    let stream =
        EventStream::<serde_json::Value>::connect(settings(listener.local_addr().unwrap()))
            .unwrap();
    let mut first = stream.subscribe();
    let mut second = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    for frame in &frames {
        send(&mut socket, Message::text(frame.clone())).await;
    }

    for subscription in [&mut first, &mut second] {
        let mut received = Vec::new();
        while received.len() < frames.len() {
            let item = tokio::time::timeout(PATIENCE, subscription.next())
                .await
                .unwrap()
                .unwrap();
            match item {
                StreamItem::Event(event) => received.push(event),
                StreamItem::Connected => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        for (event, frame) in received.iter().zip(&frames) {
            assert_eq!(
                **event,
                serde_json::from_str::<serde_json::Value>(frame).unwrap()
            );
        }
        assert_eq!(received[0].type_name(), "ChannelCreated");
    }
}

/// Counts its decodes, to show that fan-out and filters decode each frame once.
#[derive(Debug)]
struct CountedEvent(TestEvent);

static COUNTED_DECODES: AtomicUsize = AtomicUsize::new(0);

impl StreamEvent for CountedEvent {
    type Kind = TestKind;

    fn kind(&self) -> TestKind {
        self.0.kind()
    }

    fn decode(frame: &str) -> Result<Self, serde_json::Error> {
        COUNTED_DECODES.fetch_add(1, Ordering::SeqCst);
        TestEvent::decode(frame).map(CountedEvent)
    }

    fn type_name(&self) -> &str {
        self.0.type_name()
    }
}

#[tokio::test]
async fn filters_share_one_decode_per_frame() {
    let listener = bind().await;
    let stream =
        EventStream::<CountedEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut everything = stream.subscribe();
    let mut starts = stream.subscribe().only_types([TestKind::StasisStart]);
    let mut channel_one = stream
        .subscribe()
        .filter_events(|event: &CountedEvent| event.0.channel.as_deref() == Some("chan-1"));
    let (mut socket, _) = accept(&listener).await;
    let kinds = ["StasisStart", "ChannelVarset", "StasisEnd"];
    for seq in 0..30 {
        send(&mut socket, event(kinds[seq as usize % 3], seq)).await;
    }

    let mut all = Vec::new();
    while all.len() < 30 {
        if let StreamItem::Event(event) = everything.next().await.unwrap() {
            all.push(event.0.seq);
        }
    }
    assert_eq!(all, (0..30).collect::<Vec<_>>());

    // Notices pass every filter: the first item is the connection.
    assert!(matches!(
        starts.next().await.unwrap(),
        StreamItem::Connected
    ));
    for expected in (0..30).step_by(3) {
        match starts.next().await.unwrap() {
            StreamItem::Event(event) => {
                assert_eq!(
                    (event.0.kind.as_str(), event.0.seq),
                    ("StasisStart", expected)
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(matches!(
        channel_one.next().await.unwrap(),
        StreamItem::Connected
    ));
    for expected in (1..30).step_by(3) {
        match channel_one.next().await.unwrap() {
            StreamItem::Event(event) => assert_eq!(event.0.seq, expected),
            other => panic!("unexpected {other:?}"),
        }
    }
    // 30 frames, three subscribers, two filters: 30 decodes.
    assert_eq!(COUNTED_DECODES.load(Ordering::SeqCst), 30);
}

#[tokio::test]
async fn malformed_frames_are_error_items_and_the_stream_goes_on() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut events = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));

    send(&mut socket, event("StasisStart", 1)).await;
    send(&mut socket, Message::text("this is not json")).await;
    send(&mut socket, Message::text(r#"{"seq": 2, "no": "type"}"#)).await;
    send(&mut socket, Message::text(r#"{"type": 5}"#)).await;
    send(&mut socket, Message::binary(vec![0xff, 0xfe, 0x00])).await;
    send(
        &mut socket,
        Message::binary(event("ChannelVarset", 3).into_data()),
    )
    .await;
    send(&mut socket, event("StasisEnd", 4)).await;

    assert_eq!(next_seq(&mut events).await, 1);
    let expect_malformed = |item: StreamItem<TestEvent>, raw: &str, complaint: &str| match item {
        StreamItem::Error(error) => {
            assert!(!error.is_fatal());
            assert_eq!(error.raw_frame(), Some(raw));
            assert!(error.to_string().contains(complaint), "{error}");
        }
        other => panic!("expected an error item, got {other:?}"),
    };
    expect_malformed(
        next(&mut events).await,
        "this is not json",
        "expected ident",
    );
    expect_malformed(
        next(&mut events).await,
        r#"{"seq": 2, "no": "type"}"#,
        "missing field `type`",
    );
    expect_malformed(next(&mut events).await, r#"{"type": 5}"#, "invalid type");
    match next(&mut events).await {
        StreamItem::Error(error) => {
            assert!(
                matches!(*error, StreamError::NonUtf8Frame { len: 3 }),
                "{error}"
            )
        }
        other => panic!("expected an error item, got {other:?}"),
    }
    assert_eq!(
        next_seq(&mut events).await,
        3,
        "UTF-8 binary frames are decoded"
    );
    assert_eq!(next_seq(&mut events).await, 4);
    assert_eq!(stream.state(), ConnectionState::Connected);
}

#[tokio::test]
async fn a_stalled_consumer_gets_a_lag_notice_while_a_fast_one_gets_everything() {
    let listener = bind().await;
    // Buffers hold 16 items.
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap()).buffer(16))
            .unwrap();
    let mut stalled = stream.subscribe();
    let mut fast = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(next(&mut fast).await, StreamItem::Connected));
    // `fast` keeps up (batches of 8 fit its buffer of 16); the reader never
    // waits for `stalled`, which is not polled at all.
    for batch in (1..=100).collect::<Vec<u64>>().chunks(8) {
        for &seq in batch {
            send(&mut socket, event("ChannelVarset", seq)).await;
        }
        for &seq in batch {
            assert_eq!(next_seq(&mut fast).await, seq);
        }
    }

    // `stalled` read nothing of 101 items (Connected and 100 events): its
    // buffer of 16 kept the oldest (the notice and events 1..=15), the
    // other 85 are counted exactly, with the channels they named, in the
    // place of the gap.
    assert!(matches!(next(&mut stalled).await, StreamItem::Connected));
    for seq in 1..=15 {
        assert_eq!(next_seq(&mut stalled).await, seq);
    }
    match next(&mut stalled).await {
        lagged @ StreamItem::Lagged { .. } => {
            let StreamItem::Lagged { missed, .. } = &lagged else {
                unreachable!()
            };
            assert_eq!(*missed, 85);
            let channels: Vec<&str> = lagged.lagged_channels().collect();
            assert_eq!(channels, ["chan-0", "chan-1", "chan-2"]);
        }
        other => panic!("expected a lag notice, got {other:?}"),
    }
    assert!(stays_quiet(&mut stalled, Duration::from_millis(100)).await);

    // Both go on normally afterwards.
    send(&mut socket, event("StasisEnd", 101)).await;
    assert_eq!(next_seq(&mut stalled).await, 101);
    assert_eq!(next_seq(&mut fast).await, 101);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_pauses_briefly_loses_nothing() {
    let listener = bind().await;
    // Buffers of 16, and 64 events in one burst while the consumer sleeps:
    // the reader gives the full queue its grace instead of dropping.
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap()).buffer(16))
            .unwrap();
    let mut pausing = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(next(&mut pausing).await, StreamItem::Connected));
    for seq in 1..=64 {
        send(&mut socket, event("ChannelVarset", seq)).await;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    for seq in 1..=64 {
        assert_eq!(next_seq(&mut pausing).await, seq, "no gap, no lag notice");
    }
}

/// Sends events in batches `follower` can keep up with, checking each arrives.
async fn send_in_step(
    socket: &mut ServerSocket,
    follower: &mut Subscription<TestEvent>,
    seqs: std::ops::RangeInclusive<u64>,
) {
    for batch in seqs.collect::<Vec<u64>>().chunks(8) {
        for &seq in batch {
            send(socket, event("ChannelVarset", seq)).await;
        }
        for &seq in batch {
            assert_eq!(next_seq(follower).await, seq);
        }
    }
}

#[tokio::test]
async fn a_consumer_that_lagged_past_a_reconnect_still_learns_of_it() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap()).buffer(16))
            .unwrap();
    let mut stalled = stream.subscribe();
    let mut fast = stream.subscribe();

    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(next(&mut fast).await, StreamItem::Connected));
    send_in_step(&mut socket, &mut fast, 1..=20).await;
    drop(socket);
    assert!(matches!(
        next(&mut fast).await,
        StreamItem::Disconnected { .. }
    ));

    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(
        next(&mut fast).await,
        StreamItem::Reconnected { .. }
    ));
    send_in_step(&mut socket, &mut fast, 21..=40).await;

    // 43 items were published. The buffer of 16 kept the oldest (Connected
    // and events 1..=15); connection notices are never dropped, and each
    // gap is counted where it happened.
    assert!(matches!(next(&mut stalled).await, StreamItem::Connected));
    for seq in 1..=15 {
        assert_eq!(next_seq(&mut stalled).await, seq);
    }
    assert!(matches!(
        next(&mut stalled).await,
        StreamItem::Lagged { missed: 5, .. }
    ));
    assert!(matches!(
        next(&mut stalled).await,
        StreamItem::Disconnected { .. }
    ));
    match next(&mut stalled).await {
        StreamItem::Reconnected { attempts, .. } => assert!(attempts >= 1),
        other => panic!("expected a reconnect notice, got {other:?}"),
    }
    assert!(matches!(
        next(&mut stalled).await,
        StreamItem::Lagged { missed: 20, .. }
    ));
    // Room again: what comes next arrives.
    send(&mut socket, event("StasisEnd", 41)).await;
    assert_eq!(next_seq(&mut stalled).await, 41);
}

#[tokio::test]
async fn a_late_subscriber_sees_what_comes_after_it() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut early = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    send(&mut socket, event("StasisStart", 1)).await;
    assert!(matches!(next(&mut early).await, StreamItem::Connected));
    assert_eq!(next_seq(&mut early).await, 1);

    let mut late = stream.subscribe();
    send(&mut socket, event("StasisEnd", 2)).await;
    assert_eq!(next_seq(&mut late).await, 2);
    assert_eq!(next_seq(&mut early).await, 2);
}

async fn expect_close_frame(socket: &mut ServerSocket) {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("the client should close in time");
        match message {
            Some(Ok(Message::Close(_))) => return,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn close_sends_a_close_frame_and_ends_every_subscription() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut events = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    send(&mut socket, event("StasisStart", 1)).await;
    assert_eq!(next_seq(&mut events).await, 1);

    stream.close();
    expect_close_frame(&mut socket).await;
    tokio::time::timeout(PATIENCE, stream.closed())
        .await
        .unwrap();
    assert_eq!(stream.state(), ConnectionState::Closed);
    assert!(tokio::time::timeout(PATIENCE, events.next())
        .await
        .unwrap()
        .is_none());
    // Subscribing afterwards yields an already ended subscription.
    let mut after: Subscription<TestEvent> = stream.subscribe();
    assert!(after.next().await.is_none());
}

#[tokio::test]
async fn dropping_every_handle_and_subscription_closes_the_connection() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let events = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    let observer = stream.state_changes();

    // A subscription alone keeps the connection.
    drop(stream);
    send(&mut socket, event("StasisStart", 1)).await;
    let mut events = events;
    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    assert_eq!(next_seq(&mut events).await, 1);

    drop(events);
    expect_close_frame(&mut socket).await;
    let mut observer = observer;
    let closed = observer.wait_for(|state| *state == ConnectionState::Closed);
    // The task may already be gone, which also means closed.
    let _ = tokio::time::timeout(PATIENCE, closed).await.unwrap();
}

#[tokio::test]
async fn unworkable_settings_fail_fast() {
    let listener = bind().await;
    let addr = listener.local_addr().unwrap();
    let with_key = settings(addr);
    let with_key = ari_sdk::stream::StreamSettings::new(
        format!("{}&api_key={USERNAME}:{PASSWORD}", with_key.url),
        authorization(),
    );
    let error = EventStream::<TestEvent>::connect(with_key).unwrap_err();
    assert!(matches!(error, StreamError::InvalidSettings(_)));
    assert!(!error.to_string().contains(PASSWORD));

    let error = EventStream::<TestEvent>::connect(settings(addr).buffer(0)).unwrap_err();
    assert!(error.to_string().contains("at least one item"), "{error}");
}

#[tokio::test]
async fn events_are_shared_not_copied() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut first = stream.subscribe();
    let mut second = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    send(&mut socket, event("StasisStart", 7)).await;
    let pick = |item: StreamItem<TestEvent>| item.event().cloned();
    let _ = next(&mut first).await;
    let _ = next(&mut second).await;
    let a = pick(next(&mut first).await).unwrap();
    let b = pick(next(&mut second).await).unwrap();
    assert!(Arc::ptr_eq(&a, &b), "one decode, one allocation, shared");
}

/// An event two subscribers share is decoded on the connection task, which
/// keeps it until both are done with it so as to free it itself; it must
/// let go of it even when no frame follows (the socket quiet after a burst).
#[tokio::test]
async fn shared_events_are_let_go_of_while_the_socket_is_quiet() {
    let listener = bind().await;
    // Nothing else wakes the connection task: no ping due, no idle timeout.
    let quiet = settings(listener.local_addr().unwrap())
        .ping_interval(Duration::from_secs(60))
        .idle_timeout(Duration::from_secs(120));
    let stream = EventStream::<TestEvent>::connect(quiet).unwrap();
    let mut first = stream.subscribe();
    let mut second = stream.subscribe();
    let (mut socket, _) = accept(&listener).await;
    for seq in 0..50 {
        send(&mut socket, event("ChannelDtmfReceived", seq)).await;
    }
    let mut kept = None;
    for subscription in [&mut first, &mut second] {
        let mut received = 0;
        while received < 50 {
            match next(subscription).await {
                StreamItem::Event(event) => {
                    received += 1;
                    if received == 50 {
                        kept = Some(Arc::downgrade(&event));
                    }
                }
                StreamItem::Connected => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    // Both subscribers dropped the last event; only the connection task
    // may still hold it, and nothing else arrives.
    let kept = kept.expect("the last event");
    let mut polls = 0;
    while kept.strong_count() > 0 {
        polls += 1;
        assert!(polls < 500, "the connection task still holds the event");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(kept.upgrade().is_none(), "freed");
    drop(socket);
}
