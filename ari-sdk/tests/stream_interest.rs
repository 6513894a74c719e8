//! Declared interests: when every subscriber said which event types it
//! wants, frames of other types are never decoded; one subscriber that
//! wants everything turns skipping off. A subscriber that comes after the
//! stream was refused gets the refusal. Loopback servers only.

mod stream_support;

use std::sync::atomic::{AtomicUsize, Ordering};

use ari_sdk::resource::ResourceKind;
use ari_sdk::stream::{EventStream, StreamError, StreamEvent, StreamItem};
use stream_support::*;

/// Counts its decodes (its own counter: tests run in parallel).
#[derive(Debug)]
struct Decoded(TestEvent);

static DECODES: AtomicUsize = AtomicUsize::new(0);

impl StreamEvent for Decoded {
    type Kind = TestKind;

    fn decode(frame: &str) -> Result<Self, serde_json::Error> {
        DECODES.fetch_add(1, Ordering::SeqCst);
        TestEvent::decode(frame).map(Decoded)
    }

    fn type_name(&self) -> &str {
        self.0.type_name()
    }

    fn kind(&self) -> TestKind {
        self.0.kind()
    }

    fn for_each_resource(&self, f: &mut dyn FnMut(ResourceKind, &str)) {
        self.0.for_each_resource(f)
    }
}

async fn next_decoded<S>(subscription: &mut S) -> StreamItem<Decoded>
where
    S: futures::Stream<Item = StreamItem<Decoded>> + Unpin,
{
    use futures::StreamExt as _;
    tokio::time::timeout(PATIENCE, subscription.next())
        .await
        .expect("an item should arrive in time")
        .expect("the subscription should not have ended")
}

fn seq(item: StreamItem<Decoded>) -> u64 {
    match item {
        StreamItem::Event(event) => event.0.seq,
        other => panic!("expected an event, got {other:?}"),
    }
}

// One test, in order: the counter is global to this file.
#[tokio::test]
async fn frames_nobody_wants_are_not_decoded_until_someone_wants_everything() {
    let listener = bind().await;
    let stream = EventStream::<Decoded>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut starts = stream.subscribe().only_types([TestKind::StasisStart]);
    let mut ends = stream
        .subscribe()
        .only_types([TestKind::StasisEnd, TestKind::StasisStart]);
    let (mut socket, _) = accept(&listener).await;
    assert!(matches!(
        next_decoded(&mut starts).await,
        StreamItem::Connected
    ));
    assert!(matches!(
        next_decoded(&mut ends).await,
        StreamItem::Connected
    ));

    // 30 frames, 10 of each type: the ChannelVarsets are wanted by nobody.
    let kinds = ["StasisStart", "ChannelVarset", "StasisEnd"];
    for n in 0..30u64 {
        send(&mut socket, event(kinds[n as usize % 3], n)).await;
    }
    for n in (0..30).step_by(3) {
        assert_eq!(seq(next_decoded(&mut starts).await), n);
    }
    for n in (0..30).filter(|n| n % 3 != 1) {
        assert_eq!(seq(next_decoded(&mut ends).await), n);
    }
    assert_eq!(
        DECODES.load(Ordering::SeqCst),
        20,
        "the 10 ChannelVarset frames must not be decoded"
    );

    // A malformed frame is always decoded, to report it.
    send(
        &mut socket,
        tokio_tungstenite::tungstenite::Message::text("{"),
    )
    .await;
    assert!(matches!(
        next_decoded(&mut starts).await,
        StreamItem::Error(_)
    ));
    assert!(matches!(
        next_decoded(&mut ends).await,
        StreamItem::Error(_)
    ));
    assert_eq!(DECODES.load(Ordering::SeqCst), 21);

    // A subscriber without a declared interest: everything is decoded again.
    let mut everything = stream.subscribe();
    send(&mut socket, event("ChannelVarset", 100)).await;
    send(&mut socket, event("StasisStart", 101)).await;
    assert_eq!(seq(next_decoded(&mut everything).await), 100);
    assert_eq!(seq(next_decoded(&mut everything).await), 101);
    assert_eq!(seq(next_decoded(&mut starts).await), 101);
    assert_eq!(DECODES.load(Ordering::SeqCst), 23);

    // Gone again: skipping is back.
    drop(everything);
    send(&mut socket, event("ChannelVarset", 102)).await;
    send(&mut socket, event("StasisStart", 103)).await;
    assert_eq!(seq(next_decoded(&mut starts).await), 103);
    assert_eq!(DECODES.load(Ordering::SeqCst), 24);
}

#[tokio::test]
async fn a_subscriber_after_a_refusal_gets_the_refusal() {
    let listener = bind().await;
    let stream =
        EventStream::<TestEvent>::connect(settings(listener.local_addr().unwrap())).unwrap();
    let mut first = stream.subscribe();
    accept_and_refuse(&listener).await;
    match next(&mut first).await {
        StreamItem::Error(error) => {
            assert!(matches!(*error, StreamError::Unauthorized { .. }))
        }
        other => panic!("expected the refusal, got {other:?}"),
    }
    stream.closed().await;

    let mut late = stream.subscribe();
    match next(&mut late).await {
        StreamItem::Error(error) => {
            assert!(error.is_fatal());
            assert!(matches!(*error, StreamError::Unauthorized { .. }))
        }
        other => panic!("expected the refusal, got {other:?}"),
    }
    use futures::StreamExt as _;
    assert!(late.next().await.is_none(), "then the subscription ends");
}
