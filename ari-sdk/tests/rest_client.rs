//! End-to-end REST tests of a generated module against a loopback server:
//! what goes on the wire, and what comes back.

#![cfg(feature = "asterisk-20")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ari_sdk::v20::{channels, Ari};
use ari_sdk::{Client, Config, Error, HttpErrorKind};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// The raw request target: encoded path and query.
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    fn query(&self) -> Vec<(String, String)> {
        let Some((_, query)) = self.target.split_once('?') else {
            return Vec::new();
        };
        query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let decode = |s: &str| {
                    percent_decode_str(&s.replace('+', " "))
                        .decode_utf8()
                        .unwrap()
                        .into_owned()
                };
                (decode(k), decode(v))
            })
            .collect()
    }

    fn query_value(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A canned answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    delay: Option<Duration>,
    /// No `Content-Length`: the body ends when the connection closes.
    until_close: bool,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            delay: None,
            until_close: false,
        }
    }

    fn empty() -> Reply {
        Reply::empty_with(204)
    }

    fn empty_with(status: u16) -> Reply {
        Reply {
            status,
            content_type: "",
            body: Vec::new(),
            delay: None,
            until_close: false,
        }
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A tiny HTTP/1.1 server on 127.0.0.1:0: records every request and answers
/// with `handler`.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/ari", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let handler = handler.clone();
                let record = record.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, handler, record).await;
                });
            }
        });
        Server { url, seen }
    }

    fn ari(&self) -> Ari {
        let config = Config::builder()
            .url(&self.url)
            .username("asterisk")
            .password("s3cret")
            .request_timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        Ari::new(Client::new(config).unwrap())
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn last(&self) -> Seen {
        self.requests().pop().expect("a request")
    }
}

