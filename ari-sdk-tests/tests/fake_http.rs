//! The fake's HTTP and websocket details, checked on the wire against what
//! a real Asterisk does: legacy `+` decoding of the path, the `ari`
//! subprotocol and the close handshake, the key order of event frames and
//! bodies, `Content-Length: 0` on a 204, the HTML error pages of the
//! websocket upgrade, and `OPTIONS` with its CORS headers.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ari_sdk_tests::captures::{self, OrderedJson};
use fake_asterisk::FakeAsterisk;
use futures::{SinkExt, StreamExt};
use serde_json::json;
use support::{Events, Http, RawResponse};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

async fn fake() -> FakeAsterisk {
    FakeAsterisk::builder()
        .username("u")
        .password("p")
        .time_scale(0.02)
        .stasis_extension("100", "app", &[])
        .allowed_origins("http://ok.example")
        .build()
        .start()
        .await
        .expect("fake starts")
}

/// The headers of a websocket upgrade, plus `extra`; the connection closes
/// after a refusal so the whole response can be read.
fn upgrade_headers<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut headers = vec![
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade, close"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Version", "13"),
    ];
    headers.extend_from_slice(extra);
    headers
}

fn body_text(r: &RawResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

fn keys(value: &OrderedJson) -> Vec<&str> {
    match value {
        OrderedJson::Object(pairs) => pairs.iter().map(|(k, _)| k.as_str()).collect(),
        _ => Vec::new(),
    }
}

fn ordered(text: &str) -> OrderedJson {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("{text}: {err}"))
}

// Item 17: `+` in a path segment is a space (`ast_uri_decode`, legacy).
#[tokio::test]
async fn a_plus_in_the_path_is_a_space() {
    let fake = fake().await;
    let http = Http::new(&fake);
    let events = Events::connect(&fake, "app", false).await;
    for (segment, name) in [("peer+evt", "peer evt"), ("a%2Bb", "a+b")] {
        let r = http
            .post(&format!("/ari/events/user/{segment}?application=app"))
            .await;
        assert_eq!(r.status, 204, "{segment}");
        let event = events
            .wait_for(Duration::from_secs(5), |e| {
                e["type"] == "ChannelUserevent" && e["eventname"] == name
            })
            .await;
        assert!(event.is_some(), "{segment}: got {:?}", events.all());
        assert_eq!(
            event.map(|e| e["userevent"]["eventname"].clone()),
            Some(json!(name))
        );
    }
    // Path variables of every resource, e.g. a bridge created with its id.
    let r = http.post("/ari/bridges/my+bridge").await;
    assert_eq!(
        (r.status, r.json()["id"].clone()),
        (200, json!("my bridge"))
    );
    assert_eq!(http.get("/ari/bridges/my%20bridge").await.status, 200);
    // Query values, decoded the same way by Asterisk's HTTP server.
    let r = http
        .post("/ari/asterisk/variable?variable=GV&value=a+b%2Bc")
        .await;
    assert_eq!(r.status, 204);
    let r = http.get("/ari/asterisk/variable?variable=GV").await;
    assert_eq!(r.json(), json!({"value": "a b+c"}));
    fake.shutdown().await;
}

// Item 18: the `ari` subprotocol is answered when offered.
#[tokio::test]
async fn the_ari_subprotocol_is_answered() {
    let fake = fake().await;
    let url = format!("ws://{}/ari/events?app=app&api_key=u:p", fake.addr());
    for (offered, answered) in [
        (Some("chat, ari"), Some("ari")),
        (Some("ari"), Some("ari")),
        (None, None),
    ] {
        let mut request = url.as_str().into_client_request().expect("request");
        if let Some(offered) = offered {
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(offered));
        }
        let (mut socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .unwrap_or_else(|err| panic!("offering {offered:?}: {err}"));
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            answered,
            "offering {offered:?}"
        );
        let _ = socket.close(None).await;
    }
    // Offering only protocols Asterisk does not have is refused, bare.
    let r = Http::new(&fake)
        .request_with(
            "GET",
            "/ari/events?app=app",
            &upgrade_headers(&[("Sec-WebSocket-Protocol", "chat")]),
        )
        .await;
    assert_eq!((r.status, r.reason.as_str()), (400, "Bad Request"));
    assert_eq!(r.header("sec-websocket-version"), Some("7, 8, 13"));
    assert_eq!(r.header("content-length"), Some("0"));
    assert_eq!(r.header("content-type"), None);
    fake.shutdown().await;
}

