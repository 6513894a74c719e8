//! The `outbound_hello` example against the fake, which dials the
//! example's listener as Asterisk does: every caller is answered, hears
//! hello-world to the end, and is hung up by the application, with every
//! request on the websocket the fake opened, over one persistent
//! connection or one connection per call.

#[path = "../../ari-sdk/examples/outbound_hello/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use ari_sdk::outbound::OutboundServer;
use example::Mode;
use examples_support::{assert_greeted, start_fake, WAIT};

/// Two callers at once, in `mode`: each is answered, greeted to the end
/// and hung up by the application; the fake made `dials` connections.
async fn callers_are_served(mode: Mode, dials: u64) {
    let server = OutboundServer::bind("127.0.0.1:0", example::demo::settings())
        .await
        .expect("binds");
    let uri = format!("ws://{}", server.local_addr());
    let served = example::declare(&server, example::APP, mode).expect("declared");
    let app = tokio::spawn(example::app(served));
    let fake = start_fake(example::demo::fake_asterisk(&uri, mode)).await;

    let alice = fake.phone("PJSIP/alice").expect("phone");
    let bob = fake.phone("PJSIP/bob").expect("phone");
    let alice_call = alice.dial(example::EXTENSION).expect("alice dials");
    let bob_call = bob.dial(example::EXTENSION).expect("bob dials");
    // Neither phone hangs up: the application does.
    for call in [&alice_call, &bob_call] {
        call.wait_hangup(WAIT).await.expect("the app hangs up");
    }

    for call in [&alice_call, &bob_call] {
        assert_greeted(&fake, call);
    }
    // Each call's events went to the application id its connection
    // carries: the application's own for a persistent connection,
    // `<app>:<channel name>` for a per-call one.
    for call in [&alice_call, &bob_call] {
        let start = fake
            .delivered_events()
            .into_iter()
            .find(|e| {
                e.event["type"] == "StasisStart" && e.event["channel"]["id"] == call.channel_id()
            })
            .expect("a StasisStart");
        let expected = match mode {
            Mode::Persistent => example::APP.to_owned(),
            Mode::PerCall => format!(
                "{}:{}",
                example::APP,
                start.event["channel"]["name"].as_str().unwrap_or_default()
            ),
        };
        assert_eq!(start.application, expected);
    }
    assert_eq!(fake.outbound_dials(), dials);

    // Without the listener and the fake, the application ends.
    drop(server);
    fake.shutdown().await;
    tokio::time::timeout(WAIT, app)
        .await
        .expect("the app stops")
        .expect("the app's task")
        .expect("the app ends cleanly");
}

#[tokio::test]
async fn a_persistent_connection_serves_every_caller() {
    callers_are_served(Mode::Persistent, 1).await;
}

#[tokio::test]
async fn per_call_connections_serve_every_caller() {
    callers_are_served(Mode::PerCall, 2).await;
}
