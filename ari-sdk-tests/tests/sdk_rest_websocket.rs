//! REST over the event websocket (`RestTransport::EventWebsocket`) against
//! the fake: the typed builders' results and errors as over HTTP, answers
//! matched by `request_id`, the typed failures (a websocket that drops
//! mid-request, none connected, a release without it), and the fake's own
//! answers to malformed `RESTRequest` messages.

mod sdk_support;

use std::time::Duration;

use ari_sdk::config::RestTransport;
use ari_sdk::stream::StreamItem;
use ari_sdk::v20::{Ari, Event, StasisApp};
use ari_sdk::{Error, HttpErrorKind};
use fake_asterisk::FakeAsterisk;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::Message;

use sdk_support::{next, start_fake, wait_connected, APP, PASSWORD, WAIT};

fn config(fake: &FakeAsterisk) -> ari_sdk::config::ConfigBuilder {
    ari_sdk::Config::builder()
        .url(fake.url())
        .username("sdk")
        .password(PASSWORD)
        .application(APP)
        .rest_transport(RestTransport::EventWebsocket)
}

/// The request timeout of the tests that expect one.
const QUICK: Duration = Duration::from_millis(300);

/// A websocket-transport client with the [`QUICK`] request timeout, its
/// release read by the version check.
async fn connect_quick(fake: &FakeAsterisk) -> Ari {
    let config = config(fake).request_timeout(QUICK).build().expect("config");
    Ari::connect(config).await.expect("connects over HTTP")
}

/// A client whose HTTP goes nowhere (a proxy on a closed port): what it
/// gets done went over the websocket.
fn websocket_only(fake: &FakeAsterisk) -> Ari {
    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::all("http://127.0.0.1:9").expect("proxy"))
        .build()
        .expect("http client");
    // No version check: it reads `/asterisk/info` over HTTP.
    let config = config(fake).version_check(false).build().expect("config");
    Ari::new(ari_sdk::Client::with_http_client(config, http).expect("client"))
}

/// A fake, a websocket-only client of it and its connected application.
async fn websocket_only_app() -> (FakeAsterisk, Ari, StasisApp) {
    let fake = start_fake().await;
    let ari = websocket_only(&fake);
    let app = connected_app(&ari).await;
    (fake, ari, app)
}

/// The application's event stream, connected: it carries the requests.
async fn connected_app(ari: &Ari) -> StasisApp {
    let app = ari.stasis_app().expect("app");
    wait_connected(&app).await;
    app
}

/// Originates to `endpoint` (a fake phone) into the application with the
/// id `id` and the channel variable `var` set to `value`, then reads the
/// variable back: both requests carry it (the body, then the query).
macro_rules! originate_and_read_back {
    ($ari:expr, $fake:expr, $endpoint:expr, $id:expr, $var:expr, $value:expr) => {{
        let _phone = $fake.phone($endpoint).expect("phone");
        let channel = $ari
            .channels()
            .originate($endpoint)
            .app(APP)
            .channel_id($id)
            .variables([($var, $value)])
            .await
            .expect("originate");
        assert_eq!(channel.id, $id);
        let read = $ari
            .channels()
            .get_channel_var($id, $var)
            .await
            .expect("variable");
        assert_eq!(read.value, $value);
    }};
}

/// A call in the application, answered with the app's event stream up.
async fn call_in(fake: &FakeAsterisk) -> String {
    let caller = fake.call_into_app(APP, "100", &[]).expect("call");
    caller.channel_id().to_owned()
}