// Item 18: a client's close frame gets a close frame back (RFC 6455 5.5.1).
#[tokio::test]
async fn a_client_close_is_answered_with_a_close() {
    let fake = fake().await;
    let url = format!("ws://{}/ari/events?app=app&api_key=u:p", fake.addr());
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connects");
    socket
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::Away,
            reason: "".into(),
        })))
        .await
        .expect("close sent");
    let reply = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer to the close");
    match reply {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Away),
        other => panic!("expected the close echoed, got {other:?}"),
    }
    // Then the server ends the connection.
    let end = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("the connection ends");
    assert!(
        matches!(end, None | Some(Err(WsError::ConnectionClosed))),
        "{end:?}"
    );
    fake.shutdown().await;
}

/// Whether `ours` has the keys it shares with `theirs` in the same order,
/// at every depth (fields one side lacks are left out of the comparison).
fn same_order(ours: &OrderedJson, theirs: &OrderedJson, at: &str) -> Result<(), String> {
    match (ours, theirs) {
        (OrderedJson::Object(mine), OrderedJson::Object(_)) => {
            let shared: Vec<&str> = keys(ours)
                .into_iter()
                .filter(|k| theirs.get(k).is_some())
                .collect();
            let expected: Vec<&str> = keys(theirs)
                .into_iter()
                .filter(|k| ours.get(k).is_some())
                .collect();
            if shared != expected {
                return Err(format!("{at}: {shared:?}, Asterisk: {expected:?}"));
            }
            for (key, value) in mine {
                if let Some(other) = theirs.get(key) {
                    same_order(value, other, &format!("{at}.{key}"))?;
                }
            }
            Ok(())
        }
        (OrderedJson::Array(mine), OrderedJson::Array(other)) => mine
            .iter()
            .zip(other)
            .try_for_each(|(a, b)| same_order(a, b, &format!("{at}[]"))),
        _ => Ok(()),
    }
}

/// Every event frame of the captures of real Asterisk 20 traffic, by
/// type, with its key order (read from the shared folder, never copied).
fn captured_events() -> BTreeMap<String, Vec<OrderedJson>> {
    let dir = captures::captures_dir();
    let mut by_type: BTreeMap<String, Vec<OrderedJson>> = BTreeMap::new();
    let files = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("captures in {}: {err}", dir.display()));
    for path in files.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("capture readable");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let record = ordered(line);
            if record.get("kind") != Some(&OrderedJson::String("event".into())) {
                continue;
            }
            if let Some(data) = record.get("data") {
                if let Some(OrderedJson::String(kind)) = data.get("type") {
                    by_type.entry(kind.clone()).or_default().push(data.clone());
                }
            }
        }
    }
    by_type
}