async fn serve(
    mut socket: TcpStream,
    handler: Handler,
    record: Arc<Mutex<Vec<Seen>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let header_end = loop {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_string();
    let target = request_line.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let seen = Seen {
        method,
        target,
        headers,
        body,
    };
    record.lock().unwrap().push(seen.clone());
    let reply = handler(&seen);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
    if !reply.until_close {
        response.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    if !reply.content_type.is_empty() {
        response.push_str(&format!("Content-Type: {}\r\n", reply.content_type));
    }
    response.push_str("\r\n");
    socket.write_all(response.as_bytes()).await?;
    socket.write_all(&reply.body).await?;
    socket.shutdown().await
}

fn channel_json(id: &str) -> Value {
    json!({
        "id": id, "name": "Local/wait@test-00000000;1", "state": "Down", "protocol_id": "",
        "caller": {"name": "", "number": ""}, "connected": {"name": "", "number": ""},
        "accountcode": "",
        "dialplan": {"context": "test", "exten": "wait", "priority": 1, "app_name": "", "app_data": ""},
        "creationtime": "2026-11-22T18:02:24.382+0000", "language": "en",
        "a_field_from_the_future": {"nested": true}
    })
}

#[tokio::test]
async fn originate_sends_required_and_optional_parameters() {
    let server = Server::start(|_| Reply::json(200, channel_json("cap-orig-1"))).await;
    let ari = server.ari();
    let channel = ari
        .channels()
        .originate("Local/wait@test")
        .app("capture-app")
        .app_args("arg1,arg 2,x=y")
        .caller_id("Capture Test <5551000>")
        .timeout(30)
        .channel_id("cap-orig-1")
        .variables([("CAPVAR", "hello"), ("CALLERID(name)", "Var Name")])
        .send()
        .await
        .unwrap();
    assert_eq!(channel.id, "cap-orig-1");
    assert_eq!(channel.state, ari_sdk::v20::ChannelState::Down);
    assert_eq!(
        channel.creationtime.as_datetime().timestamp_millis(),
        1_795_370_544_382
    );

    let seen = server.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path(), "/ari/channels");
    assert_eq!(
        seen.query(),
        [
            ("endpoint", "Local/wait@test"),
            ("app", "capture-app"),
            ("appArgs", "arg1,arg 2,x=y"),
            ("callerId", "Capture Test <5551000>"),
            ("timeout", "30"),
            ("channelId", "cap-orig-1"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(
        seen.json_body(),
        json!({"variables": {"CAPVAR": "hello", "CALLERID(name)": "Var Name"}})
    );
    assert_eq!(seen.header("content-type"), Some("application/json"));
    // base64("asterisk:s3cret"); never an api_key in the query.
    assert_eq!(
        seen.header("authorization"),
        Some("Basic YXN0ZXJpc2s6czNjcmV0")
    );
    assert!(!seen.target.contains("api_key"));
}

#[tokio::test]
async fn play_sends_multiple_media_comma_separated() {
    let server = Server::start(|_| {
        Reply::json(
            201,
            json!({"id": "cap-multi-pb", "media_uri": "sound:hello-world", "next_media_uri": "digits:12",
                   "target_uri": "channel:cap-multi-1", "language": "en", "state": "queued"}),
        )
    })
    .await;
    let playback = server
        .ari()
        .channels()
        .play(
            "cap-multi-1",
            ["sound:hello-world", "digits:12", "number:7"],
        )
        .playback_id("cap-multi-pb")
        .await
        .unwrap();
    assert_eq!(playback.id, "cap-multi-pb");
    assert_eq!(playback.state, ari_sdk::v20::PlaybackState::Queued);
    let seen = server.last();
    assert_eq!(seen.path(), "/ari/channels/cap-multi-1/play");
    assert_eq!(
        seen.query_value("media").as_deref(),
        Some("sound:hello-world,digits:12,number:7")
    );
    assert_eq!(
        seen.query_value("playbackId").as_deref(),
        Some("cap-multi-pb")
    );
    assert!(seen.body.is_empty());
}

#[tokio::test]
async fn set_channel_var_is_void_and_encodes_the_value() {
    let server = Server::start(|_| Reply::empty()).await;
    // `void`: the future's output is `()` (the type says so; a value has
    // nothing to check).
    server
        .ari()
        .channels()
        .set_channel_var("cap-var-1", "MYVAR")
        .value("value with spaces & symbols=/")
        .await
        .unwrap();
    let seen = server.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path(), "/ari/channels/cap-var-1/variable");
    assert_eq!(seen.query_value("variable").as_deref(), Some("MYVAR"));
    assert_eq!(
        seen.query_value("value").as_deref(),
        Some("value with spaces & symbols=/")
    );
}

#[tokio::test]
async fn user_event_sends_sources_and_variables_body() {
    let server = Server::start(|_| Reply::empty()).await;
    server
        .ari()
        .events()
        .user_event("my-event", "capture-app")
        .source(["channel:cap-1", "bridge:b-1"])
        .variables([
            ("key", json!("value")),
            ("call_state", json!({"value": "x", "report_events": true})),
        ])
        .await
        .unwrap();
    let seen = server.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path(), "/ari/events/user/my-event");
    assert_eq!(
        seen.query_value("application").as_deref(),
        Some("capture-app")
    );
    assert_eq!(
        seen.query_value("source").as_deref(),
        Some("channel:cap-1,bridge:b-1")
    );
    assert_eq!(
        seen.json_body(),
        json!({"variables": {"key": "value", "call_state": {"value": "x", "report_events": true}}})
    );
}

#[tokio::test]
async fn enum_parameters_and_keyword_operations() {
    let server = Server::start(|_| Reply::empty()).await;
    let ari = server.ari();
    ari.channels()
        .hangup("c1")
        .reason(channels::Reason::NoAnswer)
        .await
        .unwrap();
    assert_eq!(server.last().method, "DELETE");
    assert_eq!(
        server.last().query_value("reason").as_deref(),
        Some("no_answer")
    );
    ari.channels()
        .r#move("c1", "other-app")
        .app_args("x")
        .await
        .unwrap();
    assert_eq!(server.last().path(), "/ari/channels/c1/move");
    assert_eq!(
        server.last().query_value("app").as_deref(),
        Some("other-app")
    );
}

#[tokio::test]
async fn hostile_ids_stay_in_their_path_segment() {
    let server = Server::start(|seen| Reply::json(200, channel_json(seen.path()))).await;
    let ari = server.ari();
    for id in [
        "../asterisk/modules",
        "a/b?c#d",
        "%2e%2e",
        "..%2f..",
        "x y",
        "ü/€",
        "?",
        "#",
    ] {
        ari.channels().get(id).await.unwrap();
        let seen = server.last();
        assert_eq!(seen.method, "GET");
        assert!(
            !seen.target.contains('?'),
            "{id}: query leaked: {}",
            seen.target
        );
        let segments: Vec<&str> = seen.path().split('/').collect();
        assert_eq!(segments.len(), 4, "{id}: {}", seen.path());
        assert_eq!(&segments[..3], ["", "ari", "channels"]);
        assert_eq!(
            percent_decode_str(segments[3]).decode_utf8().unwrap(),
            id,
            "{id}: sent as {}",
            segments[3]
        );
    }
    let before = server.requests().len();
    for id in ["..", ".", ""] {
        let err = ari.channels().get(id).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    parameter: "channelId",
                    ..
                }
            ),
            "{id:?}: {err}"
        );
    }
    assert_eq!(
        server.requests().len(),
        before,
        "nothing is sent for a dot segment"
    );
}

