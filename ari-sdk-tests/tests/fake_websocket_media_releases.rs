//! The fake's media websocket speaks the chan_websocket of the release it
//! reports: no websocket transport before 20.16.0 / 22.6.0, no
//! `channel_id` in plain-text events before 22.7.0, the JSON format and
//! `MARK_MEDIA` from 22.8.0, `SET_MEDIA_DIRECTION` from 22.9.0; a command
//! the release does not know is ignored, answered by nothing. Driven with
//! a raw websocket client, as another language's client would.

mod support;

use std::time::Duration;

use fake_asterisk::FakeAsterisk;
use futures::{SinkExt, StreamExt};
use support::{Events, Http};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

const PATIENCE: Duration = Duration::from_secs(10);

async fn fake_as(version: &str) -> (FakeAsterisk, Events, Http) {
    let fake = FakeAsterisk::builder()
        .version(version)
        .time_scale(0.02)
        .build()
        .start()
        .await
        .expect("the fake starts");
    let events = Events::connect(&fake, "bot", false).await;
    let http = Http::new(&fake);
    (fake, events, http)
}

/// POSTs an `externalMedia` with `transport=websocket` (and `extra`
/// query parameters); its status, connection id and channel id.
async fn external_media(http: &Http, extra: &str) -> (u16, Option<String>, String) {
    let response = http
        .post(&format!(
            "/ari/channels/externalMedia?app=bot&format=ulaw&transport=websocket\
             &encapsulation=none&connection_type=server{extra}"
        ))
        .await;
    let body = response.json();
    let id = body["channelvars"]["MEDIA_WEBSOCKET_CONNECTION_ID"]
        .as_str()
        .map(str::to_owned);
    let channel = body["id"].as_str().unwrap_or_default().to_owned();
    (response.status, id, channel)
}

async fn connect(fake: &FakeAsterisk, connection_id: &str) -> Socket {
    let url = format!("ws://{}/media/{connection_id}", fake.addr());
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the media websocket connects");
    socket
}

/// The next text message (audio skipped).
async fn next_text(socket: &mut Socket) -> String {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return text.to_string(),
                Some(Ok(_)) => {}
                other => panic!("the media websocket ended: {other:?}"),
            }
        }
    })
    .await
    .expect("a text message in time")
}

/// The next text message, as JSON.
async fn next_json(socket: &mut Socket) -> serde_json::Value {
    serde_json::from_str(&next_text(socket).await).expect("JSON")
}

async fn send(socket: &mut Socket, text: &str) {
    socket.send(Message::Text(text.into())).await.expect("sent");
}

#[tokio::test]
async fn before_chan_websocket_the_transport_is_not_implemented() {
    for version in ["22.5.2", "20.15.2", "21.10.2", "19.8.1"] {
        let (fake, _events, http) = fake_as(version).await;
        let (status, id, _) = external_media(&http, "").await;
        assert_eq!((status, id), (501, None), "{version}");
        fake.shutdown().await;
    }
}

#[tokio::test]
async fn the_first_release_has_plain_text_and_no_channel_id() {
    let (fake, _events, http) = fake_as("22.6.0").await;
    // f(json) and d(in) are options this release does not know: ignored.
    let (status, id, channel) = external_media(&http, "&transport_data=f(json)d(in)").await;
    assert_eq!(status, 200);
    let id = id.expect("a connection id");
    let mut socket = connect(&fake, &id).await;
    let start = next_text(&mut socket).await;
    assert!(start.starts_with("MEDIA_START connection_id:"), "{start}");
    assert!(!start.contains("channel_id:"), "{start}");

    // Commands this release does not take are ignored: no answer, no ERROR.
    for command in [
        "MARK_MEDIA m1",
        "PAUSE_MEDIA",
        "REPORT_QUEUE_DRAINED",
        r#"{"command":"SET_MEDIA_DIRECTION","direction":"in"}"#,
    ] {
        send(&mut socket, command).await;
    }
    send(&mut socket, "GET_STATUS").await;
    let status = next_text(&mut socket).await;
    assert!(status.starts_with("STATUS queue_length:0 "), "{status}");
    assert!(status.contains("media_paused:false"), "{status}");

    // DTMF_END without channel_id.
    http.post(&format!("/ari/channels/{channel}/dtmf?dtmf=5"))
        .await;
    assert_eq!(next_text(&mut socket).await, "DTMF_END digit:5");
    let record = fake.media_record(&channel).expect("a media channel");
    assert_eq!(
        record.commands,
        [
            "MARK_MEDIA",
            "PAUSE_MEDIA",
            "REPORT_QUEUE_DRAINED",
            // A JSON message is not a command in plain text.
            r#"{"command":"SET_MEDIA_DIRECTION","direction":"in"}"#,
            "GET_STATUS"
        ]
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn channel_ids_and_whole_commands_from_22_7_json_and_marks_from_22_8() {
    let (fake, _events, http) = fake_as("22.7.0").await;
    let (_, id, channel) = external_media(&http, "&transport_data=f(json)").await;
    let mut socket = connect(&fake, &id.expect("a connection id")).await;
    let start = next_text(&mut socket).await;
    // Still plain text, now with the channel's id.
    assert!(
        start.contains(&format!(" channel_id:{channel} ")),
        "{start}"
    );
    send(&mut socket, "PAUSE_MEDIA").await;
    send(&mut socket, "MARK_MEDIA m1").await;
    send(&mut socket, "GET_STATUS").await;
    let status = next_text(&mut socket).await;
    assert!(
        status.starts_with(&format!("STATUS channel_id:{channel} ")),
        "{status}"
    );
    assert!(status.contains("media_paused:true"), "{status}");
    fake.shutdown().await;

    let (fake, _events, http) = fake_as("22.8.0").await;
    let (_, id, _) = external_media(&http, "&transport_data=f(json)").await;
    let mut socket = connect(&fake, &id.expect("a connection id")).await;
    let start = next_json(&mut socket).await;
    assert_eq!(start["event"], "MEDIA_START");
    send(
        &mut socket,
        r#"{"command":"MARK_MEDIA","correlation_id":"m1"}"#,
    )
    .await;
    let mark = next_json(&mut socket).await;
    assert_eq!(
        (&mark["event"], &mark["correlation_id"]),
        (&"MEDIA_MARK_PROCESSED".into(), &"m1".into())
    );
    // No SET_MEDIA_DIRECTION yet: ignored, then STATUS answers.
    send(
        &mut socket,
        r#"{"command":"SET_MEDIA_DIRECTION","direction":"sideways"}"#,
    )
    .await;
    send(&mut socket, r#"{"command":"GET_STATUS"}"#).await;
    let status = next_json(&mut socket).await;
    assert_eq!(status["event"], "STATUS");
    fake.shutdown().await;

    // From 22.9.0 it is taken, and a bad direction is an ERROR.
    let (fake, _events, http) = fake_as("22.9.0").await;
    let (_, id, _) = external_media(&http, "&transport_data=f(json)").await;
    let mut socket = connect(&fake, &id.expect("a connection id")).await;
    next_text(&mut socket).await;
    send(
        &mut socket,
        r#"{"command":"SET_MEDIA_DIRECTION","direction":"sideways"}"#,
    )
    .await;
    let error = next_json(&mut socket).await;
    assert_eq!(error["event"], "ERROR");
    fake.shutdown().await;
}
