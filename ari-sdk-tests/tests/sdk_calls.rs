//! The queue of calls: a call waits until the application takes it, a
//! dropped `Calls` stream hands its calls to the next one, and the handles
//! forget a call once it ended and nobody holds it. Counted, not timed.

use std::time::Duration;

use ari_sdk_tests::frame_server::{call_of, CallFrames, CallPlan, Delivery, FrameServer};
use futures::StreamExt as _;

const APP: &str = "calls-test";
const PATIENCE: Duration = Duration::from_secs(10);

async fn next_call(calls: &mut ari_sdk::handles::Calls<ari_sdk::v20::Ari>) -> ari_sdk::v20::Call {
    tokio::time::timeout(PATIENCE, calls.next())
        .await
        .expect("a call in time")
        .expect("the calls stream goes on")
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_wait_until_taken_and_a_dropped_stream_hands_them_on() {
    let frames = CallFrames::load().expect("the captures are in ../shared");
    let mut server = FrameServer::start(APP).await.unwrap();
    let app = server.ari().unwrap().stasis_app().unwrap();
    let mut socket = server.next_socket(PATIENCE).await.unwrap();

    // 300 whole calls, start to end, before anyone asks for calls.
    let mut everything = app.event_stream().subscribe();
    let plan = CallPlan::new(&frames, 300, APP);
    socket.send_plan(&plan, &Delivery::Burst).await.unwrap();
    let mut seen = 0;
    while seen < plan.len() {
        let item = tokio::time::timeout(PATIENCE, everything.next()).await;
        if let Some(ari_sdk::stream::StreamItem::Event(_)) = item.unwrap() {
            seen += 1;
        }
    }
    // The calls ended meanwhile; the waiting ones still hold their handles.
    assert_eq!(app.followed(), 300);

    let mut calls = app.calls();
    for n in 0..100 {
        let call = next_call(&mut calls).await;
        assert_eq!(call_of(call.id()), Some(n), "in the order they entered");
        assert!(call.end_reason().is_some(), "its end is known");
    }
    assert_eq!(calls.waiting(), 200);
    // Dropped with 200 waiting: the next stream gets them, in order.
    drop(calls);
    let mut calls = app.calls();
    for n in 100..300 {
        let call = next_call(&mut calls).await;
        assert_eq!(call_of(call.id()), Some(n));
    }
    assert_eq!(calls.waiting(), 0);

    // Every call was taken and dropped: nothing is followed any more.
    wait_until(|| app.followed() == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_calls_stream_takes_over_and_the_old_one_ends() {
    let frames = CallFrames::load().expect("the captures are in ../shared");
    let mut server = FrameServer::start(APP).await.unwrap();
    let app = server.ari().unwrap().stasis_app().unwrap();
    let mut socket = server.next_socket(PATIENCE).await.unwrap();
    let plan = CallPlan::new(&frames, 20, APP);

    let mut first = app.calls();
    let mut second = app.calls();
    socket.send_plan(&plan, &Delivery::Burst).await.unwrap();
    for n in 0..20 {
        assert_eq!(call_of(next_call(&mut second).await.id()), Some(n));
    }
    // The first stream gets nothing any more and ends.
    let ended = tokio::time::timeout(PATIENCE, first.next()).await.unwrap();
    assert!(ended.is_none());
    // Dropping the old one leaves the stream in charge: later calls reach it.
    drop(first);
    let new_calls: Vec<String> = (20..25).map(|n| frames.start(n, APP)).collect();
    socket.send_frames(new_calls).await.unwrap();
    for n in 20..25 {
        assert_eq!(call_of(next_call(&mut second).await.id()), Some(n));
    }
}