#[tokio::test]
async fn error_statuses_carry_the_documented_reason_and_asterisks_message() {
    let server = Server::start(|seen| match seen.path() {
        "/ari/channels/gone" => Reply::json(404, json!({"message": "Channel not found"})),
        "/ari/channels/outside/answer" => {
            Reply::json(409, json!({"message": "Channel not in Stasis application"}))
        }
        // What Asterisk 22 answers for a bridge without music on hold; the
        // api-docs document 409 only as "not in Stasis".
        "/ari/bridges/quiet/moh" => {
            Reply::json(409, json!({"message": "Bridge isn't playing music"}))
        }
        // A 409 without a word: the one documented meaning stands.
        "/ari/channels/silent/answer" => Reply::empty_with(409),
        "/ari/channels/cap-owid-1" => Reply::json(
            409,
            json!({"message": "Channel with given unique ID already exists"}),
        ),
        // What Asterisk answers an originate to a technology it lacks.
        "/ari/channels" if seen.method == "POST" => {
            Reply::json(500, json!({"error": "Allocation failed"}))
        }
        _ => Reply {
            status: 502,
            content_type: "text/plain",
            body: b"bad gateway".to_vec(),
            delay: None,
            until_close: false,
        },
    })
    .await;
    let ari = server.ari();

    let err = ari.channels().hangup("gone").await.unwrap_err();
    assert!(err.is_not_found());
    match &err {
        Error::Http {
            status,
            operation,
            reason,
            kind,
            message,
            body,
        } => {
            assert_eq!(*status, 404);
            assert_eq!(*operation, "channels.hangup");
            assert_eq!(*reason, Some("Channel not found"));
            assert_eq!(*kind, HttpErrorKind::NotFound);
            assert_eq!(message.as_deref(), Some("Channel not found"));
            assert_eq!(body, r#"{"message":"Channel not found"}"#);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "channels.hangup: HTTP 404: Channel not found"
    );

    let err = ari.channels().answer("outside").await.unwrap_err();
    assert!(err.is_conflict());
    assert!(err.is_not_in_stasis());
    assert_eq!(err.http_kind(), Some(HttpErrorKind::NotInStasis));

    let err = ari.bridges().stop_moh("quiet").await.unwrap_err();
    assert!(err.is_conflict());
    assert!(!err.is_not_in_stasis(), "{err}");
    assert_eq!(err.http_kind(), Some(HttpErrorKind::Conflict));
    assert_eq!(
        err.to_string(),
        "bridges.stopMoh: HTTP 409: Bridge isn't playing music"
    );

    let err = ari.channels().answer("silent").await.unwrap_err();
    assert!(err.is_not_in_stasis());
    assert!(
        err.to_string().starts_with("channels.answer: HTTP 409 ("),
        "{err}"
    );

    let err = ari
        .channels()
        .originate_with_id("cap-owid-1", "Local/wait@test")
        .await
        .unwrap_err();
    assert_eq!(err.http_kind(), Some(HttpErrorKind::Conflict));
    assert!(!err.is_not_in_stasis());
    assert_eq!(
        err.message(),
        Some("Channel with given unique ID already exists")
    );

    // `error` instead of `message`.
    let err = ari.channels().originate("Foo/bar").await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.message(), Some("Allocation failed"));
    assert!(err.to_string().ends_with(": Allocation failed"), "{err}");

    // An undocumented status, a body that is not JSON: its start is the
    // message.
    let err = ari.channels().list().await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.http_kind(), Some(HttpErrorKind::ServerError));
    assert_eq!(err.message(), Some("bad gateway"));
    assert_eq!(err.body(), Some("bad gateway"));
    assert_eq!(err.to_string(), "channels.list: HTTP 502: bad gateway");
}

#[tokio::test]
async fn binary_responses_are_bytes() {
    let wav: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let payload = wav.clone();
    let server = Server::start(move |_| Reply {
        status: 200,
        content_type: "audio/wav",
        body: payload.clone(),
        delay: None,
        until_close: false,
    })
    .await;
    let bytes = server
        .ari()
        .recordings()
        .get_stored_file("greeting")
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), wav.as_slice());
    assert_eq!(server.last().path(), "/ari/recordings/stored/greeting/file");
}

