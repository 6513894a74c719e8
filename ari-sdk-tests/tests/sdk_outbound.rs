//! Outbound websockets (issue 12): the fake dials an `OutboundServer` as
//! Asterisk does for `ari.conf`'s `outbound_websocket` sections and
//! chan_websocket's `connection_type=client`: persistent and per-call
//! sessions serving calls with REST over the accepted socket, a dropped
//! and re-dialled connection losing nothing, TLS, refused credentials,
//! and a media connection carrying frames.

mod sdk_support;

use std::sync::Arc;
use std::time::Duration;

use ari_sdk::media::{MediaCommand, MediaEvent, MediaItem};
use ari_sdk::outbound::{
    OutboundError, OutboundServer, OutboundSettings, PerCallSession, PerCallSessions,
};
use ari_sdk::stream::{StreamError, StreamItem, Subscription};
use ari_sdk::v20::channels::{ConnectionType as MediaConnection, Encapsulation, Transport};
use ari_sdk::v20::{Ari, Call, Event, StasisApp};
use fake_asterisk::{ConnectionType, FakeAsterisk, OutboundWebsocket, Step, WebsocketClient};
use futures::StreamExt as _;
use sdk_support::{next, WAIT};

const APP: &str = "hello";
const USER: &str = "asterisk";
const SECRET: &str = "outb0und-secret";

/// A fake that dials `uri` for application `hello` (extension 100 enters
/// `Stasis(hello)`), with these connection settings.
async fn fake_dialling(client: WebsocketClient) -> FakeAsterisk {
    FakeAsterisk::builder()
        .time_scale(0.02)
        .per_call_close_delay(Duration::from_millis(50))
        .websocket_client(client)
        .outbound_websocket(OutboundWebsocket::new("hello_out", "ari_app", &[APP]))
        .extension("default", "100", vec![Step::stasis(APP, &["outbound"])])
        .build()
        .start()
        .await
        .expect("the fake starts")
}

/// A fake whose `websocket_client` `media_app` (`protocols = media`) dials
/// `uri`, for `externalMedia` with `connection_type=client`; the
/// application reaches it over HTTP (`sdk_support::connect`).
async fn fake_dialling_media(uri: &str) -> FakeAsterisk {
    FakeAsterisk::builder()
        .username("sdk")
        .password(sdk_support::PASSWORD)
        .time_scale(0.02)
        .websocket_client(
            WebsocketClient::new("media_app", uri, ConnectionType::PerCallConfig)
                .protocols("media"),
        )
        .build()
        .start()
        .await
        .expect("the fake starts")
}

fn client(uri: &str, kind: ConnectionType) -> WebsocketClient {
    WebsocketClient::new("ari_app", uri, kind)
        .credentials(USER, SECRET)
        .reconnect_interval(Duration::from_millis(50))
}

async fn listen(settings: OutboundSettings) -> (OutboundServer, String) {
    let server = OutboundServer::bind("127.0.0.1:0", settings)
        .await
        .expect("binds");
    let uri = format!("ws://{}", server.local_addr());
    (server, uri)
}

fn authenticated() -> OutboundSettings {
    OutboundSettings::new().basic_auth(USER, SECRET)
}

/// A self-signed certificate for 127.0.0.1 (DER, for the fake to trust)
/// and a TLS server configuration serving it.
fn self_signed() -> (Vec<u8>, Arc<rustls::ServerConfig>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("a certificate");
    let cert_der = certified.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone().into()], key)
        .expect("a server config");
    (cert_der, Arc::new(tls))
}

/// A call dialled into a per-call session: the caller, the session, a
/// subscription to its events (taken before the call is read) and the call.
async fn per_call_session(
    fake: &FakeAsterisk,
    sessions: &mut PerCallSessions<Ari>,
) -> (
    fake_asterisk::Call,
    PerCallSession<Ari>,
    Subscription<Event>,
    Call,
) {
    let caller = fake.dial("100").expect("dials");
    let session = next(sessions).await;
    let items = session.app().event_stream().subscribe();
    let call = tokio::time::timeout(WAIT, session.call())
        .await
        .expect("in time")
        .expect("the call");
    (caller, session, items, call)
}