// Item 19: event frames have Asterisk's key order, nested objects too.
#[tokio::test]
async fn event_frames_keep_asterisks_key_order() {
    let fake = fake().await;
    let http = Http::new(&fake);
    let events = Events::connect(&fake, "app", true).await;
    let call = fake.dial("100").expect("call");
    let id = call.channel_id().to_string();
    events.wait_type("StasisStart", &id).await;
    let r = http
        .post(&format!("/ari/channels/{id}/play?media=sound:hello-world"))
        .await;
    assert_eq!(r.status, 201);
    events.wait_type("PlaybackFinished", "").await;
    assert_eq!(
        http.post("/ari/asterisk/variable?variable=G&value=1")
            .await
            .status,
        204
    );
    call.hangup();
    events.wait_type("ChannelDestroyed", &id).await;

    let frames: Vec<OrderedJson> = events.texts().iter().map(|t| ordered(t)).collect();
    // Read plainly, on the frames the fake sent.
    let find = |kind: &str| {
        frames
            .iter()
            .find(|f| f.get("type") == Some(&OrderedJson::String(kind.into())))
            .unwrap_or_else(|| panic!("no {kind} in {:?}", events.types()))
    };
    let start = find("StasisStart");
    assert_eq!(
        keys(start),
        [
            "type",
            "timestamp",
            "args",
            "channel",
            "asterisk_id",
            "application"
        ]
    );
    // The whole channel is compared with Asterisk's below.
    let channel = start.get("channel").expect("channel");
    assert_eq!(keys(channel)[..3], ["id", "name", "state"]);
    assert_eq!(
        channel.get("dialplan").map(keys),
        Some(vec!["context", "exten", "priority", "app_name", "app_data"])
    );
    // Events built around a blob of their own fields start with them.
    assert_eq!(keys(find("ChannelHangupRequest"))[..2], ["cause", "type"]);
    assert_eq!(
        keys(find("ChannelVarset"))[..3],
        ["variable", "value", "type"]
    );
    for frame in &frames {
        let names = keys(frame);
        if frame.get("type") != Some(&OrderedJson::String("DeviceStateChanged".into())) {
            assert_eq!(
                names[names.len() - 2..],
                ["asterisk_id", "application"],
                "{}",
                frame.to_json_string()
            );
        }
    }

    // And against real Asterisk 20 frames of the same types.
    let captured = captured_events();
    let mut compared = BTreeSet::new();
    for frame in &frames {
        let Some(OrderedJson::String(kind)) = frame.get("type") else {
            panic!("a frame without a type: {}", frame.to_json_string());
        };
        for real in captured.get(kind).into_iter().flatten() {
            if let Err(diff) = same_order(frame, real, kind) {
                panic!(
                    "{diff}\nfake:     {}\nAsterisk: {}",
                    frame.to_json_string(),
                    real.to_json_string()
                );
            }
            compared.insert(kind.clone());
        }
    }
    for kind in [
        "ChannelCreated",
        "ChannelDialplan",
        "ChannelStateChange",
        "StasisStart",
        "PlaybackStarted",
        "PlaybackFinished",
        "ChannelVarset",
        "ChannelHangupRequest",
        "StasisEnd",
        "ChannelDestroyed",
    ] {
        assert!(compared.contains(kind), "{kind} not compared: {compared:?}");
    }
    fake.shutdown().await;
}

// Item 19, for REST: bodies follow Asterisk's order where it is cheap.
#[tokio::test]
async fn rest_bodies_keep_asterisks_key_order() {
    let fake = fake().await;
    let http = Http::new(&fake);
    let _events = Events::connect(&fake, "app", false).await;
    let r = http
        .post("/ari/channels?endpoint=Local/100@default&app=app&channelId=ord1")
        .await;
    assert_eq!(r.status, 200);
    let body = ordered(&body_text(&r));
    assert_eq!(keys(&body)[..4], ["id", "name", "state", "protocol_id"]);
    let info = ordered(&body_text(&http.get("/ari/asterisk/info").await));
    assert_eq!(keys(&info), ["build", "system", "config", "status"]);
    assert_eq!(
        info.get("status").map(keys),
        Some(vec!["startup_time", "last_reload_time"])
    );
    let app = ordered(&body_text(&http.get("/ari/applications/app").await));
    assert_eq!(keys(&app)[..3], ["name", "channel_ids", "bridge_ids"]);
    let ping = ordered(&body_text(&http.get("/ari/asterisk/ping").await));
    assert_eq!(keys(&ping), ["ping", "timestamp", "asterisk_id"]);
    fake.shutdown().await;
}

// Item 20: a 204 carries `Content-Length: 0`, as `ast_http_send` writes it.
#[tokio::test]
async fn no_content_says_its_length() {
    let fake = fake().await;
    let http = Http::new(&fake);
    let r = http.post("/ari/asterisk/variable?variable=X&value=1").await;
    assert_eq!((r.status, r.reason.as_str()), (204, "No Content"));
    assert_eq!(r.header("content-length"), Some("0"));
    assert_eq!(r.header("content-type"), None);
    assert!(r.body.is_empty());
    fake.shutdown().await;
}