#[tokio::test]
async fn an_undecodable_body_is_a_decode_error_that_keeps_it() {
    let server = Server::start(|_| Reply {
        status: 200,
        content_type: "application/json",
        body: br#"{"id": 42}"#.to_vec(),
        delay: None,
        until_close: false,
    })
    .await;
    let err = server.ari().channels().get("c1").await.unwrap_err();
    match &err {
        Error::Decode {
            operation, body, ..
        } => {
            assert_eq!(*operation, "channels.get");
            assert_eq!(body, r#"{"id": 42}"#);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with("channels.get: cannot decode the response body: "));
}

#[tokio::test]
async fn transport_errors_and_timeouts_are_typed() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/ari", listener.local_addr().unwrap());
    drop(listener);
    let ari = Ari::new(Client::new(Config::builder().url(url).build().unwrap()).unwrap());
    let err = ari.channels().list().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                operation: "channels.list",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .starts_with("channels.list: transport error: "));

    let server = Server::start(|_| Reply {
        delay: Some(Duration::from_secs(3)),
        until_close: false,
        ..Reply::empty()
    })
    .await;
    let config = Config::builder()
        .url(&server.url)
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let ari = Ari::new(Client::new(config).unwrap());
    let err = ari.channels().answer("c1").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "channels.answer"
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "channels.answer: timed out");
}

#[tokio::test]
async fn connect_checks_the_servers_major() {
    let version = Arc::new(Mutex::new("21.3.0"));
    let served = version.clone();
    let server = Server::start(move |seen| {
        assert_eq!(seen.path(), "/ari/asterisk/info");
        assert_eq!(seen.query_value("only").as_deref(), Some("system"));
        Reply::json(
            200,
            json!({"system": {"version": *served.lock().unwrap(), "entity_id": "x"}}),
        )
    })
    .await;
    let config = || Config::builder().url(&server.url).build().unwrap();
    let err = Ari::connect(config()).await.unwrap_err();
    assert!(
        matches!(&err, Error::VersionMismatch { expected: 20, found } if found == "21.3.0"),
        "{err:?}"
    );
    *version.lock().unwrap() = "20.20.1";
    let ari = Ari::connect(config()).await.unwrap();
    assert_eq!(ari.config().url(), server.url);
    let unchecked = Config::builder()
        .url("http://127.0.0.1:9/ari")
        .version_check(false)
        .build()
        .unwrap();
    assert!(
        Ari::connect(unchecked).await.is_ok(),
        "no request without the check"
    );
}

#[tokio::test]
async fn claim_channel_is_in_v20() {
    let server = Server::start(|_| Reply::empty()).await;
    server
        .ari()
        .events()
        .claim_channel("cap-bc-1", "capture-app")
        .await
        .unwrap();
    let seen = server.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path(), "/ari/events/claim");
    assert_eq!(seen.query_value("channelId").as_deref(), Some("cap-bc-1"));
    assert_eq!(
        seen.query_value("application").as_deref(),
        Some("capture-app")
    );
}

#[tokio::test]
async fn body_parameters_fields_and_a_whole_body() {
    let server = Server::start(|seen| match seen.path() {
        "/ari/asterisk/config/dynamic/res_pjsip/endpoint/alice" => {
            Reply::json(200, json!([{"attribute": "allow", "value": "ulaw"}]))
        }
        _ => Reply::json(
            200,
            json!({"name": "app", "channel_ids": [], "bridge_ids": [], "endpoint_ids": [],
                   "device_names": [], "events_allowed": [{"type": "StasisStart"}], "events_disallowed": []}),
        ),
    })
    .await;
    let ari = server.ari();
    let tuples = ari
        .asterisk()
        .update_object("res_pjsip", "endpoint", "alice")
        .fields([ari_sdk::v20::ConfigTuple {
            attribute: "allow".into(),
            value: "ulaw".into(),
        }])
        .await
        .unwrap();
    assert_eq!(tuples[0].value, "ulaw");
    let seen = server.last();
    assert_eq!(seen.method, "PUT");
    assert_eq!(
        seen.json_body(),
        json!({"fields": [{"attribute": "allow", "value": "ulaw"}]})
    );

    let filter = json!({"allowed": [{"type": "StasisStart"}]});
    let app = ari
        .applications()
        .filter("app")
        .filter(filter.clone())
        .await
        .unwrap();
    assert_eq!(app.name, "app");
    let seen = server.last();
    assert_eq!(seen.path(), "/ari/applications/app/eventFilter");
    // `object` body parameters are the whole body.
    assert_eq!(seen.json_body(), filter);
}

