//! After a reconnect the handles reconcile from one listing: a followed call
//! missing from `GET /channels` ends, and a channel in `Stasis()` of the
//! application that nobody follows (its `StasisStart` was lost with the
//! connection) becomes a recovered call. A small loopback Asterisk stand-in:
//! the first websocket sends two calls and drops, the second stays up (and,
//! when a test asks, delivers a call's `StasisStart` late: after the
//! reconciliation already recovered that call).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ari_sdk::handles::HandleEnded;
use ari_sdk_tests::frame_server::{channel_id, CallFrames};
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::StreamExt as _;
use serde_json::Value;

const APP: &str = "recover-test";
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Stand {
    /// The frames the first connection sends before dropping.
    first_frames: Arc<Vec<String>>,
    /// `GET /channels` answers this.
    listing: Arc<Mutex<Vec<Value>>>,
    connections: Arc<AtomicUsize>,
    listings: Arc<AtomicUsize>,
    /// How many of the next `GET /channels` fail (500).
    failing: Arc<AtomicUsize>,
    /// When set, the first connection drops only once this is notified.
    hold_first: Option<Arc<tokio::sync::Notify>>,
    /// Frames the second connection sends once `late` is notified (events
    /// Asterisk delivers after the application's listing was answered).
    late: Option<(Arc<tokio::sync::Notify>, Arc<Vec<String>>)>,
}

async fn events(State(stand): State<Stand>, upgrade: WebSocketUpgrade) -> Response {
    let connection = stand.connections.fetch_add(1, Ordering::SeqCst);
    upgrade.on_upgrade(move |mut socket| async move {
        if connection == 0 {
            if !send_all(&mut socket, &stand.first_frames).await {
                return;
            }
            if let Some(hold) = &stand.hold_first {
                hold.notified().await;
            }
            // Dropped without a close frame: the connection is lost.
            return;
        }
        if let Some((late, frames)) = &stand.late {
            late.notified().await;
            if !send_all(&mut socket, frames).await {
                return;
            }
        }
        // Stays up, answering nothing, until the client goes.
        while let Some(Ok(_)) = socket.recv().await {}
    })
}

/// Sends `frames` in order; false once the client is gone.
async fn send_all(socket: &mut axum::extract::ws::WebSocket, frames: &[String]) -> bool {
    for frame in frames {
        if socket
            .send(Message::Text(frame.clone().into()))
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

async fn channels(State(stand): State<Stand>) -> Response {
    stand.listings.fetch_add(1, Ordering::SeqCst);
    let fail = stand
        .failing
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if fail {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(serde_json::json!({"message": "not ready"})),
        )
            .into_response();
    }
    let listing = stand.listing.lock().unwrap().clone();
    axum::Json(Value::Array(listing)).into_response()
}

async fn channel(State(stand): State<Stand>, Path(id): Path<String>) -> Response {
    let listing = stand.listing.lock().unwrap().clone();
    match listing.into_iter().find(|c| c["id"] == id.as_str()) {
        Some(found) => axum::Json(found).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"message": "Channel not found"})),
        )
            .into_response(),
    }
}

async fn bridges() -> Response {
    axum::Json(Value::Array(Vec::new())).into_response()
}

/// The channel of a `StasisStart` frame, in `Stasis(APP,args...)`.
fn channel_in_stasis(frames: &CallFrames, call: usize, args: &[&str]) -> Value {
    let start: Value = serde_json::from_str(&frames.start(call, APP)).unwrap();
    let mut channel = start["channel"].clone();
    channel["dialplan"]["app_name"] = "Stasis".into();
    let data: Vec<&str> = std::iter::once(APP).chain(args.iter().copied()).collect();
    channel["dialplan"]["app_data"] = data.join(",").into();
    channel
}

/// The stand of these tests: calls 0 and 1 enter over the first
/// connection; while it is down, call 1 hangs up and call 2 enters (its
/// StasisStart is lost). The first `failing` listings fail.
async fn start(frames: &CallFrames, failing: usize) -> (Stand, ari_sdk::v20::Ari) {
    start_with(frames, failing, None, None).await
}