#[tokio::test]
async fn typed_operations_over_the_websocket() {
    let (fake, ari, app) = websocket_only_app().await;
    let mut events = app.event_stream().subscribe();
    let mut calls = app.calls();
    let id = call_in(&fake).await;
    // The handles send through the same transport.
    let call = next(&mut calls).await;
    assert_eq!(call.id(), id);
    call.ring().await.expect("ring, from a handle");

    // A typed list, and an operation without a result.
    let channels = ari
        .channels()
        .list()
        .await
        .expect("list over the websocket");
    assert!(channels.iter().any(|c| c.id == id), "{channels:?}");
    ari.channels().answer(&id).await.expect("answer");
    let channel = ari.channels().get(&id).await.expect("get");
    assert_eq!(channel.state, "Up".into());

    // A 404 is the same typed error as over HTTP.
    let error = ari.channels().answer("no-such-channel").await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(error.http_kind(), Some(HttpErrorKind::NotFound));
    assert_eq!(error.message(), Some("Channel not found"));
    assert_eq!(error.operation(), Some("channels.answer"));

    // A body: originate with variables, read back over the websocket.
    originate_and_read_back!(
        ari,
        fake,
        "PJSIP/alice",
        "ws-originated",
        "MY_VAR",
        "a b&c=d"
    );

    // The answers were the transport's: no RESTResponse reached the app,
    // and the application's events went on.
    let mut seen = Vec::new();
    while let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(200), events.next()).await
    {
        if let StreamItem::Event(event) = item {
            seen.push(event);
        }
    }
    assert!(
        !seen.iter().any(|e| matches!(**e, Event::RESTResponse(_))),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|e| matches!(**e, Event::ChannelStateChange(_))),
        "{seen:?}"
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn concurrent_requests_are_matched_by_id() {
    let (fake, ari, _app) = websocket_only_app().await;
    let _alice = fake.phone("PJSIP/alice").expect("phone");
    for n in 0..8 {
        ari.channels()
            .originate("PJSIP/alice")
            .app(APP)
            .channel_id(format!("c{n}"))
            .await
            .expect("originate");
    }
    // 64 requests at once, found and not found interleaved: each gets its
    // own answer.
    let asks = (0..64).map(|n| {
        let ari = ari.clone();
        async move {
            let id = if n % 3 == 0 {
                format!("missing{n}")
            } else {
                format!("c{}", n % 8)
            };
            (id.clone(), ari.channels().get(&id).await)
        }
    });
    for (id, result) in futures::future::join_all(asks).await {
        match result {
            Ok(channel) => assert_eq!(channel.id, id),
            Err(error) => {
                assert!(id.starts_with("missing"), "{id}: {error}");
                assert!(error.is_not_found(), "{error}");
            }
        }
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn a_websocket_dropped_mid_request_fails_it() {
    let (fake, ari, app) = websocket_only_app().await;
    let mut events = app.event_stream().subscribe();
    // A frozen session reads nothing: the request stays in flight.
    fake.freeze_websockets();
    let pending = {
        let ari = ari.clone();
        tokio::spawn(async move { ari.channels().list().await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!pending.is_finished());
    fake.drop_websockets();
    let result = tokio::time::timeout(WAIT, pending)
        .await
        .expect("fails at once, no hang")
        .expect("task");
    match result {
        Err(Error::RestWebsocketClosed { operation }) => {
            assert_eq!(operation, "channels.list")
        }
        other => panic!("expected RestWebsocketClosed, got {other:?}"),
    }
    // The stream reconnects; requests go over the new connection.
    loop {
        if let StreamItem::Reconnected { .. } = next(&mut events).await {
            break;
        }
    }
    ari.channels().list().await.expect("after the reconnection");
    fake.shutdown().await;
}

#[tokio::test]
async fn no_websocket_connected_is_a_typed_error() {
    let fake = start_fake().await;
    let ari = connect_quick(&fake).await;
    // No event stream: nothing can carry the request.
    match ari.channels().list().await {
        Err(Error::RestWebsocketUnavailable { operation, waited }) => {
            assert_eq!(operation, "channels.list");
            assert_eq!(waited, QUICK);
        }
        other => panic!("expected RestWebsocketUnavailable, got {other:?}"),
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn an_older_release_is_refused_before_sending() {
    let fake = FakeAsterisk::builder()
        .username("sdk")
        .password(PASSWORD)
        .version("20.13.0")
        .build()
        .start()
        .await
        .expect("fake");
    let config = config(&fake)
        .request_timeout(Duration::from_millis(500))
        .build()
        .expect("config");
    let ari = Ari::connect(config).await.expect("a 20");
    let _app = connected_app(&ari).await;
    let started = std::time::Instant::now();
    let error = ari.channels().list().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(400), "not sent");
    match &error {
        Error::RestTransportNotInRelease {
            operation,
            needs,
            server,
        } => {
            assert_eq!(
                (*operation, *needs, server.as_str()),
                ("channels.list", "20.14.0", "20.13.0")
            );
        }
        other => panic!("expected RestTransportNotInRelease, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "channels.list: REST over the event websocket needs Asterisk 20.14.0; this server runs 20.13.0"
    );

    // Without the guard, the old release ignores the message: the request
    // times out (typed), it does not hang.
    let unguarded = config_for_unguarded(&fake);
    let ari = Ari::connect(unguarded).await.expect("a 20");
    let _app = connected_app(&ari).await;
    let error = tokio::time::timeout(WAIT, ari.channels().list())
        .await
        .expect("no hang")
        .unwrap_err();
    assert_list_timed_out(&error);
    fake.shutdown().await;
}

#[tokio::test]
async fn an_event_filter_without_rest_response_leaves_requests_unanswered() {
    let fake = start_fake().await;
    let ari = connect_quick(&fake).await;
    let _app = connected_app(&ari).await;
    // Set over HTTP: over the websocket its own answer would be filtered.
    let http = config(&fake)
        .rest_transport(RestTransport::Http)
        .build()
        .expect("config");
    let http = Ari::connect(http).await.expect("over HTTP");
    let only = |types: &[&str]| {
        let allowed: Vec<Value> = types.iter().map(|t| json!({ "type": t })).collect();
        json!({ "allowed": allowed })
    };
    http.applications()
        .filter(APP)
        .filter(only(&["StasisStart"]))
        .await
        .expect("filter");
    let error = ari.channels().list().await.unwrap_err();
    assert_list_timed_out(&error);
    // Let through, it is answered again.
    http.applications()
        .filter(APP)
        .filter(only(&["StasisStart", "RESTResponse"]))
        .await
        .expect("filter");
    ari.channels().list().await.expect("answered");
    fake.shutdown().await;
}

#[tokio::test]
async fn an_emulated_22_over_the_websocket() {
    // The emulated major's own routes and parameters, reached from a
    // RESTRequest: v22's originate with a body, its 404s.
    let fake = FakeAsterisk::builder()
        .username("sdk")
        .password(PASSWORD)
        .major(22)
        .time_scale(0.02)
        .build()
        .start()
        .await
        .expect("fake");
    let config = config(&fake).build().expect("config");
    let ari = ari_sdk::v22::Ari::connect(config).await.expect("a 22");
    let app = ari.stasis_app().expect("app");
    wait_connected_22(&app).await;
    originate_and_read_back!(ari, fake, "PJSIP/bob", "ws-22", "GREETING", "héllo wörld");
    let error = ari.bridges().destroy("nope").await.unwrap_err();
    assert_eq!(error.http_kind(), Some(HttpErrorKind::NotFound), "{error}");
    fake.shutdown().await;
}

async fn wait_connected_22(app: &ari_sdk::v22::StasisApp) {
    tokio::time::timeout(WAIT, app.registered())
        .await
        .expect("registered in time")
        .expect("the application is registered");
}

/// `channels.list` got no answer in time.
fn assert_list_timed_out(error: &Error) {
    assert!(
        matches!(error, Error::Timeout { operation } if *operation == "channels.list"),
        "{error}"
    );
}

fn config_for_unguarded(fake: &FakeAsterisk) -> ari_sdk::Config {
    config(fake)
        .release_check(false)
        .request_timeout(QUICK)
        .build()
        .expect("config")
}

/// A raw `/ari/events` connection that sends text and reads frames.
struct Raw {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Raw {
    async fn connect(fake: &FakeAsterisk) -> Raw {
        let url = format!(
            "ws://{}/ari/events?app={APP}&api_key=sdk:{PASSWORD}",
            fake.addr()
        );
        let request = url.into_client_request().expect("request");
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("connects");
        Raw { socket }
    }

    /// Sends `text` and returns the next `RESTResponse`.
    async fn ask(&mut self, text: &str) -> Value {
        self.socket
            .send(Message::text(text.to_owned()))
            .await
            .expect("sent");
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("in time")
                .expect("open")
                .expect("read");
            if let Message::Text(text) = message {
                let frame: Value = serde_json::from_str(&text).expect("json");
                if frame["type"] == "RESTResponse" {
                    return frame;
                }
            }
        }
    }
}

#[tokio::test]
async fn the_fake_answers_rest_requests_as_asterisk_does() {
    let fake = start_fake().await;
    fake.add_stored_recording("memo", "wav", 1000);
    let mut raw = Raw::connect(&fake).await;

    // A good request: ids and uri echoed, the body as compact JSON text.
    let ok = raw
        .ask(
            r#"{"type":"RESTRequest","request_id":"r1","transaction_id":"t1","method":"GET",
                "uri":"asterisk/variable?variable=X","query_strings":[{"name":"ignored","value":"1"}]}"#,
        )
        .await;
    assert_eq!(ok["request_id"], "r1");
    assert_eq!(ok["transaction_id"], "t1");
    assert_eq!(ok["uri"], "asterisk/variable");
    assert_eq!(ok["application"], APP);
    assert!(ok["timestamp"].is_string());
    assert_eq!(ok["asterisk_id"], fake.asterisk_id());
    assert_eq!(
        (ok["status_code"].as_i64(), ok["reason_phrase"].as_str()),
        (Some(200), Some("OK"))
    );
    assert_eq!(ok["content_type"], "application/json");
    assert_eq!(ok["message_body"], r#"{"value":""}"#);

    // A JSON body, and a 204 without one.
    let set = raw
        .ask(
            r#"{"type":"RESTRequest","request_id":"r2","method":"POST","uri":"asterisk/variable",
                "content_type":"application/json","message_body":"{\"variable\":\"X\",\"value\":\"7\"}"}"#,
        )
        .await;
    assert_eq!(set["status_code"], 204);
    assert_eq!(set["transaction_id"], "");
    assert!(set.get("message_body").is_none() && set.get("content_type").is_none());
    assert_eq!(fake.global_variable("X").as_deref(), Some("7"));

    let bad = |request_id: &str, status: i64, reason: &str, message: &str| json!({"request_id": request_id, "status": status, "reason": reason, "message": message});
    let bad400 = |request_id: &str, message: &str| bad(request_id, 400, "Bad request", message);
    let check = |frame: &Value, expected: Value| {
        let message = frame["message_body"]
            .as_str()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
            .map(|b| b["message"].clone())
            .unwrap_or(Value::Null);
        assert_eq!(
            json!({
                "request_id": frame["request_id"],
                "status": frame["status_code"],
                "reason": frame["reason_phrase"],
                "message": message,
            }),
            expected,
            "{frame}"
        );
    };
    let cases = [
        (
            r#"{"request_id":"a","method":"GET","uri":"channels"}"#,
            bad400("a", "No 'type' property."),
        ),
        (
            r#"{"type":"Hello","request_id":"b"}"#,
            bad400("b", "Unknown request type."),
        ),
        (
            r#"{"type":"RESTRequest","request_id":"c","method":"GET"}"#,
            bad400("c", "Empty or missing 'uri' property."),
        ),
        (
            r#"{"type":"RESTRequest","request_id":"d","method":"get","uri":"channels"}"#,
            bad400("d", "Unknown or missing 'method' property."),
        ),
        (
            r#"{"type":"RESTRequest","request_id":"e","method":"GET","uri":"channels","query_strings":[{"name":1}]}"#,
            bad400("e", "Unable to parse 'query_strings' array."),
        ),
        (
            r#"{"type":"RESTRequest","request_id":"f","method":"POST","uri":"channels","message_body":"{}"}"#,
            bad400("f", "No 'content_type' for 'message_body'."),
        ),
        (
            r#"{"type":"RESTRequest","request_id":"g","method":"POST","uri":"channels","content_type":"text/plain","message_body":"x"}"#,
            bad400("g", "Unknown content type."),
        ),
        (
            r#"{"type":"RESTRequest","request_id":"h","method":"GET","uri":"events"}"#,
            bad400("h", "Can't upgrade to websocket from a websocket"),
        ),
        (
            r#"{"type":"RESTRequest","request_id":"i","method":"GET","uri":"channels/nope"}"#,
            bad("i", 404, "Not Found", "Channel not found"),
        ),
        (
            r#"{"type":"RESTRequest","request_id":"j","method":"GET","uri":"recordings/stored/memo/file"}"#,
            json!({"request_id": "j", "status": 406, "reason": "Not Acceptable.  Use HTTP GET", "message": null}),
        ),
        (
            "not json",
            json!({"request_id": "", "status": 400, "reason": "Failed to parse request message JSON", "message": null}),
        ),
    ];
    for (request, expected) in cases {
        let frame = raw.ask(request).await;
        check(&frame, expected);
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn an_older_fake_ignores_rest_requests() {
    let fake = FakeAsterisk::builder()
        .version("22.3.0")
        .build()
        .start()
        .await
        .expect("fake");
    let url = format!(
        "ws://{}/ari/events?app={APP}&api_key={}:{}",
        fake.addr(),
        fake.username(),
        fake.password()
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url.into_client_request().expect("url"))
        .await
        .expect("connects");
    socket
        .send(Message::text(
            r#"{"type":"RESTRequest","request_id":"x","method":"GET","uri":"channels"}"#,
        ))
        .await
        .expect("sent");
    let answer = tokio::time::timeout(Duration::from_millis(300), socket.next()).await;
    assert!(answer.is_err(), "no answer: {answer:?}");
    fake.shutdown().await;
}
