//! A captured log of a whole session, at the most verbose level, holds
//! neither the password nor the `Authorization` header that carries it.

mod sdk_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use ari_sdk::handles::{Prompt, RecordOptions};
use base64::Engine as _;
use sdk_support::{connect, next, start_fake, APP, PASSWORD};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_full_session_logs_no_password() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let fake = start_fake().await;
    let (ari, app) = connect(&fake).await;
    let mut calls = app.calls();
    let caller = fake.call_into_app(APP, "3100", &[]).expect("call");
    let call = next(&mut calls).await;
    call.answer().await.expect("answer");
    let presser = {
        let caller = caller.clone();
        tokio::spawn(async move { caller.press("7").await })
    };
    let reply = call
        .prompt(&Prompt::new(["sound:hello-world"]).max_digits(1))
        .await
        .expect("prompt");
    presser.await.expect("pressed");
    assert_eq!(reply.digits, "7");
    let mut events = call.events();
    fake.drop_websockets();
    sdk_support::read_until(&mut events, |item| {
        matches!(item, ari_sdk::stream::StreamItem::Reconnected { .. })
    })
    .await;
    let recording = call
        .record(RecordOptions::new("wav").max_silence_seconds(1))
        .start()
        .await
        .expect("record");
    caller.speak(200).await;
    recording.finished().await.expect("recorded");
    // An error response, logged too.
    assert!(ari.channels().get("no-such-channel").await.is_err());
    call.hangup().await.expect("hangup");
    call.ended().await;
    app.event_stream().close();
    fake.shutdown().await;

    let log = String::from_utf8(captured.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .expect("utf-8");
    // The log is not empty: requests, events and the reconnect are in it.
    for expected in [
        "ari_request",
        "channels.answer",
        "status=204",
        "event received",
        "reconnected",
    ] {
        assert!(log.contains(expected), "no {expected:?} in the log");
    }
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("sdk:{PASSWORD}"));
    assert!(!log.contains(PASSWORD), "the password leaked into the log");
    assert!(
        !log.contains(&basic),
        "the Authorization header leaked into the log"
    );
}
