//! The `outbound_hello` example's demo: an embedded fake Asterisk configured
//! to dial the application's listener (its `websocket_client.conf` and
//! `ari.conf`), and the simulated callers (the application is in `main.rs`).

use std::time::Duration;

use ari_sdk::outbound::{OutboundServer, OutboundSettings};
use fake_asterisk::{
    ConnectionType, FakeAsterisk, FakeAsteriskBuilder, OutboundWebsocket, WebsocketClient,
};

use super::common::{self, say, Result};
use super::{app, declare, Mode, APP, EXTENSION};

/// The credentials the fake's connection sends and the listener checks.
pub const USERNAME: &str = "asterisk";
/// See [`USERNAME`].
pub const PASSWORD: &str = "outbound-demo";

/// The listener's settings in the demo.
pub fn settings() -> OutboundSettings {
    OutboundSettings::new()
        .basic_auth(USERNAME, PASSWORD)
        .request_timeout(Duration::from_secs(5))
}

/// The embedded fake: a connection `hello_app` to `uri` of the given
/// `connection_type`, serving [`APP`], and extension 100 entering it.
pub fn fake_asterisk(uri: &str, mode: Mode) -> FakeAsteriskBuilder {
    let connection_type = match mode {
        Mode::Persistent => ConnectionType::Persistent,
        Mode::PerCall => ConnectionType::PerCallConfig,
    };
    common::fake_asterisk()
        .websocket_client(
            WebsocketClient::new("hello_app", uri, connection_type)
                .credentials(USERNAME, PASSWORD)
                .reconnect_interval(Duration::from_millis(100)),
        )
        .outbound_websocket(OutboundWebsocket::new(
            "hello_outbound",
            "hello_app",
            &[APP],
        ))
        // Asterisk waits 3 s after a per-call StasisEnd; the demo less.
        .per_call_close_delay(Duration::from_millis(200))
        .extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Two simulated callers dial in, one after the other.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    for (phone, name, number) in [
        ("PJSIP/alice", "alice", "5551001"),
        ("PJSIP/bob", "bob", "5551002"),
    ] {
        let phone = fake.phone(phone)?;
        phone.set_caller_id(name, number);
        let call = phone.dial(EXTENSION)?;
        call.wait_hangup(Duration::from_secs(10)).await?;
        say("phone", format!("{name} heard {:?}", call.heard()));
    }
    Ok(())
}

/// The embedded demo: listen on a free port of 127.0.0.1, let the fake
/// dial it, place the calls, then stop.
pub async fn run(mode: Mode) -> Result {
    let server = OutboundServer::bind("127.0.0.1:0", settings()).await?;
    let uri = format!("ws://{}", server.local_addr());
    let app_task = tokio::spawn(app(declare(&server, APP, mode)?));
    let fake = fake_asterisk(&uri, mode).build().start().await?;
    say(
        "demo",
        format!("embedded fake Asterisk dials {uri} ({mode:?} connection)"),
    );
    let simulated = tokio::time::timeout(Duration::from_secs(30), simulate(&fake)).await;
    // Without the listener and Asterisk's connection, the application ends.
    drop(server);
    fake.shutdown().await;
    let app_result = tokio::time::timeout(Duration::from_secs(5), app_task).await;
    common::conclude(simulated, app_result)
}