// Item 20: the websocket upgrade's errors are Asterisk's HTML pages.
#[tokio::test]
async fn upgrade_errors_are_html_pages() {
    let fake = fake().await;
    let http = Http::new(&fake);
    // No `app`: res_ari's check before the upgrade.
    let r = http
        .request_with("GET", "/ari/events", &upgrade_headers(&[]))
        .await;
    assert_eq!((r.status, r.reason.as_str()), (400, "Bad Request"));
    assert_eq!(r.header("content-type"), Some("text/html"));
    let page = body_text(&r);
    assert!(page.contains("<title>400 Bad Request</title>"), "{page}");
    assert!(
        page.contains("<p>HTTP request is missing param: [app]</p>"),
        "{page}"
    );
    assert!(
        page.contains("<address>Asterisk/20.20.1</address>"),
        "{page}"
    );
    assert_eq!(
        r.header("content-length"),
        Some(page.len().to_string().as_str())
    );
    // No `Upgrade` header: checked first, `app` or not.
    for target in ["/ari/events?app=app", "/ari/events"] {
        let r = http.get(target).await;
        assert_eq!(
            (r.status, r.reason.as_str()),
            (426, "Upgrade Required"),
            "{target}"
        );
        assert_eq!(r.header("content-type"), Some("text/html"), "{target}");
        let page = body_text(&r);
        assert!(
            page.contains("<h1>Upgrade Required</h1>\r\n<p></p>"),
            "{page}"
        );
    }
    // Outside `/ari`, Asterisk's HTTP server answers with its own page.
    let r = http.get("/nothing").await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (404, Some("text/html"))
    );
    assert!(body_text(&r).contains("The requested URL was not found on this server."));
    // Wrong credentials stay ARI's JSON 401, upgrade or not.
    let mut stranger = http.clone();
    stranger.auth = Some(("u".into(), "no".into()));
    let r = stranger
        .request_with("GET", "/ari/events?app=app", &upgrade_headers(&[]))
        .await;
    assert_eq!(
        (r.status, r.json()),
        (401, json!({"message": "Authentication required"}))
    );
    fake.shutdown().await;
}

// Item 20: `OPTIONS` is answered (`handle_options`), with CORS for an
// allowed origin (`allowed_origins`).
#[tokio::test]
async fn options_lists_the_methods_and_cors() {
    let fake = fake().await;
    let http = Http::new(&fake);
    for (target, allow) in [
        ("/ari/channels", "OPTIONS,GET,POST"),
        ("/ari/channels/x", "OPTIONS,GET,POST,DELETE"),
        ("/ari/events", "OPTIONS,GET"),
        ("/ari/events/user", "OPTIONS"),
    ] {
        let r = http.request("OPTIONS", target, None).await;
        assert_eq!(
            (r.status, r.reason.as_str()),
            (204, "No Content"),
            "{target}"
        );
        assert_eq!(r.header("allow"), Some(allow), "{target}");
        assert_eq!(r.header("content-length"), Some("0"), "{target}");
        assert_eq!(r.header("content-type"), None, "{target}");
        assert!(r.body.is_empty(), "{target}");
        assert_eq!(r.header("access-control-allow-origin"), None, "{target}");
    }
    assert_eq!(
        http.request("OPTIONS", "/ari/nothing", None).await.status,
        404
    );
    // A 405 lists the methods the same way.
    let r = http.request("PATCH", "/ari/channels", None).await;
    assert_eq!(
        (r.status, r.header("allow")),
        (405, Some("OPTIONS,GET,POST"))
    );
    let r = http.post("/ari/events").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("OPTIONS,GET")));

    // A preflight from an allowed origin.
    let preflight = [
        ("Origin", "http://ok.example"),
        ("Access-Control-Request-Method", "DELETE"),
        ("Access-Control-Request-Headers", "authorization"),
    ];
    let r = http
        .request_with("OPTIONS", "/ari/channels/x", &preflight)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://ok.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("OPTIONS,GET,POST,DELETE")
    );
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("authorization")
    );
    // Asking for a method the resource lacks: no preflight answer.
    let r = http
        .request_with(
            "OPTIONS",
            "/ari/channels",
            &[
                ("Origin", "http://ok.example"),
                ("Access-Control-Request-Method", "DELETE"),
            ],
        )
        .await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://ok.example")
    );
    assert_eq!(r.header("access-control-allow-methods"), None);
    // Another origin gets no CORS headers at all.
    let r = http
        .request_with(
            "OPTIONS",
            "/ari/channels/x",
            &[
                ("Origin", "http://other.example"),
                ("Access-Control-Request-Method", "DELETE"),
            ],
        )
        .await;
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("access-control-allow-methods"), None);
    // Every ARI answer to an allowed origin carries them, errors included.
    let r = http
        .request_with(
            "GET",
            "/ari/channels/none",
            &[("Origin", "http://ok.example")],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://ok.example")
    );
    // Authentication comes first, for OPTIONS too.
    let mut stranger = http.clone();
    stranger.auth = None;
    assert_eq!(
        stranger
            .request("OPTIONS", "/ari/channels", None)
            .await
            .status,
        401
    );
    fake.shutdown().await;
}