async fn registered(app: &StasisApp) {
    tokio::time::timeout(WAIT, app.registered())
        .await
        .expect("Asterisk dialled in time")
        .expect("registered");
}

/// Answers and hangs up a call over the session's websocket; checks the
/// fake saw the answer.
async fn serve(fake: &FakeAsterisk, call: &Call) {
    call.answer().await.expect("answered over the websocket");
    let state = fake
        .channel_features(call.id())
        .expect("the channel exists")
        .state;
    assert_eq!(state, "Up");
    call.hangup().await.expect("hung up over the websocket");
}

fn count(items: &[StreamItem<Event>], kind: &str) -> usize {
    items
        .iter()
        .filter(|item| {
            item.event().is_some_and(|event| {
                serde_json::to_value(&**event).is_ok_and(|v| v["type"] == kind)
            })
        })
        .count()
}

#[tokio::test]
async fn a_persistent_connection_serves_several_calls_with_rest_over_it() {
    let (server, uri) = listen(authenticated()).await;
    let app = server.persistent::<Ari>([APP]).expect("declared");
    let fake = fake_dialling(client(&uri, ConnectionType::Persistent)).await;
    registered(&app).await;
    assert!(app.ari().is_outbound());

    let mut calls = app.calls();
    let callers: Vec<_> = (0..3).map(|_| fake.dial("100").expect("dials")).collect();
    for _ in &callers {
        let call = next(&mut calls).await;
        assert_eq!(call.args(), ["outbound"]);
        serve(&fake, &call).await;
    }
    // A REST answer with a body, over the socket too.
    let info = app.ari().asterisk_version().await.expect("version");
    assert_eq!(info, fake.asterisk_version());
    // One connection carried it all; nothing went over HTTP.
    assert_eq!(fake.outbound_dials(), 1);
    let answers = fake
        .delivered_events()
        .iter()
        .filter(|e| e.application == APP && e.event["type"] == "StasisStart")
        .count();
    assert_eq!(answers, 3);
}

#[tokio::test]
async fn per_call_connections_are_one_session_per_call() {
    let (server, uri) = listen(authenticated()).await;
    let mut sessions = server.per_call::<Ari>(APP).expect("declared");
    let fake = fake_dialling(client(&uri, ConnectionType::PerCallConfig)).await;

    let first = fake.dial("100").expect("dials");
    let second = fake.dial("100").expect("dials");
    let mut names = Vec::new();
    for caller in [&first, &second] {
        let session: PerCallSession<Ari> = next(&mut sessions).await;
        let channel = fake
            .channel(caller.channel_id())
            .expect("the caller's channel");
        let name = channel["name"].as_str().expect("a name").to_owned();
        assert_eq!(session.application(), format!("{APP}:{name}"));
        assert_eq!(session.base_application(), APP);
        assert_eq!(session.channel_name(), name);
        let call = tokio::time::timeout(WAIT, session.call())
            .await
            .expect("the call in time")
            .expect("the session's call");
        assert_eq!(call.id(), caller.channel_id());
        serve(&fake, &call).await;
        // Asterisk closes the connection after the call: the stream ends
        // without an error.
        let mut items = session.app().event_stream().subscribe();
        let rest = tokio::time::timeout(WAIT, items.by_ref().collect::<Vec<_>>())
            .await
            .expect("the session ends");
        assert!(rest.iter().all(|item| item.error().is_none()), "{rest:?}");
        names.push(name);
    }
    assert_ne!(names[0], names[1]);
    assert_eq!(fake.outbound_dials(), 2);
}