#[tokio::test]
async fn a_config_without_applications_serves_rest_but_no_event_stream() {
    // REST alone needs no Stasis application; the event stream does, and
    // says so before connecting instead of retrying Asterisk's 400 forever.
    let config = Config::builder()
        .url("http://127.0.0.1:9/ari")
        .build()
        .unwrap();
    let ari = Ari::new(Client::new(config).unwrap());
    for error in [
        ari.event_stream().map(drop).unwrap_err(),
        ari.stasis_app().map(drop).unwrap_err(),
    ] {
        assert!(
            matches!(error, ari_sdk::stream::StreamError::InvalidSettings(_)),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("no Stasis application"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn credentials_in_the_url_are_sent_once_and_never_shown() {
    let server = Server::start(|_| Reply::json(200, json!([]))).await;
    let url = server.url.replace("http://", "http://asterisk:hunter2@");
    let config = Config::builder().url(url).build().unwrap();
    let ari = Ari::new(Client::new(config).unwrap());
    ari.channels().list().await.unwrap();
    let request = server.last();
    let authorizations: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.as_str())
        .collect();
    // base64("asterisk:hunter2")
    assert_eq!(authorizations, ["Basic YXN0ZXJpc2s6aHVudGVyMg=="]);
    for shown in [
        format!("{ari:?}"),
        format!("{:?}", ari.config()),
        ari.config().url().to_owned(),
    ] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[tokio::test]
async fn response_bodies_are_read_up_to_the_limit_and_errors_keep_an_excerpt() {
    let big_list = |until_close| {
        move |_: &Seen| Reply {
            status: 200,
            content_type: "application/json",
            body: json!([{ "pad": "x".repeat(8 * 1024) }])
                .to_string()
                .into_bytes(),
            delay: None,
            until_close,
        }
    };
    // Announced too large, or found too large while reading: either way
    // the request fails, typed, and the body is not kept.
    for until_close in [false, true] {
        let server = Server::start(big_list(until_close)).await;
        let config = Config::builder()
            .url(&server.url)
            .max_response_size(4 * 1024)
            .build()
            .unwrap();
        let ari = Ari::new(Client::new(config).unwrap());
        let error = ari.channels().list().await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::ResponseTooLarge {
                    operation: "channels.list",
                    status: 200,
                    limit: 4096,
                }
            ),
            "until_close {until_close}: {error:?}"
        );
    }
    // Within the (default) limit, the same body is read whole; it is no list
    // of channels, so the decode error keeps it.
    let server = Server::start(big_list(true)).await;
    let error = server.ari().channels().list().await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(error.body().unwrap().len() > 8 * 1024);

    // An error page of 1 MiB: the error keeps 64 KiB of it, and one line.
    let server = Server::start(|_| Reply {
        status: 500,
        content_type: "text/plain",
        body: "overload ".repeat(120 * 1024).into_bytes(),
        delay: None,
        until_close: true,
    })
    .await;
    let error = server.ari().channels().list().await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.body().map(str::len), Some(64 * 1024));
    let message = error.message().unwrap();
    assert!(message.starts_with("overload overload"), "{message}");
    assert!(message.chars().count() <= 203, "{message}");
}

#[tokio::test]
async fn a_url_too_long_to_send_is_an_invalid_argument() {
    let server = Server::start(|_| Reply::json(200, channel_json("c"))).await;
    let huge = "X".repeat(70_000);
    let error = server
        .ari()
        .channels()
        .originate(format!("PJSIP/{huge}"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidArgument {
                operation: "channels.originate",
                parameter: "endpoint",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().len() < 200, "{error}");
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn corrected_api_docs_mute_needs_a_direction_and_paused_is_a_state() {
    // Asterisk answers a mute without a direction with 400 "Direction is
    // required" (the api-docs claim a default): it is an argument.
    let server = Server::start(|_| Reply::empty()).await;
    server
        .ari()
        .channels()
        .mute("c1", channels::MuteDirection::In)
        .await
        .unwrap();
    assert_eq!(
        server.last().query_value("direction").as_deref(),
        Some("in")
    );

    // A paused playback reports `paused`, which the api-docs do not list.
    let playback: ari_sdk::v20::Playback = serde_json::from_value(json!({
        "id": "p1",
        "media_uri": "sound:hello-world",
        "target_uri": "channel:c1",
        "language": "en",
        "state": "paused"
    }))
    .unwrap();
    assert_eq!(playback.state, ari_sdk::v20::PlaybackState::Paused);
}