async fn start_with(
    frames: &CallFrames,
    failing: usize,
    hold_first: Option<Arc<tokio::sync::Notify>>,
    late: Option<(Arc<tokio::sync::Notify>, Vec<String>)>,
) -> (Stand, ari_sdk::v20::Ari) {
    let stand = Stand {
        first_frames: Arc::new(vec![frames.start(0, APP), frames.start(1, APP)]),
        listing: Arc::new(Mutex::new(vec![
            channel_in_stasis(frames, 0, &[]),
            channel_in_stasis(frames, 2, &["late", "x=y"]),
        ])),
        connections: Arc::new(AtomicUsize::new(0)),
        listings: Arc::new(AtomicUsize::new(0)),
        failing: Arc::new(AtomicUsize::new(failing)),
        hold_first,
        late: late.map(|(notify, frames)| (notify, Arc::new(frames))),
    };
    let router = Router::new()
        .route("/ari/events", get(events))
        .route("/ari/channels", get(channels))
        .route("/ari/channels/{id}", get(channel))
        .route("/ari/bridges", get(bridges))
        .with_state(stand.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let config = ari_sdk::Config::builder()
        .url(format!("http://{addr}/ari"))
        .username("u")
        .password("p")
        .application(APP)
        .version_check(false)
        .build()
        .unwrap();
    (
        stand,
        ari_sdk::v20::Ari::new(ari_sdk::Client::new(config).unwrap()),
    )
}

async fn next(calls: &mut ari_sdk::handles::Calls<ari_sdk::v20::Ari>) -> ari_sdk::v20::Call {
    tokio::time::timeout(PATIENCE, calls.next())
        .await
        .expect("a call in time")
        .expect("the calls go on")
}

/// Calls 0 and 1, as they came over the first connection.
async fn first_two(
    calls: &mut ari_sdk::handles::Calls<ari_sdk::v20::Ari>,
) -> (ari_sdk::v20::Call, ari_sdk::v20::Call) {
    let first = next(calls).await;
    let second = next(calls).await;
    assert_eq!(first.id(), channel_id(0));
    assert_eq!(second.id(), channel_id(1));
    assert!(!first.is_recovered());
    (first, second)
}

/// Call 1 hung up while the connection was down: its handle ends.
async fn vanished(second: &ari_sdk::v20::Call) {
    let ended = tokio::time::timeout(PATIENCE, second.ended())
        .await
        .unwrap();
    assert_eq!(ended, HandleEnded::VanishedDuringReconnect);
}

/// Call 2 entered while the connection was down: it comes recovered.
async fn next_recovered(
    calls: &mut ari_sdk::handles::Calls<ari_sdk::v20::Ari>,
) -> ari_sdk::v20::Call {
    let recovered = next(calls).await;
    assert_eq!(recovered.id(), channel_id(2));
    assert!(recovered.is_recovered());
    recovered
}

/// No call beyond those expected, within a moment.
async fn no_other_call(calls: &mut ari_sdk::handles::Calls<ari_sdk::v20::Ari>) {
    let extra = tokio::time::timeout(Duration::from_millis(300), calls.next()).await;
    assert!(extra.is_err(), "no other call: {extra:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_ends_what_vanished_and_recovers_what_entered_meanwhile() {
    let frames = CallFrames::load().expect("the captures are in ../shared");
    let (stand, ari) = start(&frames, 0).await;
    let app = ari.stasis_app().unwrap();
    let mut calls = app.calls();

    let (first, second) = first_two(&mut calls).await;

    // The reconnect's reconciliation: call 1 vanished, call 2 is recovered.
    vanished(&second).await;
    let recovered = next_recovered(&mut calls).await;
    assert_eq!(recovered.args(), ["late", "x=y"]);
    assert_eq!(recovered.snapshot().id, channel_id(2));
    // Call 0 is still followed, and was not handed out twice.
    assert!(first.end_reason().is_none());
    assert!(recovered.end_reason().is_none());
    assert_eq!(stand.listings.load(Ordering::SeqCst), 1);
    no_other_call(&mut calls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_listing_after_a_reconnect_is_tried_again_until_the_lost_call_is_found() {
    let frames = CallFrames::load().expect("the captures are in ../shared");
    // Asterisk answers the first two listings after the reconnect with 500
    // (still starting, or in a cluster a node not back yet).
    let (stand, ari) = start(&frames, 2).await;
    let app = ari.stasis_app().unwrap();
    let mut calls = app.calls();

    let (first, second) = first_two(&mut calls).await;
    // The third listing succeeds: call 1 ends, call 2 is recovered, once.
    next_recovered(&mut calls).await;
    vanished(&second).await;
    assert!(first.end_reason().is_none());
    // Tried until it worked, then no more.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stand.listings.load(Ordering::SeqCst), 3);
    no_other_call(&mut calls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_the_application_let_go_of_is_not_handed_out_again_after_a_reconnect() {
    let frames = CallFrames::load().expect("the captures are in ../shared");
    let hold = Arc::new(tokio::sync::Notify::new());
    let (stand, ari) = start_with(&frames, 0, Some(Arc::clone(&hold)), None).await;
    let app = ari.stasis_app().unwrap();
    let mut calls = app.calls();

    let (first, second) = first_two(&mut calls).await;
    // The application is done with call 0 (say it bridged it and keeps
    // only the bridge): the channel stays in the application, and the
    // listing after the reconnect shows it with no handle on it.
    drop(first);
    hold.notify_one();

    vanished(&second).await;
    // Only the call whose StasisStart was lost is recovered.
    next_recovered(&mut calls).await;
    assert_eq!(stand.listings.load(Ordering::SeqCst), 1);
    no_other_call(&mut calls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stasis_start_that_comes_after_the_reconciliation_is_not_a_second_call() {
    let frames = CallFrames::load().expect("the captures are in ../shared");
    // Call 2's StasisStart was not lost but late: Asterisk delivers it on
    // the new connection only after the listing that found the call was
    // answered and the call recovered, followed by an event of the call.
    let late = Arc::new(tokio::sync::Notify::new());
    let late_frames = vec![frames.start(2, APP), frames.mid(2, 0, APP)];
    let (stand, ari) = start_with(
        &frames,
        0,
        None,
        Some((Arc::clone(&late), late_frames.clone())),
    )
    .await;
    let app = ari.stasis_app().unwrap();
    let mut calls = app.calls();

    let (_first, second) = first_two(&mut calls).await;
    vanished(&second).await;
    let recovered = next_recovered(&mut calls).await;
    let mut events = recovered.events();
    late.notify_one();

    // The late StasisStart reaches the recovered call, as does the event
    // after it; it does not make a second call of the same channel.
    let expected: Vec<String> = late_frames
        .iter()
        .map(|frame| {
            serde_json::from_str::<Value>(frame).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut seen = Vec::new();
    while seen.len() < expected.len() {
        let item = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("the late events in time")
            .expect("the call goes on");
        if let Some(event) = item.event() {
            seen.push(ari_sdk::stream::StreamEvent::type_name(&**event).to_owned());
        }
    }
    assert_eq!(seen, expected);
    assert!(recovered.end_reason().is_none());
    assert_eq!(stand.listings.load(Ordering::SeqCst), 1);
    no_other_call(&mut calls).await;
}