#[tokio::test]
async fn a_redialled_persistent_connection_loses_nothing() {
    let (server, uri) = listen(authenticated()).await;
    let app = server.persistent::<Ari>([APP]).expect("declared");
    let mut items = app.event_stream().subscribe();
    let fake = fake_dialling(client(&uri, ConnectionType::Persistent)).await;
    registered(&app).await;
    let mut calls = app.calls();
    let before = fake.dial("100").expect("dials");
    let call = next(&mut calls).await;
    assert_eq!(call.id(), before.channel_id());

    // The connection drops and Asterisk cannot dial again for a while:
    // calls arriving meanwhile wait in its queue.
    fake.pause_outbound_dialing();
    fake.drop_websockets();
    let seen = sdk_support::read_until(&mut items, |item| {
        matches!(item, StreamItem::Disconnected { .. })
    })
    .await;
    assert_eq!(count(&seen, "StasisStart"), 1);
    let during: Vec<_> = (0..3).map(|_| fake.dial("100").expect("dials")).collect();
    fake.resume_outbound_dialing();

    let seen = sdk_support::read_until(&mut items, |item| {
        matches!(item, StreamItem::Reconnected { .. })
    })
    .await;
    // Nothing of the gap arrived before the reconnection.
    assert_eq!(count(&seen, "StasisStart"), 0);
    let mut served = 0;
    for caller in &during {
        let call = next(&mut calls).await;
        assert_eq!(call.id(), caller.channel_id());
        assert!(!call.is_recovered());
        serve(&fake, &call).await;
        served += 1;
    }
    assert_eq!(served, 3);
    // Every StasisStart the fake sent reached the application once.
    let sent = fake
        .delivered_events()
        .iter()
        .filter(|e| e.application == APP && e.event["type"] == "StasisStart")
        .count();
    assert_eq!(sent, 4);
    serve(&fake, &call).await;
    assert_eq!(fake.outbound_dials(), 2);
}

#[tokio::test]
async fn tls_with_a_self_signed_certificate() {
    let (cert_der, tls) = self_signed();
    let settings = authenticated().tls(tls);
    let server = OutboundServer::bind("127.0.0.1:0", settings)
        .await
        .expect("binds");
    let uri = format!("wss://{}", server.local_addr());
    let app = server.persistent::<Ari>([APP]).expect("declared");
    let fake = fake_dialling(client(&uri, ConnectionType::Persistent).trust(cert_der)).await;
    registered(&app).await;
    let mut calls = app.calls();
    let caller = fake.dial("100").expect("dials");
    let call = next(&mut calls).await;
    assert_eq!(call.id(), caller.channel_id());
    serve(&fake, &call).await;
}

#[tokio::test]
async fn a_plain_client_on_a_tls_listener_is_a_tls_error() {
    let (_, tls) = self_signed();
    let server = OutboundServer::bind("127.0.0.1:0", authenticated().tls(tls))
        .await
        .expect("binds");
    let mut rejections = server.rejections();
    let _app = server.persistent::<Ari>([APP]).expect("declared");
    let uri = format!("ws://{}", server.local_addr());
    let fake = fake_dialling(client(&uri, ConnectionType::Persistent)).await;
    let rejected = next(&mut rejections).await;
    assert!(matches!(rejected, OutboundError::Tls { .. }), "{rejected}");
    assert_eq!(fake.outbound_dials(), 0);
}

#[tokio::test]
async fn wrong_credentials_are_refused() {
    let (server, uri) = listen(authenticated()).await;
    let mut rejections = server.rejections();
    let app = server.persistent::<Ari>([APP]).expect("declared");
    let fake = fake_dialling(
        WebsocketClient::new("ari_app", &uri, ConnectionType::Persistent)
            .credentials(USER, "guessed")
            .reconnect_interval(Duration::from_millis(50)),
    )
    .await;
    // Every attempt is refused with 401, and reported.
    for _ in 0..2 {
        let rejected = next(&mut rejections).await;
        assert!(
            matches!(rejected, OutboundError::Unauthorized { .. }),
            "{rejected}"
        );
        assert!(!rejected.to_string().contains("guessed"));
    }
    assert_eq!(fake.outbound_dials(), 0);
    assert!(!matches!(
        app.event_stream().state(),
        ari_sdk::stream::ConnectionState::Connected
    ));
}

#[tokio::test]
async fn an_application_nothing_serves_is_refused() {
    let (server, uri) = listen(authenticated()).await;
    let mut rejections = server.rejections();
    let _other = server.persistent::<Ari>(["other"]).expect("declared");
    let _fake = fake_dialling(client(&uri, ConnectionType::Persistent)).await;
    match next(&mut rejections).await {
        OutboundError::UnknownApplication { application, .. } => assert_eq!(application, APP),
        other => panic!("unexpected {other}"),
    }
    assert!(matches!(
        server.persistent::<Ari>(["other"]),
        Err(OutboundError::AlreadyServed(name)) if name == "other"
    ));
}

#[tokio::test]
async fn a_per_call_connection_dropped_mid_call_is_redialled() {
    let (server, uri) = listen(authenticated()).await;
    let mut sessions = server.per_call::<Ari>(APP).expect("declared");
    let fake = fake_dialling(client(&uri, ConnectionType::PerCallConfig)).await;
    let (caller, _session, mut items, call) = per_call_session(&fake, &mut sessions).await;
    fake.drop_websockets();
    sdk_support::read_until(&mut items, |item| {
        matches!(item, StreamItem::Reconnected { .. })
    })
    .await;
    // The same session goes on: REST over the new connection.
    serve(&fake, &call).await;
    assert_eq!(call.id(), caller.channel_id());
    assert_eq!(fake.outbound_dials(), 2);
}

#[tokio::test]
async fn a_per_call_connection_not_redialled_ends_with_an_error() {
    let settings = authenticated().redial_window(Duration::from_millis(200));
    let (server, uri) = listen(settings).await;
    let mut sessions = server.per_call::<Ari>(APP).expect("declared");
    let fake = fake_dialling(client(&uri, ConnectionType::PerCallConfig)).await;
    let (_caller, _session, mut items, _call) = per_call_session(&fake, &mut sessions).await;
    fake.pause_outbound_dialing();
    fake.drop_websockets();
    let seen = tokio::time::timeout(WAIT, items.by_ref().collect::<Vec<_>>())
        .await
        .expect("the session ends");
    let last = seen.last().and_then(StreamItem::error).expect("an error");
    assert!(
        matches!(**last, StreamError::OutboundDropped { .. }),
        "{last}"
    );
}

#[tokio::test]
async fn a_media_client_connection_carries_frames() {
    let (server, uri) = listen(OutboundSettings::new()).await;
    let media = server.media();
    let fake = fake_dialling_media(&uri).await;
    let (_, app) = sdk_support::connect(&fake).await;
    let (channel, mut audio) = app
        .external_media_dialed(&media, |ari, id| {
            ari.channels()
                .external_media(sdk_support::APP, "ulaw")
                .channel_id(id)
                .transport(Transport::Websocket)
                .encapsulation(Encapsulation::None)
                .connection_type(MediaConnection::Client)
                .external_host("media_app")
                .transport_data("f(json)")
                .into_request()
        })
        .await
        .expect("Asterisk dialled the media connection");
    assert_eq!(audio.start().channel_id, channel.id());
    assert_eq!(audio.start().connection_id, "media_app");
    assert_eq!(audio.start().optimal_frame_size, 160);

    let mut heard = 0;
    while heard < 5 {
        match tokio::time::timeout(WAIT, audio.next())
            .await
            .expect("audio")
        {
            Some(MediaItem::Audio(frame)) => {
                assert_eq!(frame.len(), 160);
                heard += 1;
            }
            Some(MediaItem::Event(_) | MediaItem::Lagged { .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    for _ in 0..10 {
        audio.send_audio(vec![0x7f_u8; 160]).await.expect("sent");
    }
    audio
        .command(MediaCommand::MarkMedia {
            correlation_id: Some("after-ten".into()),
        })
        .await
        .expect("marked");
    loop {
        match tokio::time::timeout(WAIT, audio.next())
            .await
            .expect("items")
        {
            Some(MediaItem::Event(MediaEvent::MarkProcessed { correlation_id }))
                if correlation_id.as_deref() == Some("after-ten") =>
            {
                break
            }
            Some(MediaItem::Ended(end)) => panic!("ended: {end:?}"),
            Some(_) => {}
            None => panic!("the media stream ended"),
        }
    }
    let record = fake.media_record(channel.id()).expect("a media channel");
    assert_eq!(record.frames_received, 10);
    assert_eq!(record.frames_played, 10);
    assert_eq!(fake.outbound_dials(), 1);
}

#[tokio::test]
async fn an_outbound_session_has_only_its_websocket() {
    let settings = authenticated().request_timeout(Duration::from_millis(300));
    let (server, _) = listen(settings).await;
    let app = server.persistent::<Ari>([APP]).expect("declared");
    // Before Asterisk dials, a request waits for the websocket, then fails
    // unsent.
    let waited = app.ari().channels().list().await.expect_err("no websocket");
    assert!(
        matches!(waited, ari_sdk::Error::RestWebsocketUnavailable { .. }),
        "{waited}"
    );
    // A recording's file cannot travel on the websocket, and there is no HTTP.
    let binary = app
        .ari()
        .recordings()
        .get_stored_file("greeting")
        .await
        .expect_err("no HTTP");
    assert!(
        matches!(binary, ari_sdk::Error::HttpUnavailable { .. }),
        "{binary}"
    );
    // Nor can it connect to Asterisk's `/media/<id>`: refused before the
    // channel is created.
    let refused = app
        .external_media(|ari, id| {
            ari.channels()
                .external_media(APP, "ulaw")
                .channel_id(id)
                .transport(Transport::Websocket)
                .encapsulation(Encapsulation::None)
                .connection_type(MediaConnection::Server)
                .into_request()
        })
        .await
        .expect_err("no HTTP address");
    assert!(
        matches!(refused, ari_sdk::media::MediaError::InvalidSettings(_)),
        "{refused}"
    );
}

#[tokio::test]
async fn a_call_lost_in_an_asterisk_restart_ends_as_vanished() {
    let (server, uri) = listen(authenticated()).await;
    let app = server.persistent::<Ari>([APP]).expect("declared");
    let mut items = app.event_stream().subscribe();
    let fake = fake_dialling(client(&uri, ConnectionType::Persistent)).await;
    registered(&app).await;
    let mut calls = app.calls();
    let _caller = fake.dial("100").expect("dials");
    let call = next(&mut calls).await;
    call.answer().await.expect("answered");

    // Asterisk restarts: the call is gone, nothing says so on the wire;
    // the connection Asterisk dials afterwards is a reconnection, whose
    // reconciliation (over that connection) ends the call's handle.
    fake.restart(Duration::from_millis(100))
        .await
        .expect("restarted");
    sdk_support::read_until(&mut items, |item| {
        matches!(item, StreamItem::Reconnected { .. })
    })
    .await;
    let ended = tokio::time::timeout(WAIT, call.ended())
        .await
        .expect("the call's end in time");
    assert_eq!(
        ended,
        ari_sdk::handles::HandleEnded::VanishedDuringReconnect
    );
    assert_eq!(fake.outbound_dials(), 2);
}

#[tokio::test]
async fn a_media_connection_nobody_takes_is_refused() {
    let (server, uri) = listen(OutboundSettings::new()).await;
    let mut rejections = server.rejections();
    let fake = fake_dialling_media(&uri).await;
    let (ari, _app) = sdk_support::connect(&fake).await;
    // Created without expecting its connection, and nothing takes others.
    let channel = ari
        .channels()
        .external_media(sdk_support::APP, "ulaw")
        .transport(Transport::Websocket)
        .encapsulation(Encapsulation::None)
        .connection_type(MediaConnection::Client)
        .external_host("media_app")
        .await
        .expect("created");
    match next(&mut rejections).await {
        OutboundError::MediaNotServed { channel_id, .. } => assert_eq!(channel_id, channel.id),
        other => panic!("unexpected {other}"),
    }
    // Its connection closed, the channel hangs up.
    fake.wait_for_event(WAIT, |delivered| {
        delivered.event["type"] == "ChannelDestroyed"
            && delivered.event["channel"]["id"] == channel.id
    })
    .await
    .expect("the channel is destroyed");
}
